"""The journal through the API: read a page at a time by every role that reads incidents, written by the desk and
the assigned group through the page's form and services (files checked as the page checks them), the workaround
under If-Match, and the attached files downloaded with a token."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.choices import ActivityKind, Impact, Urgency, Visibility
from incidents.journal import notes
from incidents.models import Activity, Attachment
from tests.api.schema import assert_as_documented
from tests.incidents.conftest import outsider  # noqa: F401  a support member of another group
from tests.incidents.workflow import classified, closed, investigating, record, resolved

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(64)
READERS = ["operator", "support_member", "manager", "administrator"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def journal_url(incident) -> str:
    return f"/api/v1/incidents/{incident.number}/journal/"


def note(incident, by, text="Checked the RADIUS logs.", **kwargs) -> Activity:
    return notes.incident_add_note(by=by, incident_id=incident.pk, text=text, **kwargs)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# --- reading ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_every_role_that_reads_incidents_reads_the_journal_oldest_first(api, request, operator, role):
    incident = record(operator)
    note(incident, operator, text="Called back.")

    response = api(request.getfixturevalue(role)).get(journal_url(incident))

    assert response.status_code == 200
    assert_as_documented(response)
    body = response.json()
    assert [entry["kind"] for entry in body["results"]] == ["recorded", "note"]
    assert body["results"][1]["text"] == "Called back."
    assert response["ETag"] == f'"v{incident.version}"'


def test_a_role_that_does_not_read_incidents_is_refused(api, operator, config_manager):
    incident = record(operator)

    response = api(config_manager).get(journal_url(incident))

    assert response.status_code == 403
    assert_as_documented(response)
    assert response["Content-Type"] == PROBLEM


def test_newest_first_a_page_at_a_time_by_a_cursor(api, operator):
    incident = record(operator)
    for number in range(3):
        note(incident, operator, text=f"Note {number}")
    client = api(operator)

    first = client.get(journal_url(incident), {"order": "newest", "page_size": 2})
    last = client.get(first.json()["next"])
    assert_as_documented(last)
    first, second = first.json(), last.json()

    texts = [entry["text"] for entry in first["results"] + second["results"]]
    assert texts[:3] == ["Note 2", "Note 1", "Note 0"]
    assert [entry["kind"] for entry in second["results"]][-1] == "recorded"
    assert second["next"] is None


def test_the_timelines_filters_customer_and_changes(api, operator, network, vpn):
    incident = investigating(operator, vpn, network)
    note(incident, operator)
    notes.incident_send_update(by=operator, incident_id=incident.pk, text="We are on it.")
    client = api(operator)

    customer = client.get(journal_url(incident), {"show": "customer"}).json()["results"]
    changes = client.get(journal_url(incident), {"show": "changes"}).json()["results"]

    assert {entry["visibility"] for entry in customer} == {Visibility.CUSTOMER}
    assert "customer_update" in [entry["kind"] for entry in customer]
    assert "note" not in [entry["kind"] for entry in changes + customer]
    assert "escalated" in [entry["kind"] for entry in changes]


def test_a_filter_or_order_it_does_not_know_is_a_400_problem(api, operator):
    incident = record(operator)

    response = api(operator).get(journal_url(incident), {"show": "secrets", "order": "sideways"})

    assert response.status_code == 400
    assert_as_documented(response)
    assert response["Content-Type"] == PROBLEM
    assert set(response.json()["errors"]) == {"show", "order"}


def test_an_incident_that_does_not_exist_is_a_404_problem(api, operator):
    response = api(operator).get("/api/v1/incidents/INC9999999/journal/")

    assert response.status_code == 404
    assert_as_documented(response)
    assert response["Content-Type"] == PROBLEM


def test_a_page_of_the_journal_costs_the_same_queries_with_2_or_20_entries(
    api, operator, support_member, network, vpn, django_assert_num_queries
):
    client = api(support_member)
    client.get("/api/v1/incidents/")  # the token's first use is noted once
    counts = []
    for size in (2, 20):
        incident = investigating(operator, vpn, network)
        for number in range(size):
            note(incident, support_member, files=[upload(f"{number}.png", PNG)])
        # The token and its user with their permissions, the incident, the page of entries, their files.
        with django_assert_num_queries(4) as queries:
            response = client.get(journal_url(incident), {"order": "newest"})
        assert response.status_code == 200
        assert len([entry for entry in response.json()["results"] if entry["kind"] == "note"]) == size
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


# --- writing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "support_member", "administrator"])
def test_the_desk_and_the_assigned_group_write_a_work_note(api, request, operator, network, vpn, role):
    incident = investigating(operator, vpn, network)
    user = request.getfixturevalue(role)

    response = api(user, name="Monitoring").post(
        journal_url(incident), {"kind": "note", "text": "Gateway restarted.", "minutes_spent": 5}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert_as_documented(response)
    body = response.json()
    assert (body["kind"], body["visibility"], body["minutes_spent"]) == ("note", Visibility.INTERNAL, 5)
    assert body["how"] == "through API token “Monitoring”"
    entry = incident.journal.get(pk=body["id"])
    assert (entry.author, entry.text) == (user, "Gateway restarted.")
    incident.refresh_from_db()
    assert response["ETag"] == f'"v{incident.version}"'


@pytest.mark.parametrize("role", ["manager", "outsider", "config_manager"])
def test_everyone_else_is_refused_with_a_403_and_nothing_is_written(api, request, operator, network, vpn, role):
    incident = investigating(operator, vpn, network)

    response = api(request.getfixturevalue(role)).post(
        journal_url(incident), {"kind": "note", "text": "Let me in."}, format="json"
    )

    assert response.status_code == 403
    assert_as_documented(response)
    assert response["Content-Type"] == PROBLEM
    assert not incident.journal.filter(kind=ActivityKind.NOTE).exists()


def test_a_manager_is_told_who_writes(api, operator, manager, network, vpn):
    incident = investigating(operator, vpn, network)

    response = api(manager).post(journal_url(incident), {"kind": "note", "text": "x"}, format="json")

    assert "managers and other groups read it" in response.json()["detail"]


def test_a_read_only_token_does_not_write(api, operator):
    incident = record(operator)

    response = api(operator, writes=False).post(journal_url(incident), {"kind": "note", "text": "x"}, format="json")

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_bad_input_is_a_400_by_field_and_writes_nothing(api, operator):
    incident = record(operator)

    response = api(operator).post(
        journal_url(incident), {"kind": "gossip", "text": "", "minutes_spent": 5000}, format="json"
    )

    assert response.status_code == 400
    assert_as_documented(response)
    assert response["Content-Type"] == PROBLEM
    assert set(response.json()["errors"]) == {"kind", "text", "minutes_spent"}
    assert not incident.journal.filter(kind=ActivityKind.NOTE).exists()


def test_a_customer_update_is_mailed_after_the_commit(api, operator, django_capture_on_commit_callbacks):
    incident = record(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = api(operator).post(
            journal_url(incident), {"kind": "customer_update", "text": "A technician is on the way."}, format="json"
        )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["visibility"]) == ("customer_update", Visibility.CUSTOMER)
    assert body["recipients"] == [incident.caller.email]
    assert len(mail.outbox) == 1


def test_a_note_takes_files_as_multipart_and_they_download_with_a_token(api, operator, manager):
    incident = record(operator)

    response = api(operator).post(
        journal_url(incident),
        {"kind": "note", "text": "Logs and a screenshot.", "files": [upload("report.pdf", PDF), upload("s.png", PNG)]},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert_as_documented(response)
    pdf, png = response.json()["attachments"]
    assert (pdf["name"], pdf["size"], pdf["content_type"]) == ("report.pdf", len(PDF), "application/pdf")
    reader = api(manager)
    download, image = reader.get(pdf["api_url"]), reader.get(png["api_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert (download["X-Content-Type-Options"], download["Cache-Control"]) == ("nosniff", "private, no-cache")
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert (image["Content-Type"], image["Content-Disposition"]) == ("image/png", 'inline; filename="s.png"')


def test_a_renamed_binary_is_refused_by_field_as_on_the_page_and_nothing_is_stored(api, operator, media_root):
    incident = record(operator)

    response = api(operator).post(
        journal_url(incident), {"kind": "note", "text": "See file.", "files": [upload("photo.png", EXE)]},
        format="multipart",
    )  # fmt: skip

    assert response.status_code == 400
    assert "its content does not match its name" in response.json()["errors"]["files"][0]
    assert not Attachment.objects.exists()
    assert not incident.journal.filter(kind=ActivityKind.NOTE).exists()


def test_files_on_a_customer_update_are_refused_by_field(api, operator):
    incident = record(operator)

    response = api(operator).post(
        journal_url(incident), {"kind": "customer_update", "text": "Here.", "files": [upload("s.png", PNG)]},
        format="multipart",
    )  # fmt: skip

    assert response.status_code == 400
    assert "files" in response.json()["errors"]


def test_a_closed_journal_is_a_409(api, operator, support_member, network, vpn):
    incident = closed(operator, resolved(operator, vpn, network, support_member))

    response = api(operator).post(journal_url(incident), {"kind": "note", "text": "Late."}, format="json")

    assert response.status_code == 409
    assert_as_documented(response)
    assert "closed" in response.json()["detail"]


def test_the_serious_incident_gate_holds_customer_updates_but_not_notes(api, operator):
    incident = record(operator, impact=Impact.HIGH, urgency=Urgency.HIGH)
    client = api(operator)

    update = client.post(journal_url(incident), {"kind": "customer_update", "text": "On it."}, format="json")
    work = client.post(journal_url(incident), {"kind": "note", "text": "Bridge call opened."}, format="json")

    assert update.status_code == 409
    assert "notify management" in update.json()["detail"]
    assert work.status_code == 201


# --- the workaround -----------------------------------------------------------------------------------


def workaround_url(incident) -> str:
    return f"/api/v1/incidents/{incident.number}/workaround/"


def test_the_workaround_needs_the_etag_it_read(api, operator, vpn):
    incident = classified(operator, vpn)

    response = api(operator).post(workaround_url(incident), {"workaround": "Use the web VPN."}, format="json")

    assert response.status_code == 428
    assert_as_documented(response)


@pytest.mark.parametrize("role", ["operator", "support_member", "administrator"])
def test_the_desk_and_the_group_provide_the_workaround(api, request, operator, network, vpn, role):
    incident = investigating(operator, vpn, network)

    response = api(request.getfixturevalue(role)).post(
        workaround_url(incident), {"workaround": "Use the web VPN.", "minutes_spent": 2}, format="json",
        HTTP_IF_MATCH=f'"v{incident.version}"',
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    assert_as_documented(response)
    assert response.json()["kind"] == "workaround"
    incident.refresh_from_db()
    assert incident.workaround == "Use the web VPN."
    assert response["ETag"] == f'"v{incident.version}"'


@pytest.mark.parametrize("role", ["manager", "outsider", "config_manager"])
def test_others_may_not_provide_the_workaround(api, request, operator, network, vpn, role):
    incident = investigating(operator, vpn, network)

    response = api(request.getfixturevalue(role)).post(
        workaround_url(incident), {"workaround": "Reboot."}, format="json", HTTP_IF_MATCH=f'"v{incident.version}"'
    )

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.workaround == ""


def test_a_stale_workaround_is_412_with_what_changed(api, operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    read = f'"v{incident.version}"'
    note(incident, support_member)  # the member's first note acknowledges the handoff: a change

    response = api(operator).post(
        workaround_url(incident), {"workaround": "Reboot."}, format="json", HTTP_IF_MATCH=read
    )

    assert response.status_code == 412
    assert_as_documented(response)
    assert [change["kind"] for change in response.json()["changes"]] == ["acknowledged"]


def test_an_empty_workaround_is_a_400_by_field(api, operator, vpn):
    incident = classified(operator, vpn)

    response = api(operator).post(
        workaround_url(incident), {"workaround": " "}, format="json", HTTP_IF_MATCH=f'"v{incident.version}"'
    )

    assert response.status_code == 400
    assert "workaround" in response.json()["errors"]


# --- files --------------------------------------------------------------------------------------------


@pytest.fixture
def attached(operator):
    incident = record(operator)
    entry = note(incident, operator, files=[upload("report.pdf", PDF)])
    return incident, entry.attachments.get()


def attachment_url(incident, attachment) -> str:
    return f"/api/v1/incidents/{incident.number}/attachments/{attachment.pk}/"


@pytest.mark.parametrize("role", READERS)
def test_every_reader_downloads_a_file_whatever_it_accepts(api, request, attached, role):
    incident, pdf = attached

    response = api(request.getfixturevalue(role)).get(attachment_url(incident, pdf), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert_as_documented(response)
    assert response["Content-Type"] == "application/pdf"


def test_a_file_is_refused_to_a_role_that_does_not_read_incidents_and_to_no_token(
    api, client, config_manager, attached
):
    incident, pdf = attached

    assert api(config_manager).get(attachment_url(incident, pdf)).status_code == 403
    assert client.get(attachment_url(incident, pdf)).status_code in (401, 403)


def test_a_file_under_another_incident_or_lost_from_the_storage_is_a_404(api, operator, attached):
    incident, pdf = attached
    other = record(operator)
    client = api(operator)

    assert client.get(attachment_url(other, pdf)).status_code == 404
    pdf.file.storage.delete(pdf.file.name)
    lost = client.get(attachment_url(incident, pdf))
    assert lost.status_code == 404
    assert lost["Content-Type"] == PROBLEM


def test_a_page_size_that_is_not_a_whole_number_is_a_400(api, operator):
    incident = record(operator)

    response = api(operator).get(journal_url(incident), {"page_size": "1.5"})

    assert response.status_code == 400
    assert_as_documented(response)


def test_a_bad_workaround_is_refused_for_its_body_before_its_version(api, operator, vpn):
    incident = classified(operator, vpn)

    response = api(operator).post(workaround_url(incident), {}, format="json", HTTP_IF_MATCH='"v999"')

    assert response.status_code == 400
    assert "workaround" in response.json()["errors"]
