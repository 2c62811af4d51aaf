"""An incident as the service desk records it from a call, with the transitions of its lifecycle (decision
record 0002)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cmdb.models import Change, ConfigurationItem, Contact, Location, Service, SupportGroup
from incidents.choices import (
    NOT_CLOSED_STATES,
    OPEN_STATES,
    Channel,
    ClosureReason,
    Impact,
    Priority,
    ResolutionCode,
    Satisfaction,
    State,
    Urgency,
)
from incidents.models.rules import (
    may_classify,
    may_close,
    may_escalate,
    may_reopen,
    may_resolve_at_first_line,
    may_work,
    nobody,
    notices_sent,
    with_the_desk,
)
from incidents.priority import serious_at
from knowledge.models import SEARCH_CONFIG, Category, KnownError, Problem
from servicedesk.labels import ChoiceLabels
from servicedesk.numbers import SequenceNumber

if TYPE_CHECKING:
    from incidents.models.closure import RootCause

INCIDENT_NUMBER_SEQUENCE = "incidents_incident_number_seq"
OPEN = models.Q(state__in=OPEN_STATES)
# The service-level fields of an incident: the clock (incidents.servicelevels) sets them in memory, and every
# save of a change takes them along (incidents.core.writes.incident_save).
SLA_FIELDS = ["service_level", "response_due_at", "resolution_due_at", "responded_at", "response_met",
              "resolution_met", "awaiting_caller_since", "awaiting_caller_reason", "sla_next_check_at",
              "response_warning_stage", "resolution_warning_stage"]  # fmt: skip


class NextIncidentNumber(SequenceNumber):
    def __init__(self) -> None:
        super().__init__("INC", INCIDENT_NUMBER_SEQUENCE)


class Incident(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """An incident as the service desk records it from a call (see the module docstring)."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False, db_default=NextIncidentNumber())
    state = FSMField(_("state"), max_length=20, choices=State, default=State.RECORDED, protected=True)
    caller = models.ForeignKey(Contact, verbose_name=_("caller"), on_delete=models.PROTECT, related_name="incidents")
    channel = models.CharField(_("reported by"), max_length=20, choices=Channel, default=Channel.PHONE)
    occurred_at = models.DateTimeField(_("occurred"))
    reported_at = models.DateTimeField(_("reported"))
    short_description = models.CharField(_("short description"), max_length=200)
    symptoms = models.TextField(_("symptoms"), blank=True)
    location = models.ForeignKey(
        Location, verbose_name=_("location"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    cis = models.ManyToManyField(
        ConfigurationItem, verbose_name=_("configuration items"), blank=True, related_name="incidents"
    )
    affected_users = models.PositiveIntegerField(_("affected users"), default=1)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency, default=Urgency.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority, default=Priority.LOW, editable=False)
    serious = models.BooleanField(_("serious"), default=False, help_text=_("A major incident: management is told."))
    desk_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("desk owner"),
        on_delete=models.PROTECT,
        related_name="owned_incidents",
    )
    assigned_group = models.ForeignKey(
        SupportGroup,
        verbose_name=_("assigned group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("master incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subordinates",
    )
    # Classification (the desk's first look) and closure (the root cause found) are kept apart: the
    # dashboards compare them.
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # The template the call was logged from, if any: its category is proposed at classification. No index: no
    # page asks for a template's incidents, and a template is never deleted.
    template = models.ForeignKey(
        "incidents.IncidentTemplate",
        verbose_name=_("logged from template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_incidents",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True, editable=False)
    known_error = models.ForeignKey(
        KnownError,
        verbose_name=_("known error"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    workaround = models.TextField(_("workaround"), blank=True, db_default="")
    resolution_code = models.CharField(
        _("resolution code"), max_length=20, choices=ResolutionCode, blank=True, db_default=""
    )
    resolution_notes = models.TextField(
        _("resolution"), blank=True, db_default="", help_text=_("Written for the caller.")
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    # When the last resolution was rejected (by the caller or the desk); cleared by the next resolution.
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True, editable=False)
    change = models.ForeignKey(
        Change, verbose_name=_("change"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    # The category as it turned out, confirmed at closure (the classification's, unless the desk corrects it):
    # classification quality compares the two.
    root_cause_category = models.ForeignKey(
        Category,
        verbose_name=_("category at closure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="root_cause_incidents",
    )
    # What caused it, in its own taxonomy (incidents.models.closure), and the change that did when it says so.
    root_cause = models.ForeignKey(
        "incidents.RootCause",
        verbose_name=_("root cause"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    cause_change = models.ForeignKey(
        Change,
        verbose_name=_("caused by the change"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caused_incidents",
    )
    # Why the desk closed it before the caller confirmed and before the automatic closure would have.
    closure_reason = models.CharField(
        _("closed early because"), max_length=30, choices=ClosureReason, blank=True, db_default=""
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(
        _("anonymised"), null=True, blank=True, editable=False,
        help_text=_("When its people were anonymised, CALLER_RETENTION_MONTHS after its closure."),
    )  # fmt: skip
    closed_automatically = models.BooleanField(
        _("closed automatically"), default=False, db_default=False, editable=False
    )
    # The caller's own rating, through the "it works" link; one the desk records for them is kept apart.
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), choices=Satisfaction, null=True, blank=True)
    satisfaction_by_phone = models.PositiveSmallIntegerField(
        _("satisfaction given by phone"), choices=Satisfaction, null=True, blank=True
    )
    satisfaction_comment = models.TextField(_("caller's comment"), blank=True, db_default="")
    # Set when the caller answers "it works" on the signed link sent at resolution (incidents.callers.links).
    confirmed_at = models.DateTimeField(_("confirmed by the caller"), null=True, blank=True, editable=False)
    # Service level (incidents.servicelevels): the targets that apply, their due times in business time,
    # whether they were met (recorded when it happens), the pause while the incident waits on the caller,
    # and when the SLA sweep must next look at the incident (its only index-driven entry point).
    service_level = models.ForeignKey(
        "incidents.ServiceLevel",
        verbose_name=_("service level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True, editable=False)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True, editable=False)
    response_met = models.BooleanField(_("response in time"), null=True, blank=True, editable=False)
    resolution_met = models.BooleanField(_("resolution in time"), null=True, blank=True, editable=False)
    awaiting_caller_since = models.DateTimeField(
        _("waiting on the caller since"), null=True, blank=True, editable=False
    )
    awaiting_caller_reason = models.TextField(_("waiting on the caller for"), blank=True, db_default="")
    sla_next_check_at = models.DateTimeField(_("next service-level check"), null=True, blank=True, editable=False)
    response_warning_stage = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    resolution_warning_stage = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    management_notified_at = models.DateTimeField(_("management notified"), null=True, blank=True, editable=False)
    users_informed_at = models.DateTimeField(_("affected users informed"), null=True, blank=True, editable=False)
    logging_seconds = models.PositiveIntegerField(_("time to log the call (s)"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("short_description", weight="A", config=SEARCH_CONFIG)
            + SearchVector("symptoms", weight="B", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at", "-id"]
        permissions = [
            ("classify_incident", _("Can classify incidents")),
            ("resolve_incident", _("Can resolve incidents at first line")),
            ("escalate_incident", _("Can escalate any incident to a support group")),
            ("assign_incident", _("Can assign any incident to a member of its group")),
            ("work_incident", _("Can work incidents of own support groups")),
            ("reopen_incident", _("Can reopen resolved incidents")),
            ("close_incident", _("Can close resolved incidents")),
            ("view_dashboard", _("Can see the managers' dashboard")),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="incidents_search"),
            models.Index(fields=["state", "-reported_at"], name="incidents_state_reported"),
            models.Index(fields=["priority", "-reported_at"], name="incidents_priority_reported"),
            models.Index(fields=["service", "-reported_at"], name="incidents_service_reported"),
            models.Index(fields=["caller", "-reported_at"], name="incidents_caller_reported"),
            models.Index(fields=["-reported_at", "-id"], name="incidents_reported"),
            # The similar-incident lookup looks at open incidents only: small partial indexes keep it
            # under 100 ms at a million incidents (bench/incidents_similar.py).
            GinIndex(fields=["search_vector"], name="incidents_open_search", condition=models.Q(state__in=OPEN_STATES)),
            models.Index(
                fields=["service", "-reported_at"],
                name="incidents_open_service",
                condition=models.Q(state__in=OPEN_STATES),
            ),
            models.Index(
                fields=["caller", "-reported_at"],
                name="incidents_open_caller",
                condition=models.Q(state__in=OPEN_STATES),
            ),
            # The SLA sweep reads only what is due: open incidents whose next check has passed.
            models.Index(
                fields=["sla_next_check_at"],
                name="incidents_sla_due",
                condition=models.Q(state__in=OPEN_STATES, sla_next_check_at__isnull=False),
            ),
            # The dashboard counts what happened in a period by the moment it happened: one index per moment,
            # partial (the incidents it happened to) and covering (the columns its figures read), so that each
            # figure is an index-only range scan (bench/dashboard.py: 10 s without them at a million incidents).
            models.Index(
                fields=["reported_at"], name="incidents_reported_figures", include=["service", "logging_seconds"]
            ),
            models.Index(
                fields=["acknowledged_at"],
                name="incidents_acknowledged",
                include=["reported_at"],
                condition=models.Q(acknowledged_at__isnull=False),
            ),
            models.Index(
                fields=["responded_at"],
                name="incidents_responded",
                include=["response_met"],
                condition=models.Q(responded_at__isnull=False),
            ),
            models.Index(
                fields=["resolved_at"],
                name="incidents_resolved",
                include=["reported_at", "resolution_met", "assigned_group", "known_error"],
                condition=models.Q(resolved_at__isnull=False),
            ),
            models.Index(
                fields=["closed_at"],
                name="incidents_closed",
                include=[
                    "confirmed_at",
                    "closed_automatically",
                    "satisfaction",
                    "category",
                    "root_cause_category",
                    "root_cause",
                    "closure_reason",
                    "satisfaction_by_phone",
                ],
                condition=models.Q(closed_at__isnull=False),
            ),
            # The backlog by priority and by group, and the serious incidents now: the open incidents only.
            models.Index(
                fields=["priority", "assigned_group"],
                name="incidents_open_backlog",
                condition=models.Q(state__in=OPEN_STATES),
            ),
            models.Index(
                fields=["priority", "reported_at"],
                name="incidents_open_serious",
                condition=models.Q(state__in=OPEN_STATES, serious=True),
            ),
            # A group's queue and its tab counts, and the live backlog per group and priority: the open incidents by
            # group, covering what the tabs test, so that the counts are one index-only scan of the group's open
            # incidents rather than of every incident ever assigned to it (decision record 0036). It covers the
            # queue's order and the id too, so that a page's ids are read from it alone (KeysFirstPaginator).
            models.Index(
                fields=["assigned_group", "priority"],
                name="incidents_open_queue_keys",
                include=[
                    "acknowledged_at",
                    "assignee",
                    "awaiting_caller_since",
                    "responded_at",
                    "response_due_at",
                    "resolution_due_at",
                    "response_met",
                    "resolution_met",
                    "reported_at",
                    "id",
                ],
                condition=models.Q(state__in=OPEN_STATES),
            ),
            # The desk's work list: what is not closed yet, in the list's order, covering what the tabs test.
            models.Index(
                fields=["priority", "reported_at", "id"],
                name="incidents_desk_worklist",
                include=[
                    "state",
                    "desk_owner",
                    "reopened_at",
                    "serious",
                    "management_notified_at",
                    "users_informed_at",
                    "resolved_at",
                    "confirmed_at",
                ],
                condition=models.Q(state__in=NOT_CLOSED_STATES),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(occurred_at__lte=models.F("reported_at")),
                name="incidents_occurred_before_reported",
                violation_error_message=_("An incident cannot occur after it was reported."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="incidents_not_its_own_parent",
                violation_error_message=_("An incident cannot be its own master incident."),
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__range=(1, 5)),
                name="incidents_satisfaction_1_to_5",
                violation_error_message=_("Satisfaction is rated from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.short_description}" if self.number else self.short_description

    def get_absolute_url(self) -> str:
        return reverse("incidents:incident_detail", args=[self.number])

    @property
    def state_fields(self) -> tuple[FSMField, ...]:
        # django-fsm looks for its fields among all of the model's on every incident made (60 isinstance calls:
        # a list of 1,000 incidents spent a third of its time there); there is one.
        return (self._meta.get_field("state"),)

    @property
    def priority_badge(self) -> str:
        return Priority(self.priority).colour

    @property
    def state_badge(self) -> str:
        return State(self.state).colour

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def serious_notices_pending(self) -> bool:
        """A serious incident whose management notice or user information has not gone out yet."""
        return self.serious and (self.management_notified_at is None or self.users_informed_at is None)

    # --- the lifecycle: fields of this incident only; incidents.lifecycle saves and journals ----------

    @transition(
        field=state,
        source=State.RECORDED,
        target=State.CLASSIFIED,
        conditions=[notices_sent],
        permission=may_classify,
        custom={"label": _("Classify"), "done": _("classified")},
    )
    def classify(self, *, category: Category, impact: int, urgency: int, priority: int) -> None:
        self.category = category
        self.impact, self.urgency, self.priority = impact, urgency, priority
        self.serious = serious_at(priority, serious=self.serious)

    classify.alters_data = True

    @transition(
        field=state,
        source=State.CLASSIFIED,
        target=State.RESOLVED,
        conditions=[notices_sent],
        permission=may_resolve_at_first_line,
        custom={"label": _("Resolve at first line"), "done": _("resolved at first line")},
    )
    @transition(
        field=state,
        source=State.INVESTIGATING,
        target=State.RESOLVED,
        conditions=[notices_sent, with_the_desk],
        permission=may_resolve_at_first_line,
        custom={"label": _("Resolve at first line"), "done": _("resolved at first line")},
    )
    def resolve_at_first_line(
        self, *, code: str, notes: str, known_error: KnownError | None, at: datetime.datetime
    ) -> None:
        self._set_resolution(code=code, notes=notes, at=at)
        if known_error is not None:
            self.known_error = known_error
            self.workaround = known_error.workaround

    resolve_at_first_line.alters_data = True

    @transition(
        field=state,
        source=[State.CLASSIFIED, State.INVESTIGATING],
        target=State.INVESTIGATING,
        conditions=[notices_sent],
        permission=may_escalate,
        custom={"label": _("Escalate"), "done": _("escalated")},
    )
    def escalate(self, *, group: SupportGroup) -> None:
        # A new handoff: the group acknowledges and picks its assignee afresh; the desk stays the owner.
        self.assigned_group = group
        self.assignee = None
        self.acknowledged_at = None

    escalate.alters_data = True

    @transition(
        field=state,
        source=State.INVESTIGATING,
        target=State.RESOLVED,
        conditions=[notices_sent],
        permission=may_work,
        custom={"label": _("Resolve"), "done": _("resolved")},
    )
    def resolve(
        self, *, code: str, notes: str, change: Change | None, problem: Problem | None, at: datetime.datetime
    ) -> None:
        self._set_resolution(code=code, notes=notes, at=at)
        self.change = change or self.change
        self.problem = problem or self.problem

    resolve.alters_data = True

    @transition(
        field=state,
        source=OPEN_STATES,
        target=State.RESOLVED,
        conditions=[notices_sent],
        permission=nobody,
        custom={"label": _("Resolve with the master incident"), "done": _("resolved with its master")},
    )
    def resolve_with_master(self, *, master: Incident, at: datetime.datetime) -> None:
        self._set_resolution(code=master.resolution_code, notes=master.resolution_notes, at=at)
        self.known_error = master.known_error or self.known_error
        self.workaround = master.workaround or self.workaround
        self.change = master.change or self.change
        self.problem = master.problem or self.problem

    resolve_with_master.alters_data = True

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.INVESTIGATING,
        conditions=[notices_sent],
        permission=may_reopen,
        custom={"label": _("Reopen"), "done": _("reopened")},
    )
    def reopen(self, *, at: datetime.datetime) -> None:
        # The fix did not hold: the same group works on, and acknowledges the incident again. The
        # resolution that failed stays in the journal.
        self.reopened_at = at
        self.acknowledged_at = None
        self.resolved_at = None
        self.resolution_code = ""
        self.resolution_notes = ""

    reopen.alters_data = True

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.CLOSED,
        conditions=[notices_sent],
        permission=may_close,
        custom={"label": _("Close"), "done": _("closed")},
    )
    def close(
        self,
        *,
        root_cause: RootCause | None,
        root_cause_category: Category | None,
        satisfaction_by_phone: int | None,
        satisfaction_comment: str,
        at: datetime.datetime,
        cause_change: Change | None = None,
        reason: str = "",
        automatically: bool = False,
    ) -> None:
        # The caller's own rating (through the link) is never touched here; one the desk records is kept apart.
        self.root_cause, self.cause_change = root_cause, cause_change
        self.root_cause_category = root_cause_category
        self.satisfaction_by_phone = satisfaction_by_phone
        self.satisfaction_comment = satisfaction_comment
        self.closure_reason = reason
        self.closed_at = at
        self.closed_automatically = automatically

    close.alters_data = True

    def _set_resolution(self, *, code: str, notes: str, at: datetime.datetime) -> None:
        self.resolution_code, self.resolution_notes, self.resolved_at = code, notes, at
        self.reopened_at = None
