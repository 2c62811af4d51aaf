"""An administrator exports everything held about a contact: their incidents, what was written to them and by
them, the files and the mails they sent, and nothing about anyone else."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from incidents.journal import notes
from incidents.lifecycle import people
from tests.cmdb.factories import ContactFactory
from tests.incidents.inbound.messages import message, png, receive, reply_to
from tests.incidents.workflow import investigating, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(operator, support_member, network, vpn, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    anna = ContactFactory(first_name="Anna", last_name="Keller", email="anna.keller@example.org")
    incident = investigating(operator, vpn, network, caller=anna, short_description="Printer jams on floor 3")
    notes.incident_send_update(by=support_member, incident_id=incident.pk, text="A technician comes at two.")
    notes.incident_add_note(by=support_member, incident_id=incident.pk, text="Internal: the fuser is worn.")
    receive(reply_to(incident, body="Thank you, I will be there.", files=[("jam.png", "image/png", png())]))
    other = record(operator, short_description="Mail is down for everyone")
    people.incident_keep_informed(by=operator, incident_id=other.pk, contact=anna)
    stranger = ContactFactory(first_name="Bert", email="bert@example.org")
    record(operator, caller=stranger, short_description="Bert's own trouble")
    receive(message(sender="Bert <bert@example.org>", subject="Something else"))
    return anna, incident, other


def export(client, contact) -> zipfile.ZipFile:
    response = client.post(reverse("incidents:contact_export", args=[contact.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="personal-data-contact-{contact.pk}-')
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_export_holds_what_is_known_about_the_contact_and_nothing_else(admin_client, anna):
    contact, incident, other = anna

    archive = export(admin_client, contact)

    data = json.loads(archive.read("personal-data.json"))
    assert data["contact"]["email"] == "anna.keller@example.org"
    assert [row["number"] for row in data["incidents_as_caller"]] == [incident.number]
    assert [row["incident"] for row in data["kept_informed_about"]] == [other.number]
    texts = [entry["text"] for entry in data["journal"]]
    assert "A technician comes at two." in texts and "Thank you, I will be there." in texts
    assert "Internal: the fuser is worn." not in texts  # a work note is the desk's, not written to or by her
    assert any(mail["subject"].startswith(f"[{incident.number}]") for mail in data["mails_to_them"])
    [sent] = data["mails_from_them"]
    assert archive.read(sent["file"]).startswith(b"From: Anna Keller")
    [file] = data["files_they_sent"]
    assert file.endswith("-jam.png") and archive.read(file) == png()
    everything = json.dumps(data)
    assert "Bert" not in everything and "bert@example.org" not in everything


def test_only_an_administrator_exports_and_only_by_post(client, admin_client, operator, anna):
    contact, _incident, _other = anna
    client.force_login(operator)

    assert client.post(reverse("incidents:contact_export", args=[contact.pk])).status_code == 403
    assert admin_client.get(reverse("incidents:contact_export", args=[contact.pk])).status_code == 405
    assert "Export personal data" in admin_client.get(reverse("cmdb:contact_detail", args=[contact.pk])).text
    assert "Export personal data" not in client.get(reverse("cmdb:contact_detail", args=[contact.pk])).text
