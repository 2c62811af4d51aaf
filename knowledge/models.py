"""The knowledge base: how incidents are classified, what is known about their causes, and how to fix them.

- A **category** classifies incidents and known errors (Hardware → Printer → Paper jam).
- A **problem** is the unknown cause of one or more incidents, investigated by a support group.
- A **known error** is a problem whose cause is understood and which has a workaround the service desk
  can apply at first line; matching an incident against published known errors is the desk's first step.
- An **article** is a how-to or reference page for the desk, written in Markdown.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.db.models.functions import MD5, Concat, Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem, Service, SupportGroup
from knowledge.choices import ArticleKind, ArticleStatus, FixStatus, ProblemState
from servicedesk.numbers import SequenceNumber

# The language of the stored search vectors: without a fixed configuration to_tsvector is not immutable
# and PostgreSQL refuses it in a generated column.
SEARCH_CONFIG = "english"
PROBLEM_NUMBER_SEQUENCE = "knowledge_problem_number_seq"
KNOWN_ERROR_NUMBER_SEQUENCE = "knowledge_knownerror_number_seq"


class RealField(models.FloatField):
    """A single-precision float (PostgreSQL ``real``): half the room of ``double precision``, enough for a vector."""

    def db_type(self, connection: object) -> str:
        return "real"


class Category(models.Model):
    """A node of the classification tree. Retired categories stay on old records but are not offered."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired categories are kept on old records but no longer offered.")
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "parent",
                Lower("name"),
                name="knowledge_category_unique_name_in_parent",
                nulls_distinct=False,
                violation_error_message=_("There is already a category of that name at this place in the tree."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def path_label(self) -> str:
        """ "Hardware / Printer / Paper jam"; load parents with select_related("parent__parent")."""
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A category cannot be placed under itself or its own subcategory.")})
            ancestor = ancestor.parent


class NextProblemNumber(SequenceNumber):
    def __init__(self) -> None:
        super().__init__("PRB", PROBLEM_NUMBER_SEQUENCE)


class Problem(models.Model):
    """The unknown underlying cause of one or more incidents, owned by a support group until it is resolved."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False, db_default=NextProblemNumber())
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ProblemState, default=ProblemState.OPEN)
    root_cause = models.TextField(_("root cause"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="problems"
    )
    services = models.ManyToManyField(Service, verbose_name=_("affected services"), blank=True, related_name="problems")
    cis = models.ManyToManyField(ConfigurationItem, verbose_name=_("affected CIs"), blank=True, related_name="problems")
    owner_group = models.ForeignKey(
        SupportGroup,
        verbose_name=_("owner group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "-created_at"], name="knowledge_problem_state")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:problem_detail", args=[self.number])

    @property
    def state_badge(self) -> str:
        return ProblemState(self.state).colour


class NextKnownErrorNumber(SequenceNumber):
    def __init__(self) -> None:
        super().__init__("KE", KNOWN_ERROR_NUMBER_SEQUENCE)


class KnownError(models.Model):
    """A fault whose cause is known and which has a workaround the service desk can apply.

    Only published known errors are matched against incidents. ``search_vector`` is a stored generated
    column (title and symptoms weigh most, then the cause, then the workaround) with a GIN index. Misspelt
    words are corrected with pg_trgm against the words of the best candidates (``knowledge.matching``).
    ``times_used`` and ``last_used_at`` count the incidents the workaround resolved.

    ``embedding`` is the meaning of the title and symptoms, then of each sentence of the symptoms, one row each
    (``knowledge.vectors``), computed after they change and by ``manage.py embed_known_errors``;
    ``embedded_digest`` is the ``words_digest`` it was computed from, so a vector whose words have changed since is
    seen in SQL (decisions 0043, 0066).
    """

    number = models.CharField(
        _("number"), max_length=20, unique=True, editable=False, db_default=NextKnownErrorNumber()
    )
    title = models.CharField(_("title"), max_length=200)
    symptoms = models.TextField(_("symptoms"), help_text=_("What callers notice, in their words."))
    cause = models.TextField(_("cause"), blank=True)
    workaround = models.TextField(
        _("workaround"), help_text=_("Steps a first-line operator can follow to restore the service.")
    )
    fix_status = models.CharField(_("permanent fix"), max_length=20, choices=FixStatus, default=FixStatus.NONE)
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="known_errors")
    services = models.ManyToManyField(Service, verbose_name=_("services"), blank=True, related_name="known_errors")
    cis = models.ManyToManyField(
        ConfigurationItem, verbose_name=_("configuration items"), blank=True, related_name="known_errors"
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("problem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="known_errors",
    )
    published = models.BooleanField(_("published"), default=False, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    times_used = models.PositiveIntegerField(_("incidents resolved"), default=0, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("symptoms", weight="A", config=SEARCH_CONFIG)
            + SearchVector("cause", weight="C", config=SEARCH_CONFIG)
            + SearchVector("workaround", weight="D", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    words_digest = models.GeneratedField(
        expression=MD5(Concat("title", Value(". "), "symptoms", output_field=models.TextField())),
        output_field=models.CharField(max_length=32),
        db_persist=True,
    )
    embedding = ArrayField(ArrayField(RealField()), verbose_name=_("meaning"), null=True, blank=True, editable=False)
    embedded_digest = models.CharField(max_length=32, blank=True, default="", db_default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("known error")
        verbose_name_plural = _("known errors")
        ordering = ["-updated_at", "-id"]
        permissions = [("publish_knownerror", _("Can publish and withdraw known errors"))]
        indexes = [
            GinIndex(fields=["search_vector"], name="knowledge_ke_search"),
            models.Index(fields=["published", "-updated_at"], name="knowledge_ke_published"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:knownerror_detail", args=[self.number])

    @property
    def fix_badge(self) -> str:
        return FixStatus(self.fix_status).colour


class Article(models.Model):
    """A how-to or reference page for the desk, written in Markdown and rendered safely."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ArticleKind, default=ArticleKind.HOW_TO)
    body = models.TextField(_("text"), help_text=_("Markdown: headings, lists, links, code, tables."))
    status = models.CharField(_("status"), max_length=20, choices=ArticleStatus, default=ArticleStatus.DRAFT)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    services = models.ManyToManyField(Service, verbose_name=_("services"), blank=True, related_name="articles")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("body", weight="B", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["title", "id"]
        indexes = [GinIndex(fields=["search_vector"], name="knowledge_article_search")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article_detail", args=[self.pk])

    @property
    def status_badge(self) -> str:
        return ArticleStatus(self.status).colour
