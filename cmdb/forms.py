"""Forms for editing the CMDB: ModelForms with the models' own validation, plus two guards.

- ``CINamesField``: CIs are chosen by name, one per line, never from a select of 100,000 options.
- ``ServicePickerField``, ``LocationPickerField``: a service or a location chosen by searching, never from a
  select of every one (a thousand services took 100 ms to render on each call-logging page).
- ``EditConflictGuard`` (shared, in ``servicedesk.forms``): a form refuses to save over a change someone
  else saved after it was opened, instead of silently overwriting it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Lookup, Q
from django.db.models.functions import Upper
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from cmdb.choices import RelationshipKind
from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup
from cmdb.selectors import ci_by_name
from servicedesk.compiled import CompiledQuery
from servicedesk.forms import EditConflictGuard, PickedChoiceField
from servicedesk.locales import language_choices

MAX_CI_NAMES = 500


class _AmongTexts(Lookup):
    """``lhs = ANY(%s::text[])``: one value, a list, whatever its length (``__in`` makes a placeholder per item)."""

    lookup_name = "among_texts"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::text[])", [*lhs_params, *rhs_params]


# The CIs whose names, in capitals, are among the values (a list): built once a process, as every call logged with
# CIs reads them (decision record 0059). The placeholder is a list no form sends (names are stripped).
NAMED_CIS = CompiledQuery(
    lambda keys: ConfigurationItem.objects.filter(_AmongTexts(Upper("name"), keys)), placeholder=[" compiled "]
)


class CINamesField(forms.Field):
    """Configuration items typed by name, one per line; unknown names are listed in the error."""

    widget = forms.Textarea(attrs={"rows": 5, "spellcheck": "false"})
    many_lines = True  # one value per line: the API takes a list (servicedesk.api.forms)
    default_error_messages = {
        "unknown": _("No configuration item is called: %(names)s."),
        "ambiguous": _("Several configuration items are called %(names)s in other cases: type the name exactly."),
        "too_many": _("At most %(limit)s configuration items at once."),
    }

    def prepare_value(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        items = list(value)
        if items and not isinstance(items[0], ConfigurationItem):
            items = list(ConfigurationItem.objects.filter(pk__in=items).order_by("name"))
        return "\n".join(item.name for item in items)

    def to_python(self, value: str | None) -> list[ConfigurationItem]:
        names = list(dict.fromkeys(line.strip() for line in (value or "").splitlines() if line.strip()))
        if len(names) > MAX_CI_NAMES:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"limit": MAX_CI_NAMES})
        if not names:
            return []
        # Names are unique only with their case: the exact name first, else the only one in another case.
        candidates: dict[str, list[ConfigurationItem]] = {}
        for ci in NAMED_CIS.rows([name.upper() for name in names]):
            candidates.setdefault(ci.name.upper(), []).append(ci)
        found, unknown, ambiguous = [], [], []
        for name in names:
            matches = candidates.get(name.upper(), [])
            exact = [ci for ci in matches if ci.name == name]
            if exact or len(matches) == 1:
                found.append((exact or matches)[0])
            else:
                (ambiguous if matches else unknown).append(name)
        for code, wrong in (("unknown", unknown), ("ambiguous", ambiguous)):
            if wrong:
                raise ValidationError(self.error_messages[code], code=code, params={"names": ", ".join(wrong[:10])})
        return found


ACTIVE = Q(active=True)
# A service picked by id, with whether it may be chosen (``PickedChoiceField.usable``), as the logging form reads it.
PICKED_SERVICE = CompiledQuery(lambda pk: Service.objects.annotate(picker_usable=ACTIVE).filter(pk=pk))


class ServicePickerField(PickedChoiceField):
    """A service, chosen by searching (``cmdb:service_search``); one no longer active is refused by its name.
    ``usable`` may widen what is accepted (an incident keeps the retired service it has)."""

    search_url = reverse_lazy("cmdb:service_search")
    default_error_messages = {
        "unknown": _("No service is called “%(text)s”: search, and choose one from the list."),
        "ambiguous": _("More than one service is called “%(text)s”: search, and choose one from the list."),
        "unusable": _("The service “%(name)s” is no longer active: choose another one."),
    }

    def __init__(self, *, usable: Q | None = None, **kwargs: Any) -> None:
        super().__init__(Service.objects.all(), usable=usable or ACTIVE, **kwargs)

    @property
    def picked_statement(self) -> CompiledQuery | None:  # type: ignore[override]
        """Every call logged picks an active service: that statement is built once a process. A form that widens
        ``usable`` (the details keep a service retired since) builds its own."""
        return PICKED_SERVICE if self.usable is ACTIVE else None


class LocationPickerField(PickedChoiceField):
    """A location, chosen by searching (``cmdb:location_search``): rooms make the list long, and names repeat
    ("Floor 2" in every building), so the results say where each one is."""

    search_url = reverse_lazy("cmdb:location_search")
    default_error_messages = {
        "unknown": _("No location is called “%(text)s”: search, and choose one from the list."),
        "ambiguous": _("More than one location is called “%(text)s”: search, and choose one from the list."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Location.objects.all(), **kwargs)


class ConfigurationItemForm(EditConflictGuard):
    attributes = forms.JSONField(
        label=_("Attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_('A JSON object, for example {"os": "Ubuntu 24.04", "ram_gb": 32}.'),
    )

    class Meta:
        model = ConfigurationItem
        fields = [
            "name", "ci_class", "status", "serial_number", "asset_tag", "location", "owner_group",
            "attributes", "description",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_attributes(self) -> dict[str, Any]:
        value = self.cleaned_data.get("attributes")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise ValidationError(_("Attributes must be a JSON object of names and values."))
        return value


class ServiceForm(EditConflictGuard):
    cis = CINamesField(
        label=_("Built from"),
        required=False,
        help_text=_("The CIs the service is built from directly, one name per line."),
    )

    class Meta:
        model = Service
        fields = ["name", "description", "criticality", "owner_group", "cis", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ContactForm(EditConflictGuard):
    class Meta:
        model = Contact
        fields = [
            *("first_name", "last_name", "email", "phone", "mobile", "workplace", "department", "language", "vip"),
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "language" in self.fields:  # the recording form's new caller has none: the desk's
            self.fields["language"].choices = language_choices()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not (cleaned.get("email") or cleaned.get("phone") or cleaned.get("mobile")):
            raise ValidationError(_("Give at least one way to reach the caller: e-mail, phone or mobile."))
        return cleaned


class LocationForm(EditConflictGuard):
    class Meta:
        model = Location
        fields = ["name", "kind", "parent", "address"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_parent(self) -> Location | None:
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk:
            ancestor = parent
            while ancestor is not None:
                if ancestor.pk == self.instance.pk:
                    raise ValidationError(_("A location cannot be part of itself or of a place inside it."))
                ancestor = ancestor.parent
        return parent


class SupportGroupForm(EditConflictGuard):
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SupportGroup
        fields = ["name", "tier", "email", "description", "manager", "members", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ChangeForm(EditConflictGuard):
    cis = CINamesField(label=_("Affected CIs"), required=False, help_text=_("One CI name per line."))

    class Meta:
        model = Change
        fields = ["title", "description", "state", "planned_start", "planned_end", "implemented_at", "cis"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "planned_start": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "planned_end": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "implemented_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }


class RelationshipForm(forms.Form):
    """Relate the CI on the page to another one, in either direction."""

    OUTGOING = "outgoing"
    INCOMING = "incoming"

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[(OUTGOING, _("This CI … the other")), (INCOMING, _("The other … this CI"))],
        initial=OUTGOING,
    )
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationshipKind.choices)
    other = forms.CharField(label=_("Other CI"), max_length=200, help_text=_("Its exact name."))

    def __init__(self, *args: Any, ci: ConfigurationItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ci = ci

    def clean_other(self) -> ConfigurationItem:
        name = self.cleaned_data["other"].strip()
        other = ci_by_name(name)
        if other is None:
            raise ValidationError(_("No configuration item is called %(name)s."), params={"name": name})
        return other

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        other = cleaned.get("other")
        if other is None or "kind" not in cleaned:
            return cleaned
        source, target = (self.ci, other) if cleaned.get("direction") == self.OUTGOING else (other, self.ci)
        self.relationship = Relationship(source=source, target=target, kind=cleaned["kind"])
        try:
            self.relationship.full_clean()
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        return cleaned
