"""The guard at the door (servicedesk.input_guard) and the range of numbers read from requests (servicedesk.params)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ActivityKind, Impact, Urgency
from incidents.models import Activity, Attachment, Incident
from incidents.recording import calls
from servicedesk.input_guard import InputGuardMiddleware
from servicedesk.params import BIGINT_MAX, INTEGER_MAX, int_param
from tests.cmdb.factories import ContactFactory, ServiceFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32)
FORM_ENCODED = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def incident(operator) -> Incident:
    return calls.incident_record(
        by=operator, caller=ContactFactory(), short_description="VPN does not connect", symptoms="Since today.",
        occurred_at=timezone.now() - datetime.timedelta(minutes=20), impact=Impact.LOW, urgency=Urgency.MEDIUM,
    )  # fmt: skip


@pytest.fixture
def desk(client, operator):
    client.force_login(operator)
    return client


def notes_of(incident: Incident) -> int:
    return Activity.objects.filter(incident=incident, kind=ActivityKind.NOTE).count()


# --- the guard ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_nul_in_the_path_is_a_400_and_nothing_is_written(desk, incident):
    response = desk.post(f"/incidents/{incident.number}%00/journal/add/", {"journal-kind": "note", "journal-text": "x"})

    assert response.status_code == 400
    assert notes_of(incident) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "%00=x", "q=%01", "q=%FF", "q=%C3%28", "q=%zz", "q=50%"])
def test_a_control_character_broken_utf8_or_broken_escape_in_the_query_is_a_400(desk, query):
    assert desk.get(f"{reverse('cmdb:contact_search')}?{query}").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/cmdb/contacts/%FF/", "/incidents/INC%C3%28/", "/incidents/INC%0A/"])
def test_broken_utf8_or_a_control_character_in_the_path_is_a_400(desk, path):
    assert desk.get(path).status_code == 400


def test_a_broken_escape_in_the_raw_address_is_a_400_where_the_server_gives_it():
    request = RequestFactory().get("/incidents/INC%zz/", RAW_URI="/incidents/INC%zz/?q=1")
    guard = InputGuardMiddleware(lambda request: pytest.fail("the view ran"))

    with pytest.raises(Exception, match="escape"):
        guard(request)


@pytest.mark.django_db
def test_a_nul_in_a_form_encoded_field_is_a_400_and_nothing_is_written(desk, incident):
    body = urlencode({"journal-kind": "note", "journal-text": "Checked\x00 the logs."})

    response = desk.post(reverse("incidents:journal_add", args=[incident.number]), body, content_type=FORM_ENCODED)

    assert response.status_code == 400
    assert notes_of(incident) == 0


@pytest.mark.django_db
def test_a_nul_in_a_multipart_text_field_is_a_400_and_nothing_is_written(desk, incident):
    response = desk.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "note", "journal-text": "Checked\x00 the logs.", "journal-files": [upload("a.png", PNG)]},
    )

    assert response.status_code == 400
    assert notes_of(incident) == 0
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_binary_file_full_of_nuls_still_goes_onto_a_work_note(desk, incident):
    response = desk.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "note", "journal-text": "Screenshot\tof the error\r\nattached.",
         "journal-files": [upload("screen.png", PNG)]},
    )  # fmt: skip

    assert response.status_code < 400
    entry = Activity.objects.get(incident=incident, kind=ActivityKind.NOTE)
    assert [(file.name, file.size) for file in entry.attachments.all()] == [("screen.png", len(PNG))]


@pytest.mark.django_db
def test_a_form_encoded_note_with_tabs_newlines_and_umlauts_goes_through(desk, incident):
    body = urlencode({"journal-kind": "note", "journal-text": "Herr Müller:\tdone\r\nnext line"})

    response = desk.post(reverse("incidents:journal_add", args=[incident.number]), body, content_type=FORM_ENCODED)

    assert response.status_code < 400
    assert Activity.objects.get(incident=incident, kind=ActivityKind.NOTE).text == "Herr Müller:\tdone\r\nnext line"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["q=Müller", "q=M%C3%BCller", "q=a+b%09c", "q=", "q"])
def test_a_normal_query_still_works(desk, query):
    ContactFactory(last_name="Müller")

    assert desk.get(f"{reverse('cmdb:contact_search')}?{query}").status_code == 200


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


# --- numbers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), (" 7 ", 7), ("+3", 3), (str(BIGINT_MAX), BIGINT_MAX), (str(BIGINT_MAX + 1), None), ("0", None),
     ("-1", None), ("99999999999999999999999", None), ("²", None), ("٣", None), ("1.5", None), ("x", None),
     ("", None), (None, None), ("+-5", None)],
)  # fmt: skip
def test_int_param_keeps_to_the_column_range(value, expected):
    assert int_param(value) == expected


def test_int_param_takes_its_own_bounds():
    assert int_param("0", minimum=0) == 0
    assert int_param(str(INTEGER_MAX + 1), maximum=INTEGER_MAX) is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["caller_id", "service"])
def test_the_similar_panel_treats_an_out_of_range_id_as_none_given(desk, name):
    ServiceFactory()
    url = f"{reverse('incidents:similar')}?short_description=VPN&{name}=99999999999999999999999"

    assert desk.get(url).status_code == 200


@pytest.mark.django_db
def test_a_huge_or_odd_version_on_a_clock_step_is_a_message_not_a_500(desk, incident):
    for version in ("99999999999999999999999", "²"):
        url = reverse("incidents:sla_await_caller", args=[incident.number])
        assert desk.post(url, {"version": version, "reason": "Waiting"}).status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["service=x", "cis=x,1", "ci=99999999999999999999999"])
def test_the_admin_add_page_leaves_out_a_prefill_that_is_no_id(client, administrator, query):
    client.force_login(administrator)

    assert client.get(f"/admin/incidents/assignmentrule/add/?{query}").status_code == 200
    assert client.get(f"/admin/cmdb/change/add/?{query}").status_code == 200
