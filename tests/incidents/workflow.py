"""Incidents brought to a state the way the desk and the groups do it: through the services.

Tests about pages or later steps start from ``record``, ``classified``, ``investigating`` or ``resolved``;
the support groups and categories they need are fixtures in ``tests/incidents/conftest.py``.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from incidents.choices import ClosureReason, Impact, ResolutionCode, Urgency
from incidents.lifecycle import classification, closure, escalation, notices, resolution
from incidents.models import Incident
from incidents.recording import calls
from tests.cmdb.factories import ContactFactory
from tests.incidents.factories import RootCauseFactory


def record(by, **overrides) -> Incident:
    values = {
        "by": by,
        "caller": ContactFactory(),
        "short_description": "VPN does not connect",
        "symptoms": "Authentication failed since this morning.",
        "occurred_at": timezone.now() - datetime.timedelta(minutes=20),
        "impact": Impact.LOW,
        "urgency": Urgency.MEDIUM,
    }
    return calls.incident_record(**{**values, **overrides})


def classified(operator, category, **overrides) -> Incident:
    incident = record(operator, **overrides)
    return classification.incident_classify(
        by=operator, incident_id=incident.pk, category=category, impact=incident.impact, urgency=incident.urgency
    )


def investigating(operator, category, group, **overrides) -> Incident:
    incident = classified(operator, category, **overrides)
    return escalation.incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Needs the network.")


def resolved(operator, category, group, member, **overrides) -> Incident:
    incident = investigating(operator, category, group, **overrides)
    resolution.incident_resolve(
        by=member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="The RADIUS certificate was renewed; please try again.",
    )  # fmt: skip
    incident.refresh_from_db()
    return incident


def closed(operator, incident: Incident, **overrides) -> Incident:
    """Close a resolved incident as the desk does right after the caller confirmed by phone."""
    values = {
        "by": operator,
        "incident_id": incident.pk,
        "root_cause": RootCauseFactory(),
        "reason": ClosureReason.CONFIRMED_BY_PHONE,
    }
    return closure.incident_close(**{**values, **overrides})


def send_serious_notices(operator, incident: Incident) -> None:
    """Both notices of a serious incident, as the desk sends them from its panel."""
    notices.incident_notify_management(by=operator, incident_id=incident.pk)
    subject, body = notices.prepared_user_message(incident)
    notices.incident_inform_users(by=operator, incident_id=incident.pk, subject=subject, body=body)
