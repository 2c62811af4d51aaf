"""The queue in the order of what needs doing first, and a member's first action acknowledging the handoff."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cmdb.choices import SupportTier
from incidents.choices import Impact, Urgency
from incidents.lifecycle import classification, escalation
from incidents.models import Incident
from tests.cmdb.factories import SupportGroupFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.workflow import investigating, record, send_serious_notices
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e


def test_a_p1_is_not_hidden_under_overdue_p4s_and_taking_a_handoff_acknowledges_it(
    live_server, page: Page, operator, support_member, manager
):
    network = SupportGroupFactory(name="Network operations", tier=SupportTier.SECOND_LINE, members=[support_member])
    vpn = CategoryFactory(name="VPN")
    for summary in ("Printer offline", "Mouse broken"):
        late = investigating(operator, vpn, network, short_description=summary, impact=Impact.LOW, urgency=Urgency.LOW)
        escalation.incident_acknowledge(by=support_member, incident_id=late.pk)
        # Long overdue: only the due time matters here (the clock is tested on its own).
        Incident.objects.filter(pk=late.pk).update(resolution_due_at=timezone.now() - datetime.timedelta(days=2))
    urgent = record(operator, short_description="Payroll down", impact=Impact.HIGH, urgency=Urgency.HIGH)
    send_serious_notices(operator, urgent)
    classification.incident_classify(
        by=operator, incident_id=urgent.pk, category=vpn, impact=Impact.HIGH, urgency=Urgency.HIGH
    )
    escalation.incident_escalate(by=operator, incident_id=urgent.pk, group=network, reason="Payroll")
    escalation.incident_acknowledge(by=support_member, incident_id=urgent.pk)
    fresh = investigating(operator, vpn, network, short_description="Just handed over")

    sign_in(page, live_server.url, "sam")
    page.goto(f"{live_server.url}/queues/?tab=group")
    expect(page.get_by_text(re.compile("Not acknowledged first, then by priority"))).to_be_visible()
    rows = page.locator("#results tbody tr")
    expect(rows.nth(0)).to_contain_text("Just handed over")
    expect(rows.nth(1)).to_contain_text("Payroll down")
    expect(rows.nth(2)).to_contain_text("Printer offline")

    # Taking the fresh handoff acknowledges it: nothing is left to acknowledge.
    page.get_by_role("row", name=re.compile(fresh.number)).get_by_role("button", name="Take it").click()
    expect(page.get_by_role("link", name=re.compile("Not acknowledged 0"))).to_be_visible()
    fresh.refresh_from_db()
    assert fresh.acknowledged_at is not None and fresh.assignee == support_member
