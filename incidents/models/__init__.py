"""Incidents and their journal (``Activity``, append-only). The state moves only through the lifecycle: the
transitions change the incident's fields, ``incidents.lifecycle`` locks, checks, saves and journals around
them (decision record 0002). The permission rules read ``incident.assigned_group.members.all()``, so a page
that prefetches ``assigned_group__members`` asks them without queries.

Every model of the app is imported here, where Django and the rest of the code look for them."""

from incidents.models.alerts import Alert, AlertDismissal, AlertSource, AlertState
from incidents.models.assignment import AssignmentRule
from incidents.models.canned import CannedReply, CannedReplyRevision
from incidents.models.classification import PriorityRule, Reevaluation
from incidents.models.closure import RootCause
from incidents.models.figures import CategoryDayFigures, CIDayFigures, DayFigures, ServiceDayFigures
from incidents.models.history import IncidentHistory
from incidents.models.inbound import Dismissal, InboundMail, InboundSource, InboundState
from incidents.models.incident import (
    INCIDENT_NUMBER_SEQUENCE,
    OPEN,
    SLA_FIELDS,
    Incident,
    NextIncidentNumber,
)
from incidents.models.journal import Activity, Attachment, attachment_path
from incidents.models.meaning import IncidentMeaning
from incidents.models.outbox import OutboxMessage, OutboxState, StaffNotification
from incidents.models.people import Erasure, IncidentPerson, PersonReason
from incidents.models.rules import (
    is_group_member,
    may_assign,
    may_classify,
    may_close,
    may_escalate,
    may_handle,
    may_reopen,
    may_resolve_at_first_line,
    may_work,
    nobody,
    notices_sent,
    with_the_desk,
)
from incidents.models.saved_filters import SavedFilter
from incidents.models.service_levels import (
    BusinessCalendar,
    ClockEvent,
    ClockEventKind,
    GroupAgreement,
    Handoff,
    Holiday,
    ServiceLevel,
    ServiceLevelCoverage,
    ServiceLevelTarget,
    Weekday,
    WorkingPeriod,
)
from incidents.models.templates import IncidentTemplate, IncidentTemplateRevision
from incidents.models.webhooks import (
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookSubscription,
    address_allowed,
    validate_webhook_url,
)

__all__ = [
    "INCIDENT_NUMBER_SEQUENCE",
    "OPEN",
    "SLA_FIELDS",
    "Activity",
    "Alert",
    "AlertDismissal",
    "AlertSource",
    "AlertState",
    "AssignmentRule",
    "Attachment",
    "BusinessCalendar",
    "CIDayFigures",
    "CannedReply",
    "CannedReplyRevision",
    "CategoryDayFigures",
    "ClockEvent",
    "ClockEventKind",
    "DayFigures",
    "Dismissal",
    "Erasure",
    "GroupAgreement",
    "Handoff",
    "Holiday",
    "InboundMail",
    "InboundSource",
    "InboundState",
    "Incident",
    "IncidentHistory",
    "IncidentMeaning",
    "IncidentPerson",
    "IncidentTemplate",
    "IncidentTemplateRevision",
    "NextIncidentNumber",
    "OutboxMessage",
    "OutboxState",
    "PersonReason",
    "PriorityRule",
    "Reevaluation",
    "RootCause",
    "SavedFilter",
    "ServiceDayFigures",
    "ServiceLevel",
    "ServiceLevelCoverage",
    "ServiceLevelTarget",
    "StaffNotification",
    "WebhookDelivery",
    "WebhookDeliveryState",
    "WebhookSubscription",
    "Weekday",
    "WorkingPeriod",
    "address_allowed",
    "attachment_path",
    "is_group_member",
    "may_assign",
    "may_classify",
    "may_close",
    "may_escalate",
    "may_handle",
    "may_reopen",
    "may_resolve_at_first_line",
    "may_work",
    "nobody",
    "notices_sent",
    "validate_webhook_url",
    "with_the_desk",
]
