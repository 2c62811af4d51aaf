"""Mail in, in a real browser: messages shaped like real mail (the inbound corpus) are dropped into the Maildir's
``new/`` folder and read by the poll as Celery beat runs it; then the people who use the pages see what became of
them. The user guides' pictures of the intake inbox, a mail's page and a reply in the journal are taken here."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cmdb.choices import SupportTier
from incidents.choices import ActivityKind, State
from incidents.inbound.tasks import inbound_poll
from incidents.lifecycle import holds
from incidents.models import InboundMail, InboundState, Incident, OutboxMessage
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents import workflow
from tests.incidents.factories import RootCauseFactory
from tests.incidents.inbound.corpus_files import corpus_bytes
from tests.incidents.inbound.messages import message
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e

# The corpus's messages are written to this desk.
DESK = "Service desk <servicedesk@example.com>"


class Maildir:
    """The desk's Maildir as the mail server fills it, and the poll as beat runs it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def deliver(self, raw: bytes) -> None:
        """Write a message as a mail server does: into ``tmp/``, then moved into ``new/`` whole."""
        self.count += 1
        name = f"1796600000.M{self.count}P4242.mx"
        for folder in ("tmp", "new", "cur"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        (self.root / "tmp" / name).write_bytes(raw)
        (self.root / "tmp" / name).rename(self.root / "new" / name)

    def poll(self) -> int:
        return inbound_poll.apply().get()


@pytest.fixture
def maildir(settings, tmp_path) -> Maildir:
    settings.INBOUND_MAILDIR = tmp_path / "inbound"
    settings.INBOUND_IMAP_URL = ""
    settings.DEFAULT_FROM_EMAIL = DESK
    return Maildir(settings.INBOUND_MAILDIR)


def answering(row: OutboxMessage, name: str) -> bytes:
    """A corpus message as its sender wrote it in answer to the desk's mail ``row``."""
    stamp = f"{row.created_at.astimezone(datetime.UTC):%Y%m%d%H%M%S}"
    return corpus_bytes(name, outbox_id=str(row.pk), outbox_stamp=stamp, number=row.incident.number)


def desk_mail(incident: Incident, kind: str) -> OutboxMessage:
    return OutboxMessage.objects.select_related("incident").filter(incident=incident, kind=kind).latest("pk")


def test_a_callers_reply_by_mail_reaches_the_groups_journal_and_bell(
    live_server, page: Page, maildir, operator, support_member, docs_screenshot
):
    network = SupportGroupFactory(name="Network operations", tier=SupportTier.SECOND_LINE, members=[support_member])
    liam = ContactFactory(first_name="Liam", last_name="O'Connor", email="liam.oconnor@example.net")
    incident = workflow.investigating(
        operator, CategoryFactory(name="VPN"), network, caller=liam, short_description="VPN drops every ten minutes",
        symptoms="The VPN connection drops every ten minutes.",
    )  # fmt: skip
    holds.incident_await_caller(
        by=support_member, incident_id=incident.pk,
        reason="Which version of the VPN client do you use, and does it also happen at home?",
    )  # fmt: skip
    sign_in(page, live_server.url, "sam")
    bell = page.locator("header .bell")
    expect(bell).to_have_accessible_name("Notifications: 1 unread")  # the escalation

    maildir.deliver(answering(desk_mail(incident, "awaiting_answer"), "gmail_reply"))
    assert maildir.poll() == 1

    page.reload()
    expect(bell).to_have_accessible_name("Notifications: 2 unread")
    bell.click()
    notification = page.locator(".notification-unread").filter(has_text="Liam O'Connor wrote")
    expect(notification).to_contain_text("the VPN client 5.2.1 drops the connection")
    notification.get_by_role("button", name=f"Open {incident.number}").click()

    expect(page.get_by_role("heading", name=re.compile(rf"^{incident.number} VPN drops"))).to_be_visible()
    expect(page.locator(".sla-paused")).to_have_count(0)  # the answer started the clock again
    reply = page.locator("li.entry-caller_replied")
    expect(reply).to_contain_text("Answer from the caller")
    expect(reply).to_contain_text("Liam O'Connor by mail")
    expect(reply.locator(".entry-text")).to_contain_text("Teams call freezes for a few seconds")
    for quoted in ("wrote:", "Which version of the VPN client", "+44 20 7946 0321"):
        expect(reply.locator(".entry-text")).not_to_contain_text(quoted)
    reply.scroll_into_view_if_needed()
    docs_screenshot(page, "incident-reply-by-mail")

    reply.get_by_role("link", name="the whole mail").click()
    expect(
        page.get_by_role("heading", name=f"Re: [{incident.number}] Awaiting your answer: VPN drops every ten minutes")
    ).to_be_visible()
    expect(page.get_by_text(f"Journaled on {incident.number}")).to_be_visible()
    expect(page.get_by_role("region", name="Text of the mail")).to_contain_text("Which version of the VPN client")
    expect(page.get_by_role("heading", name="What is it?")).to_have_count(0)  # nothing for a group to decide
    page.get_by_role("link", name="Show the whole message").click()
    expect(page.locator("body")).to_contain_text("Message-ID: <CAH7ZkQz3mT5b1pWx0Lr8yKdV6nJc2qF4eGsA9oU1hR3tMw@")

    incident.refresh_from_db()
    assert incident.awaiting_caller_since is None


def test_a_new_mail_from_a_known_caller_becomes_an_incident_through_the_intake_inbox(
    live_server, page: Page, maildir, operator, docs_screenshot
):
    martin = ContactFactory(first_name="Martin", last_name="Gruber", email="martin.gruber@example.org")
    ContactFactory(first_name="Emma", last_name="Lindgren", email="emma.lindgren@example.org")
    for name in ("new_plain_report", "new_foreign_references", "new_unknown_sender", "gmail_forward"):
        maildir.deliver(corpus_bytes(name))
    assert maildir.poll() == 4
    sign_in(page, live_server.url, "olivia")

    inbox_link = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Inbox"))
    expect(inbox_link).to_have_accessible_name("Inbox waiting: 4")
    inbox_link.click()
    expect(page.get_by_role("heading", name="Intake inbox")).to_be_visible()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Wi-Fi in meeting room Aurora keeps dropping")  # the longest waiting first
    expect(page.get_by_role("row", name=re.compile("Projector in meeting room"))).to_contain_text("Martin Gruber")
    docs_screenshot(page, "intake-inbox")

    page.get_by_role("link", name="RE: Projector in meeting room Aurora flickers").click()
    expect(page.get_by_role("heading", name="RE: Projector in meeting room Aurora flickers")).to_be_visible()
    expect(page.get_by_role("link", name="known in the CMDB")).to_be_visible()
    for choice in ("A new incident", "Another call about an open incident", "Not an incident"):
        expect(page.get_by_role("heading", name=choice)).to_be_visible()
    docs_screenshot(page, "intake-mail", full_page=True)  # the three choices are below the mail

    page.get_by_role("link", name="Record as an incident").click()
    expect(page.get_by_role("combobox", name="Caller")).to_have_value("Martin Gruber")
    expect(page.get_by_label("Short description")).to_have_value("Projector in meeting room Aurora flickers")
    expect(page.get_by_label("Symptoms")).to_have_value(re.compile("It flickers after about ten minutes"))
    expect(page.get_by_label("Reported by")).to_have_value("email")
    expect(page.locator("details.new-caller-box")).not_to_have_attribute("open", "")
    page.get_by_label("Symptoms").focus()
    page.keyboard.press("Control+Enter")

    heading = page.get_by_role("heading", name=re.compile(r"^INC\d{7} Projector in meeting room Aurora flickers"))
    expect(heading).to_be_visible()
    incident = Incident.objects.get()
    assert (incident.caller, incident.channel) == (martin, "email")
    expect(inbox_link).to_have_accessible_name("Inbox waiting: 3")
    inbox_link.click()
    page.get_by_role("link", name=re.compile("^Decided")).click()
    recorded = page.get_by_role("row", name=re.compile("Projector in meeting room"))
    expect(recorded).to_contain_text("Recorded")
    expect(recorded.get_by_role("link", name=incident.number)).to_be_visible()
    recorded.get_by_role("link", name="RE: Projector in meeting room Aurora flickers").click()
    expect(page.get_by_text(f"recorded this mail as {incident.number}")).to_be_visible()
    expect(page.get_by_role("heading", name="What is it?")).to_have_count(0)


def test_a_mail_from_an_unknown_sender_offers_to_add_them_with_the_name_and_address_it_came_from(
    live_server, page: Page, maildir, operator
):
    maildir.deliver(corpus_bytes("new_unknown_sender"))
    maildir.poll()
    mail = InboundMail.objects.get()
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/inbox/{mail.pk}/")
    expect(page.get_by_text("not in the CMDB")).to_be_visible()

    page.get_by_role("link", name="Record as an incident").click()
    expect(page.get_by_role("combobox", name="Caller")).to_have_value("")
    expect(page.get_by_label("Short description")).to_have_value("Locked out of the supplier portal \u2013 urgent")
    box = page.locator("details.new-caller-box")
    expect(box).to_have_attribute("open", "")
    expect(box.locator("summary")).to_have_text("The sender is not in the CMDB: add them")
    expect(box.get_by_label("First name")).to_have_value("Kwame")
    expect(box.get_by_label("Last name")).to_have_value("Osei")
    expect(box.get_by_label("E-mail")).to_have_value("kwame.osei@example.net")
    box.get_by_role("button", name="Add the caller").click()
    expect(page.get_by_role("combobox", name="Caller")).to_have_value("Kwame Osei")
    page.get_by_label("Short description").focus()
    page.keyboard.press("Control+Enter")

    expect(page.get_by_role("heading", name=re.compile(r"^INC\d{7} Locked out of the supplier portal"))).to_be_visible()
    incident = Incident.objects.get()
    assert (incident.caller.email, incident.caller.full_name) == ("kwame.osei@example.net", "Kwame Osei")
    mail.refresh_from_db()
    assert (mail.state, mail.incident) == (InboundState.RECORDED, incident)


def test_an_out_of_office_answering_a_resolution_changes_nothing(
    live_server, page: Page, maildir, operator, support_member
):
    network = SupportGroupFactory(name="Network operations", members=[support_member])
    diego = ContactFactory(first_name="Diego", last_name="Alvarez", email="diego.alvarez@example.net")
    incident = workflow.resolved(operator, CategoryFactory(name="VPN"), network, support_member, caller=diego)
    entries = incident.journal.count()

    maildir.deliver(answering(desk_mail(incident, "resolved"), "gmail_vacation"))
    assert maildir.poll() == 1

    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    expect(page.locator(".page-actions")).to_contain_text("Resolved")
    expect(page.get_by_role("heading", name=re.compile("replied after the resolution"))).to_have_count(0)
    expect(page.locator("li.entry-caller_replied")).to_have_count(0)
    inbox_link = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Inbox"))
    expect(inbox_link).to_have_accessible_name("Inbox")  # nothing waits
    inbox_link.click()
    expect(page.get_by_text("No mail waits for the desk.")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Automatic, bounced, refused")).click()
    row = page.get_by_role("row", name=re.compile("Out of office until 4 January"))
    expect(row).to_contain_text("Diego Alvarez")
    expect(row).to_contain_text("changes nothing")

    incident.refresh_from_db()
    assert incident.state == State.RESOLVED
    assert incident.journal.count() == entries
    assert InboundMail.objects.get().state == InboundState.AUTOMATIC


def test_setting_a_mail_aside_needs_a_reason_then_the_next_waiting_mail_opens(
    live_server, page: Page, maildir, operator
):
    maildir.deliver(message(sender="Ruth Baker <ruth.baker@example.org>", subject="Thank you!",
                            body="Thanks for fixing the printer so quickly, it works fine now.\n\nRuth"))  # fmt: skip
    maildir.deliver(corpus_bytes("new_plain_report"))
    maildir.poll()
    thanks, report = InboundMail.objects.order_by("received_at", "pk")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/inbox/{thanks.pk}/")

    page.get_by_role("button", name="Set aside").click()
    reasons = page.get_by_role("group", name="Not an incident because")
    expect(reasons).to_have_accessible_description("Choose why this mail is not an incident.")
    expect(reasons.get_by_role("radio").first).to_have_attribute("aria-invalid", "true")
    thanks.refresh_from_db()
    assert thanks.state == InboundState.INTAKE

    reasons.get_by_role("radio", name="Thanks or a reply needing nothing").check()
    page.get_by_role("button", name="Set aside").click()

    expect(page.get_by_text("The mail from ruth.baker@example.org was set aside.")).to_be_visible()
    expect(page.get_by_role("heading", name="Wi-Fi in meeting room Aurora keeps dropping")).to_be_visible()
    assert page.url == f"{live_server.url}/incidents/inbox/{report.pk}/"
    thanks.refresh_from_db()
    assert (thanks.state, thanks.dismissal, thanks.decided_by) == (InboundState.DISMISSED, "thanks", operator)


def test_a_reply_to_a_resolution_lets_the_desk_close_it_with_the_reason_filled_in(
    live_server, page: Page, maildir, operator, support_member
):
    network = SupportGroupFactory(name="Workplace support", members=[support_member])
    sofia = ContactFactory(first_name="Sofia", last_name="Marino", email="sofia.marino@example.org")
    RootCauseFactory(name="Hardware failure")
    incident = workflow.resolved(
        operator, CategoryFactory(name="Printer"), network, support_member, caller=sofia,
        short_description="Printer on 2nd floor prints blank pages", occurred_at=timezone.now(),
    )  # fmt: skip

    maildir.deliver(answering(desk_mail(incident, "resolved"), "apple_iphone_reply"))
    assert maildir.poll() == 1

    sign_in(page, live_server.url, "olivia")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Desk work").click()
    page.get_by_role("link", name=re.compile("^Replied after the fix")).click()
    page.get_by_role("link", name=incident.number).click()

    panel = page.get_by_role("region", name="Sofia Marino replied after the resolution")
    expect(panel).to_contain_text("It works again, thank you! Printed 20 pages this morning")
    expect(panel).not_to_contain_text("Sent from my iPhone")
    panel.get_by_role("link", name="It works: close it").click()

    expect(page.get_by_role("heading", name=re.compile("Close"))).to_be_visible()
    expect(page.get_by_label("Why close it now")).to_have_value("confirmed_by_reply")
    page.get_by_role("combobox", name="Root cause").select_option(label="Hardware failure")
    page.get_by_role("button", name="Close").click()

    expect(page.get_by_text(f"{incident.number} closed.")).to_be_visible()
    incident.refresh_from_db()
    assert (incident.state, incident.closure_reason) == (State.CLOSED, "confirmed_by_reply")
    assert incident.journal.filter(kind=ActivityKind.CALLER_REPLIED).count() == 1
