"""The configuration management database: who calls, where they work, and what the IT is made of.

The service desk queries it on every call (who is calling, which configuration items and business
services are involved, what depends on what, what was changed lately). Nothing here imports the
incident or knowledge apps.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Concat, Lower, Upper
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cmdb.choices import (
    LOCATION_LEVEL,
    ChangeState,
    CIClass,
    CIStatus,
    Criticality,
    LocationKind,
    RelationshipKind,
    SupportTier,
)
from servicedesk.numbers import SequenceNumber


class PhoneDigits(models.Func):
    """The digits of a phone number column, in SQL (immutable, so it can feed a generated column)."""

    function = "regexp_replace"
    output_field = models.CharField()

    def __init__(self, column: str) -> None:
        super().__init__(F(column), models.Value(r"\D"), models.Value(""), models.Value("g"))


class Location(models.Model):
    """A place where callers work and configuration items stand: site → building → floor → room."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=LocationKind, default=LocationKind.SITE)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    address = models.TextField(_("address"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "parent",
                Lower("name"),
                name="cmdb_location_unique_name_in_parent",
                nulls_distinct=False,
                violation_error_message=_("There is already a location of that name in the same place."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cmdb:location_detail", args=[self.pk])

    @property
    def within(self) -> list[Location]:
        """The places this one is part of, the nearest first (a room: its floor, building and site). Read them
        with ``select_related("parent__parent__parent")``: a room is at most three levels down."""
        places, place = [], self.parent
        while place is not None:
            places.append(place)
            place = place.parent
        return places

    def clean(self) -> None:
        if self.parent_id is None:
            return
        parent = self.parent
        if LOCATION_LEVEL[LocationKind(parent.kind)] >= LOCATION_LEVEL[LocationKind(self.kind)]:
            raise ValidationError(
                {"parent": _("A %(kind)s cannot be part of a %(parent)s.")
                 % {"kind": self.get_kind_display().lower(), "parent": parent.get_kind_display().lower()}}
            )  # fmt: skip


class Contact(models.Model):
    """A caller: someone who reports incidents to the service desk and is kept informed by e-mail.

    Callers have no login; ``user`` links the contact to a staff account when the caller also works
    in IT. ``phone_digits`` (a generated column) holds the digits of both numbers, so that a search
    finds "020 555 1234" however the operator types it.
    """

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    phone_digits = models.GeneratedField(
        expression=Concat(PhoneDigits("phone"), models.Value(" "), PhoneDigits("mobile")),
        output_field=models.CharField(max_length=90),
        db_persist=True,
    )
    workplace = models.ForeignKey(
        Location, verbose_name=_("workplace"), null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    department = models.CharField(_("department"), max_length=120, blank=True)
    vip = models.BooleanField(_("VIP"), default=False, help_text=_("Incidents of VIP callers get extra attention."))
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_("The language of their mails and status page; blank: the service desk's."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="cmdb_contact_unique_email",
                violation_error_message=_("Another contact already has this e-mail address."),
            ),
        ]
        indexes = [
            GinIndex(OpClass(Upper("last_name"), name="gin_trgm_ops"), name="cmdb_contact_last_name_trgm"),
            GinIndex(OpClass(Upper("first_name"), name="gin_trgm_ops"), name="cmdb_contact_first_name_trgm"),
            GinIndex(OpClass(Upper("email"), name="gin_trgm_ops"), name="cmdb_contact_email_trgm"),
            GinIndex(OpClass("phone_digits", name="gin_trgm_ops"), name="cmdb_contact_phone_trgm"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("cmdb:contact_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class SupportGroup(models.Model):
    """A team that resolves incidents: the service desk itself (tier 1) or a second- or third-line group."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=SupportTier, default=SupportTier.SECOND_LINE)
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("The group's shared mailbox for notices."))
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="support_groups"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_groups",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("support group")
        verbose_name_plural = _("support groups")
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cmdb:supportgroup_detail", args=[self.pk])


class ConfigurationItem(models.Model):
    """A configuration item (CI): a component of the IT infrastructure under configuration management."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    ci_class = models.CharField(_("class"), max_length=20, choices=CIClass, default=CIClass.SERVER)
    status = models.CharField(_("status"), max_length=20, choices=CIStatus, default=CIStatus.LIVE)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    asset_tag = models.CharField(_("asset tag"), max_length=60, blank=True)
    location = models.ForeignKey(
        Location, verbose_name=_("location"), null=True, blank=True, on_delete=models.PROTECT, related_name="cis"
    )
    owner_group = models.ForeignKey(
        SupportGroup,
        verbose_name=_("owner group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cis",
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True, help_text=_("Free attributes."))
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Upper("asset_tag"),
                condition=~Q(asset_tag=""),
                name="cmdb_ci_unique_asset_tag",
                violation_error_message=_("Another configuration item already has this asset tag."),
            ),
        ]
        indexes = [
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="cmdb_ci_name_trgm"),
            models.Index(Upper("serial_number"), name="cmdb_ci_serial"),
            models.Index(fields=["ci_class", "status"], name="cmdb_ci_class_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cmdb:ci_detail", args=[self.pk])

    @property
    def status_badge(self) -> str:
        return CIStatus(self.status).colour

    @property
    def shown_attributes(self) -> list[tuple[str, object]]:
        """The free attributes for people: "retention_days" as "Retention days"."""
        return [(capfirst(str(name).replace("_", " ")), value) for name, value in self.attributes.items()]

    def clean(self) -> None:
        if not isinstance(self.attributes, dict):
            raise ValidationError({"attributes": _("Attributes must be a JSON object of names and values.")})


class Relationship(models.Model):
    """A link between two CIs, read as "source <kind> target": "payroll app runs on vm-042".

    When the target fails, the source is affected; impact analysis follows links from target to
    source. Cycles are allowed in the data (real networks have them); the graph queries are cycle-safe.
    """

    source = models.ForeignKey(
        ConfigurationItem, verbose_name=_("source"), on_delete=models.CASCADE, related_name="outgoing"
    )
    target = models.ForeignKey(
        ConfigurationItem, verbose_name=_("target"), on_delete=models.CASCADE, related_name="incoming"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RelationshipKind, default=RelationshipKind.DEPENDS_ON)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        ordering = ["source__name", "kind", "target__name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="cmdb_relationship_not_to_itself",
                violation_error_message=_("A configuration item cannot be related to itself."),
            ),
            models.UniqueConstraint(
                fields=["source", "target", "kind"],
                name="cmdb_relationship_unique",
                violation_error_message=_("These two configuration items are already related this way."),
            ),
        ]
        indexes = [models.Index(fields=["target", "source"], name="cmdb_relationship_reverse")]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"


class Service(models.Model):
    """A business service: what the business sees and pays for (e-mail, payroll), built from CIs."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    criticality = models.CharField(_("criticality"), max_length=20, choices=Criticality, default=Criticality.MEDIUM)
    owner_group = models.ForeignKey(
        SupportGroup,
        verbose_name=_("owner group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )
    cis = models.ManyToManyField(
        ConfigurationItem,
        verbose_name=_("built from"),
        blank=True,
        related_name="services",
        help_text=_("The CIs the service is built from directly; what they depend on counts too."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cmdb:service_detail", args=[self.pk])

    @property
    def criticality_badge(self) -> str:
        return Criticality(self.criticality).colour


CHANGE_NUMBER_SEQUENCE = "cmdb_change_number_seq"


class NextChangeNumber(SequenceNumber):
    """``CHG0001000``, ``CHG0001001``…: numbers from a sequence are never reused."""

    def __init__(self) -> None:
        super().__init__("CHG", CHANGE_NUMBER_SEQUENCE)


class Change(models.Model):
    """A planned change to CIs. The desk looks at recent and upcoming changes when a CI misbehaves."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False, db_default=NextChangeNumber())
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ChangeState, default=ChangeState.PLANNED)
    planned_start = models.DateTimeField(_("planned start"))
    planned_end = models.DateTimeField(_("planned end"))
    implemented_at = models.DateTimeField(_("implemented"), null=True, blank=True)
    cis = models.ManyToManyField(ConfigurationItem, verbose_name=_("affected CIs"), blank=True, related_name="changes")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-planned_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")),
                name="cmdb_change_window_in_order",
                violation_error_message=_("The planned end must not be before the planned start."),
            ),
        ]
        indexes = [models.Index(fields=["planned_start", "planned_end"], name="cmdb_change_window")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("cmdb:change_detail", args=[self.number])

    @property
    def state_badge(self) -> str:
        return ChangeState(self.state).colour
