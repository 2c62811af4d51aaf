"""Choice sets of incidents: how a call came in, impact, urgency, priority, states, resolutions, satisfaction,
journal entries and the events a webhook may subscribe to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WALK_IN = "walk_in", _("Walk-in")
    CHAT = "chat", _("Chat")
    MONITORING = "monitoring", _("Monitoring")


class Impact(models.IntegerChoices):
    """How much of the business is hit: many users or a critical service is high."""

    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Urgency(models.IntegerChoices):
    """How fast the business needs it back."""

    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("P1 · Critical")
    HIGH = 2, _("P2 · High")
    MEDIUM = 3, _("P3 · Medium")
    LOW = 4, _("P4 · Low")
    PLANNING = 5, _("P5 · Planning")

    @property
    def colour(self) -> str:
        return {1: "bad", 2: "warn", 3: "info", 4: "muted", 5: "muted"}[self.value]


class State(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    CLASSIFIED = "classified", _("Classified")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")

    @property
    def colour(self) -> str:
        return {"recorded": "info", "classified": "info", "investigating": "warn", "resolved": "ok",
                "closed": "muted"}[self.value]  # fmt: skip


OPEN_STATES = (State.RECORDED, State.CLASSIFIED, State.INVESTIGATING)
# What the desk still has to see through: the open states and resolved (waiting on the caller or the closure). A
# list, not ``~Q(state=CLOSED)``: PostgreSQL uses a partial index only where the query's condition implies its own.
NOT_CLOSED_STATES = (*OPEN_STATES, State.RESOLVED)


class ResolutionCode(models.TextChoices):
    """How an incident was resolved; problem management and the dashboards count by it."""

    WORKAROUND = "workaround", _("Solved by workaround (known error)")
    PERMANENT_FIX = "permanent_fix", _("Solved (permanent fix)")
    CHANGE = "change", _("Solved by a change")
    NO_FAULT = "no_fault", _("No fault found / user error")
    DUPLICATE = "duplicate", _("Duplicate of another incident")
    NOT_REPRODUCIBLE = "not_reproducible", _("Not reproducible")
    WITHDRAWN = "withdrawn", _("Withdrawn by the caller")


class ClosureReason(models.TextChoices):
    """Why the desk closes a resolved incident before the caller confirmed it and before the automatic closure
    would have: each is its own kind of closure on the dashboard."""

    CONFIRMED_BY_PHONE = "confirmed_by_phone", _("The caller confirmed the fix by phone or in person")
    CONFIRMED_BY_REPLY = "confirmed_by_reply", _("The caller confirmed the fix in a reply")
    CALLER_UNREACHABLE = "caller_unreachable", _("The caller could not be reached after several attempts")
    DUPLICATE = "duplicate", _("Duplicate of another incident, closed with it")
    WITHDRAWN = "withdrawn", _("The caller withdrew the call")


class Satisfaction(models.IntegerChoices):
    """The caller's rating of how the incident was handled, asked at closure."""

    VERY_DISSATISFIED = 1, _("1 · Very dissatisfied")
    DISSATISFIED = 2, _("2 · Dissatisfied")
    NEUTRAL = 3, _("3 · Neither")
    SATISFIED = 4, _("4 · Satisfied")
    VERY_SATISFIED = 5, _("5 · Very satisfied")


class ActivityKind(models.TextChoices):
    """What a journal entry records."""

    RECORDED = "recorded", _("Recorded")
    CALL_ADDED = "call_added", _("Call added")
    SUBORDINATE_RECORDED = "subordinate_recorded", _("Subordinate recorded")
    SUBORDINATE_ATTACHED = "subordinate_attached", _("Subordinate attached")
    ATTACHED_TO_MASTER = "attached_to_master", _("Attached to a master incident")
    PRIORITY_CHANGED = "priority_changed", _("Impact and priority changed")
    FIELD_CHANGED = "field_changed", _("Fields changed")
    STATE_CHANGED = "state_changed", _("State changed")
    ESCALATED = "escalated", _("Escalated")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSIGNED = "assigned", _("Assigned")
    NOTE = "note", _("Work note")
    CUSTOMER_UPDATE = "customer_update", _("Customer update")
    WORKAROUND = "workaround", _("Workaround provided")
    LINKED = "linked", _("Linked")
    REEVALUATION_REQUESTED = "reevaluation_requested", _("Re-evaluation requested")
    REEVALUATION_DECIDED = "reevaluation_decided", _("Re-evaluation decided")
    CONFIRMED = "confirmed", _("Confirmed by the caller")
    CALLER_REPLIED = "caller_replied", _("Answer from the caller")
    PEOPLE_CHANGED = "people_changed", _("People kept informed")
    NOTIFICATION = "notification", _("Notification")
    MAIL_BOUNCED = "mail_bounced", _("Mail bounced")

    @property
    def is_change(self) -> bool:
        """Entries that change the incident (the timeline's "changes" filter), as opposed to notes and mail."""
        return self not in {ActivityKind.NOTE, ActivityKind.CUSTOMER_UPDATE, ActivityKind.NOTIFICATION,
                            ActivityKind.CALL_ADDED, ActivityKind.CALLER_REPLIED,
                            ActivityKind.MAIL_BOUNCED}  # fmt: skip


class ReevaluationOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for the desk")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal work note")
    CUSTOMER = "customer", _("Visible to the caller")


class WebhookEvent(models.TextChoices):
    """What a webhook subscription may be told of (``incidents.webhooks.events`` says which journal entry is which)."""

    RECORDED = "incident.recorded", _("Incident recorded")
    ESCALATED = "incident.escalated", _("Incident escalated")
    ACKNOWLEDGED = "incident.acknowledged", _("Incident acknowledged")
    RESOLVED = "incident.resolved", _("Incident resolved")
    REOPENED = "incident.reopened", _("Incident reopened")
    CLOSED = "incident.closed", _("Incident closed")
    SLA_WARNING = "sla.warning", _("Service level: warning")
    SLA_BREACH = "sla.breach", _("Service level: breached")
    SERIOUS_DECLARED = "serious.declared", _("Serious incident declared")
    SERIOUS_NOTIFIED = "serious.notified", _("Serious incident: management notified")
