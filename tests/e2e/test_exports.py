"""The desk filters the incident list and downloads exactly those rows, as CSV and XLSX; it prints an incident
with what was written for its caller and without its work notes."""

from __future__ import annotations

import csv
import re

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from incidents.journal import notes
from tests.cmdb.factories import SupportGroupFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.factories import IncidentFactory
from tests.incidents.workflow import investigating
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e


def test_the_desk_exports_the_filtered_list(live_server, page: Page, operator, docs_screenshot, tmp_path):
    wanted = [
        IncidentFactory(short_description="Mail server rejects attachments"),
        IncidentFactory(short_description='=HYPERLINK("http://x") mail rule'),
    ]
    for n in range(3):
        IncidentFactory(short_description=f"Printer {n} out of toner")
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + reverse("incidents:incident_list"))
    expect(page.get_by_role("row")).to_have_count(6)  # the header and five incidents

    page.get_by_role("searchbox", name="Search", exact=True).fill("mail")
    expect(page.get_by_role("row")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"q=mail"))
    docs_screenshot(page, "incident-export")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Export CSV").click()
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Export XLSX").click()

    assert re.fullmatch(r"incidents-\d{4}-\d\d-\d\d\.csv", csv_download.value.suggested_filename)
    path = tmp_path / "incidents.csv"
    csv_download.value.save_as(path)
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0][:3] == ["Number", "Short description", "State"]
    assert sorted(row[0] for row in rows[1:]) == sorted(incident.number for incident in wanted)
    assert '\'=HYPERLINK("http://x") mail rule' in [row[1] for row in rows]
    xlsx = tmp_path / "incidents.xlsx"
    xlsx_download.value.save_as(xlsx)
    sheet = openpyxl.load_workbook(xlsx).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(
        incident.number for incident in wanted
    )


def test_the_desk_prints_an_incident_without_its_work_notes(
    live_server, page: Page, operator, support_member, docs_screenshot
):
    network = SupportGroupFactory(name="Network operations", members=[support_member])
    incident = investigating(
        operator, CategoryFactory(name="VPN"), network, short_description="VPN drops every ten minutes",
        symptoms="The client shows error 809 and reconnects.",
    )  # fmt: skip
    notes.incident_add_note(by=support_member, incident_id=incident.pk, text="Internal: the RADIUS cert expired")
    notes.incident_send_update(by=support_member, incident_id=incident.pk, text="We are renewing a certificate.")
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())

    page.get_by_role("link", name="Print", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"{incident.number} VPN drops every ten minutes")
    expect(page.get_by_text("We are renewing a certificate.")).to_be_visible()
    expect(page.get_by_text("Internal: the RADIUS cert expired")).to_have_count(0)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    docs_screenshot(page, "incident-print", full_page=True)
