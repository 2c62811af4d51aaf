"""Erasing a contact's personal data: their name, address and words gone from every table, the incidents and
their history kept, in one audited function that nothing else can imitate."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from cmdb.models import Contact
from incidents.callers.erasure import ERASED, contact_erase
from incidents.callers.people import contact_key
from incidents.callers.status import status_link_token
from incidents.callers.tasks import incidents_anonymise_due
from incidents.journal import notes
from incidents.lifecycle import people, resolution
from incidents.models import Attachment, Erasure, Incident, IncidentHistory
from tests.cmdb.factories import ContactFactory
from tests.incidents.inbound.messages import png, receive, reply_to
from tests.incidents.workflow import closed as workflow_closed
from tests.incidents.workflow import investigating, record

pytestmark = pytest.mark.django_db

TABLES = ["cmdb_contact", "incidents_activity", "incidents_outboxmessage", "incidents_inboundmail",
          "incidents_incidenthistory", "incidents_attachment", "incidents_incident"]  # fmt: skip


@pytest.fixture
def anna(operator, support_member, network, vpn, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    anna = ContactFactory(first_name="Annabel", last_name="Kellerman", email="annabel.k@example.org",
                          phone="+31 20 555 0101")  # fmt: skip
    incident = investigating(operator, vpn, network, caller=anna, short_description="Printer jams on floor 3")
    notes.incident_send_update(by=support_member, incident_id=incident.pk, text="A technician comes at two.")
    notes.incident_add_note(by=support_member, incident_id=incident.pk, text="Annabel Kellerman was called back.")
    receive(reply_to(incident, body="I will be there, my desk is 3.14.", files=[("jam.png", "image/png", png())]))
    notes.incident_add_note(by=support_member, incident_id=incident.pk, text="Wrote to ANNABEL.K@EXAMPLE.ORG.")
    resolution.incident_resolve(by=support_member, incident_id=incident.pk, resolution_code="permanent_fix",
                                resolution_notes="Fuser replaced.")  # fmt: skip
    incident.refresh_from_db()
    comment = "Quick, but my manager Dirk was upset."
    resolution.incident_confirm(incident_id=incident.pk, resolved_at=incident.resolved_at, satisfaction=4,
                                comment=comment, person="Annabel Kellerman")  # fmt: skip
    other = record(operator, short_description="Mail is down for everyone")
    people.incident_keep_informed(by=operator, incident_id=other.pk, contact=anna)
    return anna, incident, other


def traces(*words: str) -> dict[str, int]:
    """How many rows of each table still hold any of ``words`` (every column, as text)."""
    found = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            conditions = " OR ".join("t::text ILIKE %s" for _ in words)
            query = f"SELECT count(*) FROM {table} AS t WHERE {conditions}"  # noqa: S608 (the tables above)
            cursor.execute(query, [f"%{word}%" for word in words])
            found[table] = cursor.fetchone()[0]
    return {table: count for table, count in found.items() if count}


def leaks(*words: str) -> list[str]:
    rows = []
    with connection.cursor() as cursor:
        for table in TABLES:
            conditions = " OR ".join("t::text ILIKE %s" for _ in words)
            query = f"SELECT t::text FROM {table} AS t WHERE {conditions}"  # noqa: S608 (the tables above)
            cursor.execute(query, [f"%{word}%" for word in words])
            rows += [row[0][:400] for row in cursor.fetchall()]
    return rows


def test_erasing_leaves_no_trace_of_the_person_and_keeps_the_incidents(
    admin_user, anna, django_capture_on_commit_callbacks
):
    contact, incident, _other = anna
    words = ("Annabel", "Kellerman", "annabel.k@example.org", "555 0101", "desk is 3.14", "manager Dirk")
    assert traces(*words)  # they are everywhere before
    stored = Path(Attachment.objects.get(name="jam.png").file.path)
    incidents_before = Incident.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        erasure = contact_erase(by=admin_user, contact_id=contact.pk, reason="Request by mail of 6 Dec 2026")

    assert traces(*words) == {}, leaks(*words)
    assert not stored.exists()
    assert erasure.counts["files"] == 1 and erasure.counts["their_words"] >= 2
    contact.refresh_from_db()
    assert (contact.full_name, contact.email, contact.active) == (f"Erased contact {contact.pk}", "", False)
    incident.refresh_from_db()
    assert (incident.number, incident.state, incident.satisfaction) == (incident.number, "resolved", 4)
    assert Incident.objects.count() == incidents_before
    erased_rows = IncidentHistory.objects.filter(incident=incident, context=f"erasure of contact {contact.pk}")
    assert erased_rows.exists()  # the erasure is in the history, without what it erased
    assert all(value == [ERASED, ERASED] for row in erased_rows for value in row.changes.values())
    assert incident.journal.filter(text=ERASED).exists()


def test_the_history_stays_append_only_outside_an_erasure(anna):
    _contact, incident, _other = anna
    row = IncidentHistory.objects.filter(incident=incident).first()

    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        IncidentHistory.objects.filter(pk=row.pk).update(context="rewritten")
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('servicedesk.erasing', 'on', true)")
        IncidentHistory.objects.filter(pk=row.pk).update(changed_at=row.changed_at.replace(year=2020))


def test_only_an_administrator_erases_with_a_reason_and_once(admin_user, operator, anna):
    contact, _incident, _other = anna

    with pytest.raises(PermissionDenied):
        contact_erase(by=operator, contact_id=contact.pk, reason="Asked")
    with pytest.raises(ValidationError, match="Say why"):
        contact_erase(by=admin_user, contact_id=contact.pk, reason=" ")
    assert Contact.objects.get(pk=contact.pk).email == "annabel.k@example.org"

    contact_erase(by=admin_user, contact_id=contact.pk, reason="Asked")
    with pytest.raises(ValidationError, match="erased already"):
        contact_erase(by=admin_user, contact_id=contact.pk, reason="Asked again")
    assert Erasure.objects.count() == 1


def test_the_administrator_erases_from_the_contact_page_after_confirming(admin_client, client, operator, anna):
    contact, _incident, _other = anna
    url = reverse("incidents:contact_erase", args=[contact.pk])
    assert url in admin_client.get(reverse("cmdb:contact_detail", args=[contact.pk])).text

    refused = admin_client.post(url, {"reason": "Request by mail of 6 Dec 2026"})
    assert refused.status_code == 400 and "Tick the box" in refused.text
    assert Contact.objects.get(pk=contact.pk).email == "annabel.k@example.org"

    done = admin_client.post(url, {"reason": "Request by mail of 6 Dec 2026", "understood": "on"}, follow=True)
    assert "The contact&#x27;s personal data has been erased." in done.text
    assert f"Erased contact {contact.pk}" in done.text
    assert "Request by mail of 6 Dec 2026" in admin_client.get(url).text  # the record, and no second form

    client.force_login(operator)
    assert client.get(url).status_code == 403
    assert url not in client.get(reverse("cmdb:contact_detail", args=[contact.pk])).text


def test_retention_anonymises_the_people_of_old_closed_incidents_only(operator, anna, settings, support_member):
    contact, incident, other = anna
    workflow_closed(operator, incident)
    settings.CALLER_RETENTION_MONTHS = 0
    assert incidents_anonymise_due() == 0  # off by default

    settings.CALLER_RETENTION_MONTHS = 12
    assert incidents_anonymise_due() == 0  # closed today: kept
    with time_machine.travel(timezone.now() + datetime.timedelta(days=370)):
        assert incidents_anonymise_due() == 1
        assert incidents_anonymise_due() == 0  # once

    incident.refresh_from_db()
    assert incident.caller.full_name == "Anonymised caller" and incident.anonymised_at is not None
    assert not incident.journal.filter(text__icontains="Annabel").exists()
    assert not incident.journal.filter(text__contains="desk is 3.14").exists()
    assert incident.satisfaction == 4 and incident.number  # the record and its figures stay
    # The contact is still a contact (an employee), and the open incident they are kept informed of is theirs.
    contact.refresh_from_db()
    assert contact.email == "annabel.k@example.org"
    assert other.people.filter(contact=contact).exists()


def test_an_erased_persons_links_stop_working(client, admin_user, anna):
    contact, incident, _other = anna
    link = reverse("incidents:status_page", args=[status_link_token(incident, contact_key(contact.pk))])
    assert client.get(link).status_code == 200

    contact_erase(by=admin_user, contact_id=contact.pk, reason="Asked")

    assert client.get(link).status_code == 410
    assert client.post(link, {"text": "Still here?"}).status_code == 410


def test_an_erasure_reaches_where_the_desk_kept_the_person_informed_by_their_address(admin_user, operator, anna):
    contact, _incident, _other = anna
    elsewhere = record(operator, short_description="Badge reader at the door")
    people.incident_keep_informed(
        by=operator, incident_id=elsewhere.pk, email="ANNABEL.K@example.org", name="Annabel K."
    )

    contact_erase(by=admin_user, contact_id=contact.pk, reason="Asked")

    assert not elsewhere.people.exists()  # no more mail to her from this incident
    assert not elsewhere.journal.filter(text__icontains="Annabel").exists()
