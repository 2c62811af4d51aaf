"""What the desk does with an alert in its intake: record it as an incident (the call-logging form filled in from
it) or dismiss it with a reason, kept for history; and the intake page's alert tabs (decision record 0029)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.models import Contact
from incidents.choices import ActivityKind, Channel, Impact, Urgency
from incidents.core.values import person_name, when
from incidents.core.writes import journal_write
from incidents.models import Alert, AlertDismissal, AlertState, Incident
from incidents.recording import calls
from servicedesk.tabs import Tab

RECENT = datetime.timedelta(days=30)
MAX_SYMPTOMS = 10_000
# What a severity proposes for the call-logging form; the operator decides. Others: the form's own defaults.
LEVELS = {
    "critical": (Impact.MEDIUM, Urgency.HIGH),
    "error": (Impact.LOW, Urgency.HIGH),
    "warning": (Impact.LOW, Urgency.MEDIUM),
    "info": (Impact.LOW, Urgency.LOW),
}
DEFAULT_LEVELS = (Impact.LOW, Urgency.MEDIUM)

# The intake page's alert tabs: what waits, the last fired first; what the desk decided in the last 30 days.
ALERT_TABS = (
    Tab("alerts", gettext_lazy("Alerts"), gettext_lazy("No alert waits for the desk."),
        lambda user, now: Q(state=AlertState.INTAKE)),
    Tab("alerts-decided", gettext_lazy("Alerts decided"), gettext_lazy("No alert was decided in the last 30 days."),
        lambda user, now: Q(state__in=(AlertState.RECORDED, AlertState.DISMISSED), decided_at__gte=now - RECENT)),
)  # fmt: skip


def alert_counts(now: datetime.datetime) -> dict[str, int]:
    """How many alerts each tab holds (one query)."""
    return Alert.objects.aggregate(**{tab.name: Count("pk", filter=tab.condition(None, now)) for tab in ALERT_TABS})


def alerts_of(tab: Tab, now: datetime.datetime) -> QuerySet[Alert]:
    """The alerts of one tab, without their payloads."""
    order = ("-last_fired_at", "-pk") if tab.name == "alerts" else ("-decided_at", "-pk")
    return (
        Alert.objects.filter(tab.condition(None, now))
        .defer("payload", "labels", "description")
        .select_related("ci", "incident", "decided_by")
        .order_by(*order)
    )


def alert_caller() -> Contact | None:
    """The caller of incidents recorded from alerts: the active contact whose address is ``ALERTS_CALLER``."""
    address = settings.ALERTS_CALLER
    if not address:
        return None
    return Contact.objects.filter(email__iexact=address, active=True).select_related("workplace").first()


# --- recording --------------------------------------------------------------------------------------------


def record_initial(alert: Alert) -> dict[str, Any]:
    """The call-logging form as the alert fills it in: by monitoring, when it first fired, its CI, its words,
    the levels its severity proposes, and the caller for alerts when one is set."""
    caller = alert_caller()
    impact, urgency = LEVELS.get(alert.severity, DEFAULT_LEVELS)
    return {
        "alert": alert.pk,
        "caller": caller.full_name if caller else "",
        "caller_id": caller.pk if caller else "",
        "short_description": alert.title[:200],
        "symptoms": symptoms_of(alert),
        "channel": Channel.MONITORING,
        "occurred_at": timezone.localtime(_started(alert)).replace(second=0, microsecond=0),
        "cis": alert.ci.name if alert.ci else "",
        "impact": impact,
        "urgency": urgency,
    }


def record_fields(alert: Alert, caller: Contact) -> dict[str, Any]:
    """What ``alert_record`` takes when nobody fills in the form (the automatic rule)."""
    impact, urgency = LEVELS.get(alert.severity, DEFAULT_LEVELS)
    return {
        "caller": caller,
        "short_description": alert.title[:200],
        "symptoms": symptoms_of(alert),
        "occurred_at": _started(alert),
        "cis": [alert.ci] if alert.ci else [],
        "impact": impact,
        "urgency": urgency,
    }


def _started(alert: Alert) -> datetime.datetime:
    """When it first fired, never ahead of the desk's clock (a monitoring server's clock may run ahead)."""
    return min(alert.first_fired_at, timezone.now())


def symptoms_of(alert: Alert) -> str:
    """What monitoring said: the description, then the facts an engineer looks for, and where to see it."""
    facts = [
        _("Alert: %(title)s") % {"title": alert.title},
        _("Configuration item: %(name)s") % {"name": alert.ci_name or "—"},
        _("Severity: %(severity)s") % {"severity": alert.severity or "—"},
        _("Fired %(count)s times, first %(first)s, last %(last)s.")
        % {"count": alert.firings, "first": when(alert.first_fired_at), "last": when(alert.last_fired_at)},
        *(f"{name}={value}" for name, value in sorted(alert.labels.items())),
        *([_("In monitoring: %(link)s") % {"link": alert.link}] if alert.link else []),
    ]
    return "\n\n".join(filter(None, [alert.description.strip(), "\n".join(facts)]))[:MAX_SYMPTOMS]


@transaction.atomic
def alert_record(*, by: AbstractBaseUser, alert_id: int, automatically: bool = False, **fields: Any) -> Incident:
    """Record the alert as a new incident (``fields`` as for ``incident_record``; reported when the alert reached
    the desk, by monitoring unless the desk says otherwise) and link it to the incident, whose later firings and
    resolution go into its journal. ``automatically``: by the rule, which a work note says. Raises
    ``PermissionDenied`` for anyone but the desk, ``ValidationError`` when the alert was decided already or the
    incident cannot be recorded (nothing is written then)."""
    calls.ensure_may_record(by)
    alert = _lock_waiting(alert_id)
    fields.setdefault("channel", Channel.MONITORING)
    incident = calls.incident_record(by=by, reported_at=min(alert.received_at, timezone.now()), **fields)
    if automatically:
        text = _("Recorded automatically from the monitoring alert “%(title)s” of severity %(severity)s "
                 "(ALERTS_AUTO_RECORD).") % {"title": alert.title, "severity": alert.severity}  # fmt: skip
        journal_write(
            incident, by=None, kind=ActivityKind.NOTE, text=text, data={"via": "monitoring", "alert": alert.pk}
        )
    _decided(alert, by=by, state=AlertState.RECORDED, incident=incident)
    return incident


@transaction.atomic
def alert_dismiss(*, by: AbstractBaseUser, alert_id: int, dismissal: str, note: str = "") -> Alert:
    """Not an incident: cleared by itself, planned work, already in an open incident, noise, or another reason
    written out. Kept with the reason and who decided; a later firing is a new alert for the desk. Raises
    ``PermissionDenied`` for anyone but the desk, ``ValidationError`` without a reason or when decided already."""
    calls.ensure_may_record(by)
    alert = _lock_waiting(alert_id)
    note = note.strip()
    if dismissal not in AlertDismissal.values:
        raise ValidationError({"dismissal": [_("Choose why this alert is not an incident.")]})
    if dismissal == AlertDismissal.OTHER and not note:
        raise ValidationError({"note": [_("Say why this alert is not an incident.")]})
    alert.dismissal = dismissal
    _decided(alert, by=by, state=AlertState.DISMISSED, reason=note or str(AlertDismissal(dismissal).label))
    return alert


def decided_message(alert: Alert) -> str:
    """What became of an alert that no longer waits, in one sentence."""
    who = person_name(alert.decided_by) if alert.decided_by else _("the service desk")
    values = {"who": who, "when": when(alert.decided_at), "number": alert.incident.number if alert.incident else ""}
    if alert.state == AlertState.RECORDED:
        return _("%(who)s recorded this alert as %(number)s on %(when)s.") % values
    return _("%(who)s decided on %(when)s that this alert is not an incident.") % values


def _lock_waiting(alert_id: int) -> Alert:
    alert = Alert.objects.select_for_update(of=("self",)).select_related("decided_by", "incident").get(pk=alert_id)
    if alert.state != AlertState.INTAKE:
        raise ValidationError(decided_message(alert), code="decided")
    return alert


def _decided(
    alert: Alert, *, by: AbstractBaseUser, state: str, incident: Incident | None = None, reason: str = ""
) -> None:
    alert.state, alert.incident = state, incident
    alert.decided_by, alert.decided_at = by, timezone.now()
    alert.reason = reason
    alert.save(update_fields=["state", "incident", "decided_by", "decided_at", "reason", "dismissal"])
