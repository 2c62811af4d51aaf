"""The incident history: written by the database's triggers, whoever or whatever changes an incident."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from incidents.choices import Impact, State, Urgency
from incidents.journal.history import incident_history
from incidents.lifecycle import classification, tasks
from incidents.models import Incident, IncidentHistory
from servicedesk.actor import acting_as
from tests.cmdb.factories import ConfigurationItemFactory
from tests.incidents.workflow import record, resolved

pytestmark = pytest.mark.django_db

HISTORY_MIGRATION = ("incidents", "0008_incident_history")
BEFORE_HISTORY = ("incidents", "0007_attachments_reevaluations_confirmation")
AUDIT_FUNCTIONS = ("incidents_incident_audit", "incidents_incident_cis_audit", "incidents_incidenthistory_append_only")


def history(incident: Incident) -> list[IncidentHistory]:
    return list(IncidentHistory.objects.filter(incident=incident).order_by("changed_at", "id"))


def test_recording_an_incident_leaves_an_insert_row_with_the_values_it_was_recorded_with(operator):
    incident = record(operator)

    (row,) = history(incident)
    assert row.operation == IncidentHistory.Operation.INSERT
    assert row.changes["state"] == [None, State.RECORDED]
    assert row.changes["number"] == [None, incident.number]
    assert row.changes["desk_owner_id"] == [None, operator.pk]
    assert "updated_at" not in row.changes
    assert "version" not in row.changes
    assert "search_vector" not in row.changes
    assert "assigned_group_id" not in row.changes  # empty at recording


def test_a_service_write_leaves_a_row_with_old_and_new_values_and_the_actor(operator, vpn):
    incident = record(operator)

    with acting_as(operator, "shell"):
        classification.incident_classify(
            by=operator, incident_id=incident.pk, category=vpn, impact=Impact.HIGH, urgency=Urgency.HIGH
        )

    row = history(incident)[-1]
    assert row.operation == IncidentHistory.Operation.UPDATE
    assert row.changes["state"] == [State.RECORDED, State.CLASSIFIED]
    assert row.changes["category_id"] == [None, vpn.pk]
    assert row.changes["impact"] == [Impact.LOW, Impact.HIGH]
    assert (row.actor, row.context) == (operator, "shell")
    assert set(row.changes) >= {"state", "category_id", "impact", "urgency", "priority", "serious"}
    assert not {"updated_at", "version", "search_vector"} & set(row.changes)


def test_a_queryset_update_without_any_service_still_leaves_a_row(operator):
    incident = record(operator)

    Incident.objects.filter(pk=incident.pk).update(state=State.CLOSED)

    row = history(incident)[-1]
    assert row.changes == {"state": [State.RECORDED, State.CLOSED]}
    assert (row.actor, row.context) == (None, "")


def test_raw_sql_leaves_a_row_too(operator):
    incident = record(operator)

    with connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_incident SET affected_users = 40 WHERE id = %s", [incident.pk])

    assert history(incident)[-1].changes == {"affected_users": [1, 40]}


def test_an_update_that_touches_only_bookkeeping_writes_nothing(operator):
    incident = record(operator)
    before = len(history(incident))

    incident.save()  # a save that changes nothing: only updated_at moves
    Incident.objects.filter(pk=incident.pk).update(version=incident.version + 1)

    assert len(history(incident)) == before


def test_configuration_items_linked_and_unlinked_are_recorded(operator):
    incident = record(operator)
    printer, server = ConfigurationItemFactory(), ConfigurationItemFactory()

    with acting_as(operator, "shell"):
        incident.cis.add(server, printer)
        incident.cis.remove(printer)

    added, removed = history(incident)[-2:]
    assert added.changes == {"cis": {"added": sorted([printer.pk, server.pk])}}
    assert removed.changes == {"cis": {"removed": [printer.pk]}}
    assert added.actor == removed.actor == operator


def test_a_request_records_its_user_and_route(client, operator, vpn):
    incident = record(operator)
    client.force_login(operator)
    url = reverse("incidents:step", args=[incident.number, "classify"])

    response = client.post(
        url, {"version": incident.version, "category": vpn.pk, "impact": Impact.MEDIUM, "urgency": Urgency.HIGH}
    )

    assert response.status_code == 302
    row = history(incident)[-1]
    assert row.changes["state"] == [State.RECORDED, State.CLASSIFIED]
    # The route, not the path: a caller's link would leave its signed token in the audit table.
    assert (row.actor, row.context) == (operator, "request POST /incidents/<str:number>/steps/<str:name>/")
    assert incident.number not in row.context


def test_the_request_is_not_blamed_for_later_writes_in_the_same_transaction(client, operator, vpn):
    incident = record(operator)
    client.force_login(operator)
    client.post(
        reverse("incidents:step", args=[incident.number, "classify"]),
        {"version": incident.version, "category": vpn.pk, "impact": Impact.MEDIUM, "urgency": Urgency.HIGH},
    )

    # The test's transaction is still open: the request's settings must not outlive the request.
    Incident.objects.filter(pk=incident.pk).update(affected_users=12)

    row = history(incident)[-1]
    assert row.changes == {"affected_users": [1, 12]}
    assert (row.actor, row.context) == (None, "")


def test_a_celery_task_is_recorded_as_the_task(operator, support_member, network, vpn, settings):
    settings.SERVICEDESK_AUTO_CLOSE_DAYS = 0
    incident = resolved(operator, vpn, network, support_member)

    tasks.incident_close_automatically.apply(args=[incident.pk])

    row = history(incident)[-1]
    assert row.changes["state"] == [State.RESOLVED, State.CLOSED]
    assert (row.actor, row.context) == (None, "task incidents.tasks.incident_close_automatically")


@pytest.mark.django_db(transaction=True)
def test_a_write_outside_a_transaction_is_recorded_with_its_actor(operator):
    incident = record(operator)
    assert connection.get_autocommit()  # as a script's write outside atomic() runs

    with acting_as(operator, "script"):
        Incident.objects.filter(pk=incident.pk).update(affected_users=5)

    row = history(incident)[-1]
    assert row.changes == {"affected_users": [1, 5]}
    assert (row.actor, row.context) == (operator, "script")


def test_the_reader_gives_labels_and_links(operator, vpn):
    incident = record(operator)
    ci = ConfigurationItemFactory()
    with acting_as(operator, "shell"):
        classification.incident_classify(
            by=operator, incident_id=incident.pk, category=vpn, impact=Impact.LOW, urgency=Urgency.MEDIUM
        )
        incident.cis.add(ci)

    recorded, classified, linked = incident_history(incident_id=incident.pk)

    assert recorded.operation == IncidentHistory.Operation.INSERT
    state = next(change for change in classified.changes if change.name == "state")
    category = next(change for change in classified.changes if change.name == "category_id")
    assert (state.label, state.old, state.new) == ("state", State.RECORDED, State.CLASSIFIED)
    assert (category.label, category.new) == ("category", vpn.pk)
    assert classified.actor == operator
    assert (linked.cis_added, linked.changes) == ([ci.pk], [])


def test_the_history_cannot_be_changed_from_the_application(operator):
    incident = record(operator)
    row = history(incident)[0]

    with pytest.raises(ValidationError):
        row.save()
    for attempt in (
        lambda: IncidentHistory.objects.filter(pk=row.pk).update(context="rewritten"),
        lambda: IncidentHistory.objects.filter(pk=row.pk).delete(),
        lambda: IncidentHistory.objects.bulk_create(
            [IncidentHistory(incident=incident, changed_at=row.changed_at, operation="update", changes={})]
        ),
    ):
        with pytest.raises(DatabaseError, match="written by the incident triggers only"), transaction.atomic():
            attempt()

    assert history(incident) == [row]
    assert IncidentHistory.objects.get(pk=row.pk).context == ""


def test_the_admin_shows_the_history_under_the_incident_and_as_a_list(client, administrator, operator):
    incident = record(operator)
    Incident.objects.filter(pk=incident.pk).update(affected_users=7)
    client.force_login(administrator)

    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    listing = client.get(reverse("admin:incidents_incidenthistory_changelist"))

    assert page.status_code == listing.status_code == 200
    assert "affected_users" in page.text
    assert incident.number in listing.text
    assert "Add incident history entry" not in listing.text


BEFORE_CLOSURE_TAXONOMY = ("incidents", "0017_incident_reopened_at")


@pytest.mark.django_db(transaction=True)
def test_the_migrations_reverse_cleanly_and_apply_again_keeping_the_desk_s_data(operator):
    """The history's migration goes back and forth, and the closure taxonomy's keeps the ratings the desk typed
    apart as given by phone. One trip for both: each migrates every app after 0008 again (about a minute)."""
    incident = record(operator)
    typed, confirmed = record(operator).pk, record(operator).pk
    try:
        call_command("migrate", *BEFORE_CLOSURE_TAXONOMY, verbosity=0)
        with connection.cursor() as cursor:  # the ratings as the release before the taxonomy wrote them
            cursor.execute("UPDATE incidents_incident SET satisfaction = 2 WHERE id = %s", [typed])
            cursor.execute(
                "UPDATE incidents_incident SET satisfaction = 5, confirmed_at = now() WHERE id = %s", [confirmed]
            )
        call_command("migrate", *BEFORE_HISTORY, verbosity=0)
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
            cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = ANY(%s)", [list(AUDIT_FUNCTIONS)])
            (functions,) = cursor.fetchone()
            # Without its triggers the incident table takes writes as before.
            cursor.execute("UPDATE incidents_incident SET affected_users = 2 WHERE id = %s", [incident.pk])
        assert "incidents_incidenthistory" not in tables
        assert functions == 0
    finally:
        call_command("migrate", verbosity=0)  # every app forward again, whatever came to depend on 0008

    assert HISTORY_MIGRATION in MigrationExecutor(connection).loader.applied_migrations
    Incident.objects.filter(pk=incident.pk).update(affected_users=3)
    assert history(incident) == [IncidentHistory.objects.get(changes={"affected_users": [2, 3]})]
    assert Incident.objects.filter(pk=typed).values_list("satisfaction", "satisfaction_by_phone").get() == (None, 2)
    assert Incident.objects.filter(pk=confirmed).values_list("satisfaction", "satisfaction_by_phone").get() == (5, None)
