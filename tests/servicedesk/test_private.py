"""What a signed-in user sees is kept by no cache, and what the portal writes to disk (attachments, the
development mail folder) is readable by its own user alone."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.urls import reverse

from incidents.choices import ActivityKind
from servicedesk.mail import OneFilePerMessageBackend
from tests.incidents.workflow import record

pytestmark = pytest.mark.django_db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("name", "query"),
    [("home", {}), ("incidents:incident_list", {}), ("incidents:reports", {"start": "2026-11-01", "end": "2026-11-30",
                                                                          "by": "service", "export": "csv"})],
)  # fmt: skip
def test_a_signed_in_users_pages_and_exports_are_private_and_not_stored(client, manager, name, query):
    client.force_login(manager)

    response = client.get(reverse(name), query)

    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_a_fragment_loaded_by_htmx_is_private_too(client, operator):
    incident = record(operator)
    client.force_login(operator)

    response = client.get(reverse("incidents:history", args=[incident.number]), headers={"HX-Request": "true"})

    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_an_attachment_and_its_folders_are_the_portals_alone(client, operator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    incident = record(operator)
    client.force_login(operator)

    client.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "note", "journal-text": "The log", "journal-files": [SimpleUploadedFile("vpn.log", b"x\n")]},
    )  # fmt: skip

    attachment = incident.journal.get(kind=ActivityKind.NOTE).attachments.get()
    path = Path(attachment.file.path)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700


def test_the_development_mail_folder_and_its_messages_are_the_portals_alone(tmp_path):
    folder = tmp_path / "mail"

    OneFilePerMessageBackend(file_path=str(folder)).send_messages(
        [EmailMessage("[INC0001234] Resolved", "It works: https://desk/incidents/it-works/x/", to=["a@example.org"])]
    )

    (message,) = folder.iterdir()
    assert mode(folder) == 0o700 and mode(message) == 0o600
    assert b"[INC0001234] Resolved" in message.read_bytes()
