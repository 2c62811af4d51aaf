"""The serious-incident gate holds on every path: while a serious incident's notices are pending, every write
but those the gate lists (``incidents.core.gate``) is refused with the gate's sentence and changes nothing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import incidents
from incidents.callers.links import Answer, CallerLink
from incidents.callers.people import people_of
from incidents.choices import Impact, ResolutionCode, Urgency
from incidents.core.gate import WHILE_NOTICES_PENDING
from incidents.inbound import alert_desk, alerts, intake, replies
from incidents.inbound.alert_payloads import Report
from incidents.journal import notes
from incidents.lifecycle import (
    classification,
    escalation,
    holds,
    notices,
    people,
    reevaluation,
    resolution,
)
from incidents.models import Activity, Incident, IncidentPerson, OutboxMessage
from incidents.recording import calls, details
from tests.cmdb.factories import ContactFactory
from tests.incidents.inbound.messages import message, receive
from tests.incidents.workflow import classified, closed, investigating, record, resolved
from tests.knowledge.factories import KnownErrorFactory


@dataclass
class World:
    operator: Any
    support_member: Any
    network: Any
    third_line: Any
    vpn: Any


def gated(incident: Incident) -> Incident:
    """Make the incident serious with both notices pending, as a call raising it to the top priority does."""
    calls.incident_add_call(
        by=World.current.operator,
        incident_id=incident.pk,
        caller=ContactFactory(),
        symptoms="Everyone in the building is affected.",
        impact=Impact.HIGH,
        urgency=Urgency.HIGH,
    )
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.serious and incident.serious_notices_pending
    return incident


def gated_resolved(world: World) -> Incident:
    incident = resolved(world.operator, world.vpn, world.network, world.support_member)
    # Unreachable through the services (the gate holds the resolution): rows from before the gate existed.
    Incident.objects.filter(pk=incident.pk).update(serious=True)
    return Incident.objects.get(pk=incident.pk)


def gated_investigating(world: World) -> Incident:
    return gated(investigating(world.operator, world.vpn, world.network))


def gated_recorded(world: World) -> Incident:
    # The desk ticks "serious" (below P1, saying why): the notices are due at once.
    incident = record(world.operator, serious=True, serious_reason="Payroll is due tomorrow.")
    return Incident.objects.get(pk=incident.pk)


def gated_classified(world: World) -> Incident:
    return gated(classified(world.operator, world.vpn))


# Every public write, with the incident it is tried on and how it is called. The gate's own list says which
# must go through; every other one must be refused.
Write = Callable[[World, Incident], Any]
WRITES: dict[str, tuple[str, Callable[[World], Incident], Write]] = {
    "incident_classify": ("classify", gated_recorded, lambda w, i: classification.incident_classify(
        by=w.operator, incident_id=i.pk, category=w.vpn, impact=Impact.HIGH, urgency=Urgency.HIGH)),
    "incident_escalate": ("escalate", gated_investigating, lambda w, i: escalation.incident_escalate(
        by=w.operator, incident_id=i.pk, group=w.third_line, reason="Needs engineering.")),
    "incident_acknowledge": ("acknowledge", gated_investigating, lambda w, i: escalation.incident_acknowledge(
        by=w.support_member, incident_id=i.pk)),
    "incident_assign": ("assign", gated_investigating, lambda w, i: escalation.incident_assign(
        by=w.support_member, incident_id=i.pk, assignee=w.support_member)),
    "incident_take_back": ("take_back", gated_investigating, lambda w, i: escalation.incident_take_back(
        by=w.operator, incident_id=i.pk, reason="Wrong group.")),
    "incident_resolve_at_first_line": ("resolve_at_first_line", gated_classified,
        lambda w, i: resolution.incident_resolve_at_first_line(
            by=w.operator, incident_id=i.pk, resolution_code=ResolutionCode.WORKAROUND, resolution_notes="Fixed.")),
    "incident_resolve": ("resolve", gated_investigating, lambda w, i: resolution.incident_resolve(
        by=w.support_member, incident_id=i.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Fixed.")),
    "incident_reopen": ("reopen", gated_resolved, lambda w, i: resolution.incident_reopen(
        by=w.operator, incident_id=i.pk, reason="Still broken.")),
    "incident_confirm": ("confirm", gated_resolved, lambda w, i: resolution.incident_confirm(
        incident_id=i.pk, resolved_at=i.resolved_at, satisfaction=5)),
    "incident_close": ("close", gated_resolved, lambda w, i: closed(w.operator, i, root_cause_category=w.vpn)),
    "incident_await_caller": ("await_caller", gated_investigating, lambda w, i: holds.incident_await_caller(
        by=w.operator, incident_id=i.pk, reason="Which office are you in?")),
    "incident_resume": ("resume", gated_investigating, lambda w, i: holds.incident_resume(
        by=w.operator, incident_id=i.pk)),
    "incident_caller_reply": ("caller_reply", gated_investigating, lambda w, i: holds.incident_caller_reply(
        link=CallerLink(i.pk, timezone.now(), Answer.REPLY), text="I am in Rotterdam.")),
    "reevaluation_request": ("request_reevaluation", gated_investigating, lambda w, i: (
        reevaluation.reevaluation_request(by=w.support_member, incident_id=i.pk, impact=Impact.LOW,
                                          urgency=Urgency.LOW, reason="Only one floor."))),
    "reevaluation_decide": ("decide_reevaluation", gated_investigating, lambda w, i: reevaluation.reevaluation_decide(
        by=w.operator, reevaluation_id=i.reevaluations.create(
            requested_by=w.support_member, reason="Only one floor.", proposed_impact=Impact.LOW,
            proposed_urgency=Urgency.LOW).pk, accept=True)),
    "incident_update": ("update_details", gated_investigating, lambda w, i: details.incident_update(
        by=w.operator, incident_id=i.pk, expected_version=i.version, short_description="VPN is down for all",
        symptoms=i.symptoms, channel=i.channel, service=None, location=None, affected_users=30, cis=[])),
    "incident_link": ("link", gated_investigating, lambda w, i: details.incident_link(
        by=w.operator, incident_id=i.pk, target=_known_error())),
    "incident_send_update": ("send_update", gated_investigating, lambda w, i: notes.incident_send_update(
        by=w.operator, incident_id=i.pk, text="We are on it.")),
    "incident_provide_workaround": ("provide_workaround", gated_investigating,
        lambda w, i: notes.incident_provide_workaround(by=w.operator, incident_id=i.pk, workaround="Use web mail.")),
    "incident_add_note": ("add_note", gated_investigating, lambda w, i: notes.incident_add_note(
        by=w.operator, incident_id=i.pk, text="Called the provider.")),
    "incident_notify_management": ("notify_management", gated_investigating,
        lambda w, i: notices.incident_notify_management(by=w.operator, incident_id=i.pk)),
    "incident_inform_users": ("inform_users", gated_investigating, lambda w, i: notices.incident_inform_users(
        by=w.operator, incident_id=i.pk, subject="VPN down", body="We are on it.")),
    "incident_add_call": ("add_call", gated_investigating, lambda w, i: calls.incident_add_call(
        by=w.operator, incident_id=i.pk, caller=ContactFactory(), symptoms="Me too.")),
    "incident_record": ("record_subordinate", gated_investigating, lambda w, i: record(w.operator, parent=i)),
    "incidents_attach": ("attach_to_master", gated_investigating, lambda w, i: calls.incidents_attach(
        by=w.operator, master_id=i.pk, incident_ids=[record(w.operator).pk])),
    "incident_accept_impact": ("accept_impact", gated_investigating, lambda w, i: calls.incident_accept_impact(
        by=w.operator, incident_id=i.pk, impact=Impact.HIGH)),
    "incident_keep_informed": ("keep_informed", gated_investigating, lambda w, i: people.incident_keep_informed(
        by=w.operator, incident_id=i.pk, email="facilities@example.org", name="Facilities")),
    "incident_stop_informing": ("keep_informed", gated_investigating, lambda w, i: people.incident_stop_informing(
        by=w.operator, incident_id=i.pk, person_id=IncidentPerson.objects.create(
            incident=i, email="facilities@example.org", reason="kept_informed").pk)),
    "incident_reply": ("caller_reply", gated_investigating, lambda w, i: replies.incident_reply(
        incident_id=i.pk, person=people_of(i)[0], text="Also on the second floor.", via="mail")),
    "intake_add_call": ("add_call", gated_investigating, lambda w, i: intake.intake_add_call(
        by=w.operator, mail_id=_intake_mail().pk, incident_id=i.pk, caller=ContactFactory())),
    "alert_record": ("record_subordinate", gated_investigating, lambda w, i: alert_desk.alert_record(
        by=w.operator, alert_id=_waiting_alert(w).pk, caller=ContactFactory(), short_description="Disk full",
        occurred_at=timezone.now(), impact=Impact.LOW, urgency=Urgency.LOW, parent=i)),
    "intake_record": ("record_subordinate", gated_investigating, lambda w, i: intake.intake_record(
        by=w.operator, mail_id=_intake_mail().pk, caller=ContactFactory(), short_description="Me too",
        occurred_at=timezone.now(), impact=Impact.LOW, urgency=Urgency.LOW, parent=i)),
}  # fmt: skip
# Writes the gate does not concern: the system's own work, and records that are not incidents.
NOT_ABOUT_ONE_INCIDENT = {
    "incident_close_automatically",
    "outbox_resend",
    "saved_filter_create",
    "saved_filter_delete",
    "intake_dismiss",
    # Alerts wait in the intake: received and dismissed there; one recorded is a new incident (above).
    "alerts_receive",
    "alert_dismiss",
    # A person's data, on every incident they are in; and retention, on closed incidents only.
    "contact_erase",
    "incident_anonymise",
    "erasing",  # a context manager, wrapped like a service
}
# Rooms whose modules hold the services.
SERVICE_ROOMS = ("callers", "core", "inbound", "journal", "lifecycle", "mail", "recording", "reporting",
                 "servicelevels", "worklists")  # fmt: skip


def _known_error():
    return KnownErrorFactory()


def _waiting_alert(world):
    report = Report(source="generic", status="firing", fingerprint="disk-full", title="Disk full")
    return alerts.alerts_receive(by=world.operator, reports=[report])[0].alert


def _intake_mail():
    return receive(message(subject="Me too"))


@pytest.fixture
def world(operator, support_member, network, third_line, vpn):
    World.current = World(operator, support_member, network, third_line, vpn)
    return World.current


def public_writes() -> set[str]:
    """Every service of the incidents app: a function of a service room wrapped in ``transaction.atomic``."""
    found = set()
    for room in SERVICE_ROOMS:
        package = importlib.import_module(f"incidents.{room}")
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ == module.__name__ and hasattr(function, "__wrapped__"):
                    found.add(name)
    return found


def test_every_public_write_is_tried_against_the_gate():
    assert incidents  # the package the writes are looked for in
    assert public_writes() - NOT_ABOUT_ONE_INCIDENT == set(WRITES)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_on_a_serious_incident_with_notices_pending_is_refused_unless_the_gate_lists_it(world, name):
    action, prepare, write = WRITES[name]
    incident = prepare(world)
    before = (incident.version, Activity.objects.count(), OutboxMessage.objects.count())

    if action in WHILE_NOTICES_PENDING:
        try:
            write(world, incident)
        except ValidationError as error:  # the write's own checks may refuse it, never the gate
            assert error.code != "notices_sent" and "notices_sent" not in str(error.error_dict if hasattr(
                error, "error_dict") else error.messages)  # fmt: skip
        return

    with pytest.raises(ValidationError) as refused:
        write(world, incident)
    assert refused.value.code == "notices_sent"
    assert "notify management and inform the affected users first" in refused.value.messages[0]
    incident.refresh_from_db()
    assert (incident.version, Activity.objects.count(), OutboxMessage.objects.count()) == before


def test_the_incident_page_offers_only_what_the_gate_lets_through(client, world):
    incident = gated_investigating(world)
    client.force_login(world.operator)

    page = client.get(reverse("incidents:incident_detail", args=[incident.number])).content.decode()

    assert "Notify management" in page
    assert reverse("incidents:sla_await_caller", args=[incident.number]) not in page  # no "wait on the caller"
    assert reverse("incidents:edit", args=[incident.number]) not in page
    assert 'value="customer_update"' not in page  # work notes only
    assert reverse("incidents:workaround", args=[incident.number]) not in page
    assert reverse("incidents:journal_add", args=[incident.number]) in page
