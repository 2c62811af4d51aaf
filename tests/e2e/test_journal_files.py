"""A file whose name is too long to send is refused in the browser, and the note typed beside it stays."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from incidents.choices import ActivityKind
from tests.e2e.test_cmdb import sign_in
from tests.incidents.workflow import record

pytestmark = pytest.mark.e2e


def test_a_file_name_too_long_to_send_is_refused_and_the_note_kept(
    live_server, page: Page, operator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    incident = record(operator)
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())
    page.get_by_label("Text").fill("Called the user; the log is attached.")
    files = page.locator("#id_journal-files")

    files.set_input_files({"name": "x" * 1000 + ".log", "mimeType": "text/plain", "buffer": b"error\n"})
    page.get_by_role("button", name="Add to the journal").click()

    assert "is too long: rename the file to at most 200 characters" in files.evaluate(
        "input => input.validationMessage"
    )
    expect(page.get_by_label("Text")).to_have_value("Called the user; the log is attached.")
    assert not incident.journal.filter(kind=ActivityKind.NOTE).exists()

    files.set_input_files({"name": "vpn.log", "mimeType": "text/plain", "buffer": b"error\n"})
    page.get_by_role("button", name="Add to the journal").click()
    expect(page.get_by_text("The work note was added.")).to_be_visible()
    assert incident.journal.filter(kind=ActivityKind.NOTE).get().attachments.get().name == "vpn.log"
