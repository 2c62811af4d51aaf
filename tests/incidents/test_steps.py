"""The lifecycle's pages: the buttons each role sees on the incident page, each step's form, refusals."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from incidents.choices import Impact, ResolutionCode, State, Urgency
from incidents.lifecycle import escalation, resolution
from incidents.models import Incident
from incidents.pages.incident import primary_step
from incidents.recording import calls
from tests.cmdb.factories import ConfigurationItemFactory, SupportGroupFactory
from tests.incidents.factories import RootCauseFactory
from tests.incidents.workflow import classified, investigating, record, resolved, send_serious_notices
from tests.knowledge.factories import CategoryFactory, KnownErrorFactory

pytestmark = pytest.mark.django_db


def step_url(incident: Incident, name: str) -> str:
    return reverse("incidents:step", args=[incident.number, name])


def buttons(client, incident: Incident) -> str:
    """The step bar of the incident page as the signed-in user sees it."""
    page = client.get(incident.get_absolute_url()).text
    start = page.find('class="step-bar"')
    return page[start : page.find("</nav>", start)] if start >= 0 else ""


def test_the_desk_classifies_from_the_incident_page(client, operator, vpn):
    incident = record(operator)
    client.force_login(operator)
    assert step_url(incident, "classify") in buttons(client, incident)

    form = client.get(step_url(incident, "classify")).text
    assert f'name="version" value="{incident.version}"' in form
    response = client.post(
        step_url(incident, "classify"),
        {"version": incident.version, "category": vpn.pk, "impact": Impact.MEDIUM, "urgency": Urgency.HIGH,
         "minutes_spent": "4"},
        follow=True,
    )  # fmt: skip

    assert f"{incident.number} classified." in response.text
    incident.refresh_from_db()
    assert (incident.state, incident.category, incident.priority) == (State.CLASSIFIED, vpn, 2)
    assert incident.journal.get(data__step="classify").minutes_spent == 4


def test_a_stale_form_is_refused_with_what_changed_and_nothing_is_saved(client, operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    opened_at = incident.version
    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    client.force_login(operator)

    response = client.post(
        step_url(incident, "escalate"),
        {"version": opened_at, "group": SupportGroupFactory(tier=3).pk, "reason": "Third line, please."},
    )

    assert response.status_code == 409  # a conflict with what changed, not a bad form
    assert "has changed since you opened it" in response.text and "acknowledged" in response.text
    incident.refresh_from_db()
    assert incident.assigned_group == network


def test_a_support_member_is_refused_classification_with_the_reason(client, operator, support_member):
    incident = record(operator)
    client.force_login(support_member)

    assert buttons(client, incident) == ""
    response = client.get(step_url(incident, "classify"))

    assert response.status_code == 403
    assert f"Only the service desk may classify {incident.number}." in response.text


def test_no_step_is_offered_or_taken_before_the_serious_notices(client, operator, manager, vpn):
    incident = record(operator, impact=Impact.HIGH, urgency=Urgency.HIGH)
    client.force_login(operator)

    assert step_url(incident, "classify") not in buttons(client, incident)  # correcting details is no step
    response = client.get(step_url(incident, "classify"), follow=True)
    assert "notify management and inform the affected users first" in response.text
    send_serious_notices(operator, incident)
    assert step_url(incident, "classify") in buttons(client, incident)


def test_first_line_resolution_offers_the_matching_known_error_and_applies_it(client, operator, vpn):
    known_error = KnownErrorFactory(
        title="VPN authentication fails after a password change", published=True, categories=[vpn],
        symptoms="The VPN client says authentication failed.", workaround="Sign out of the VPN client and in again.",
    )  # fmt: skip
    incident = classified(operator, vpn)
    client.force_login(operator)

    page = client.get(step_url(incident, "resolve-at-first-line")).text
    assert f'value="{known_error.number}" checked' in page
    client.post(
        step_url(incident, "resolve-at-first-line"),
        {"version": incident.version, "known_error": known_error.number, "resolution_code": "workaround",
         "resolution_notes": "Sign out of the VPN client and in again."},
    )  # fmt: skip

    incident.refresh_from_db()
    assert (incident.state, incident.known_error, incident.workaround) == (
        State.RESOLVED, known_error, "Sign out of the VPN client and in again."
    )  # fmt: skip


def test_escalation_offers_the_other_support_groups_only(client, operator, network, third_line, vpn):
    incident = investigating(operator, vpn, network)
    retired = SupportGroupFactory(name="Old mainframe team", tier=3, active=False)
    client.force_login(operator)

    page = client.get(step_url(incident, "escalate")).text

    assert third_line.name in page
    assert f'<option value="{network.pk}"' not in page and retired.name not in page


def test_a_group_member_acknowledges_and_takes_it_in_one_click_each(client, operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    client.force_login(support_member)
    bar = buttons(client, incident)
    assert "Acknowledge" in bar and "Assign to me" in bar

    client.post(step_url(incident, "acknowledge"), {"version": incident.version})
    incident.refresh_from_db()
    client.post(step_url(incident, "assign"), {"version": incident.version, "assignee": support_member.pk})

    incident.refresh_from_db()
    assert incident.acknowledged_at is not None and incident.assignee == support_member
    assert "Acknowledge" not in buttons(client, incident)


def test_a_member_of_another_group_sees_no_step_and_is_refused(client, operator, outsider, network, vpn):
    incident = investigating(operator, vpn, network)
    client.force_login(outsider)

    assert buttons(client, incident) == ""
    response = client.post(step_url(incident, "acknowledge"), {"version": incident.version})

    assert response.status_code == 403
    assert "Only members of Network operations, the assigned group, may acknowledge" in response.text
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


def test_resolving_names_an_unknown_change_next_to_its_field(client, operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    client.force_login(support_member)

    response = client.post(
        step_url(incident, "resolve"),
        {"version": incident.version, "resolution_code": "change", "resolution_notes": "Fixed by the change.",
         "change": "CHG9999999"},
    )  # fmt: skip

    assert response.status_code == 400 and "No change has that number." in response.text
    incident.refresh_from_db()
    assert incident.state == State.INVESTIGATING


def test_the_desk_closes_with_the_root_cause_prefilled_from_the_category(
    client, operator, support_member, network, vpn
):
    incident = resolved(operator, vpn, network, support_member)
    client.force_login(operator)
    assert step_url(incident, "close") in buttons(client, incident)
    assert f'<option value="{vpn.pk}" selected>' in client.get(step_url(incident, "close")).text

    page = client.get(step_url(incident, "close")).text
    assert "Root cause" in page and "Why close it now" in page  # early: the caller has not confirmed

    turned_out = CategoryFactory(name="Certificates")
    cause = RootCauseFactory(name="Configuration error")
    client.post(
        step_url(incident, "close"),
        {"version": incident.version, "root_cause": cause.pk, "root_cause_category": turned_out.pk,
         "reason": "confirmed_by_phone", "satisfaction": "4", "minutes_spent": ""},
    )  # fmt: skip

    incident.refresh_from_db()
    assert (incident.state, incident.root_cause, incident.root_cause_category) == (State.CLOSED, cause, turned_out)
    assert (incident.satisfaction, incident.satisfaction_by_phone, incident.closure_reason) == (
        None, 4, "confirmed_by_phone"
    )  # fmt: skip
    assert incident.resolution_code == ResolutionCode.PERMANENT_FIX


def test_a_manager_sees_the_incident_but_no_step(client, operator, manager, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    client.force_login(manager)

    assert buttons(client, incident) == ""
    assert client.get(step_url(incident, "resolve")).status_code == 403


def test_an_unknown_step_is_not_found(client, operator):
    client.force_login(operator)

    assert client.get(step_url(record(operator), "delete")).status_code == 404


def details(incident: Incident, **overrides) -> dict:
    data = {
        "version": incident.version, "short_description": incident.short_description, "symptoms": incident.symptoms,
        "channel": incident.channel, "service": "", "cis": "", "location": "",
        "affected_users": incident.affected_users,
    }  # fmt: skip
    return {**data, **overrides}


def test_the_desk_corrects_details_and_each_change_is_journaled_with_old_and_new(client, operator):
    incident = record(operator)
    ci = ConfigurationItemFactory(name="vpn-gw-02")
    client.force_login(operator)
    assert reverse("incidents:edit", args=[incident.number]) in buttons(client, incident)

    response = client.post(
        reverse("incidents:edit", args=[incident.number]),
        details(incident, short_description="VPN refuses every login", cis="vpn-gw-02", affected_users="12"),
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.short_description, list(incident.cis.all()), incident.affected_users) == (
        "VPN refuses every login", [ci], 12
    )  # fmt: skip
    entry = incident.journal.get(kind="field_changed")
    assert entry.data == {
        "short_description": ["VPN does not connect", "VPN refuses every login"],
        "affected_users": [1, 12],
        "cis": [[], ["vpn-gw-02"]],
    }
    assert entry.incident_version == incident.version


def test_a_stale_details_form_is_refused_and_names_the_change_in_between(client, operator):
    incident = record(operator)
    opened_at = incident.version
    calls.incident_add_call(by=operator, incident_id=incident.pk, caller=incident.caller, symptoms="Again")
    client.force_login(operator)

    response = client.post(
        reverse("incidents:edit", args=[incident.number]),
        details(incident, version=opened_at, short_description="Something else entirely"),
    )

    assert response.status_code == 409 and "has changed since you opened it" in response.text
    incident.refresh_from_db()
    assert incident.short_description == "VPN does not connect"


def test_the_group_may_correct_details_but_a_manager_may_not(client, operator, support_member, manager, network, vpn):
    incident = investigating(operator, vpn, network)
    client.force_login(manager)
    assert client.get(reverse("incidents:edit", args=[incident.number])).status_code == 403
    client.force_login(support_member)

    client.post(reverse("incidents:edit", args=[incident.number]), details(incident, symptoms="Only on Wi-Fi."))

    incident.refresh_from_db()
    assert incident.symptoms == "Only on Wi-Fi."


def test_classifying_shows_the_ranked_known_errors(client, operator, vpn):
    known_error = KnownErrorFactory(title="VPN does not connect after a password change", published=True)
    incident = record(operator)
    client.force_login(operator)

    page = client.get(step_url(incident, "classify")).text

    assert "Known errors that match this incident" in page and known_error.number in page


def test_the_close_page_asks_a_reason_only_when_early_and_no_rating_from_a_caller_who_rated(
    client, operator, support_member, network, vpn
):
    incident = resolved(operator, vpn, network, support_member)
    client.force_login(operator)
    early = client.get(step_url(incident, "close")).text
    assert 'name="reason"' in early and 'name="satisfaction"' in early

    resolution.incident_confirm(incident_id=incident.pk, resolved_at=incident.resolved_at, satisfaction=5)
    confirmed = client.get(step_url(incident, "close")).text

    assert 'name="reason"' not in confirmed  # the caller confirmed: nothing to explain
    assert 'name="satisfaction"' not in confirmed  # their own rating stands
    assert 'name="root_cause"' in confirmed


# --- the primary button: the step the user most likely takes next ----------------------------------------


def primary(client, incident: Incident) -> str | None:
    """The label of the highlighted step on the incident page, if any."""
    found = re.findall(r'class="button primary"[^>]*>([^<]+)<', buttons(client, incident))
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize(
    ("facts", "steps", "expected"),
    [
        ({"state": State.RECORDED}, ["classify"], "classify"),
        ({"state": State.CLASSIFIED}, ["resolve_at_first_line", "escalate", "assign"], "escalate"),
        ({"state": State.CLASSIFIED, "known_errors": True}, ["resolve_at_first_line", "escalate"],
         "resolve_at_first_line"),
        # The desk after escalating: the group acts next, nothing is the desk's to highlight.
        ({"state": State.INVESTIGATING, "with_group": True}, ["escalate", "assign"], None),
        ({"state": State.INVESTIGATING, "with_group": True}, ["escalate", "acknowledge", "assign", "assign_me",
                                                              "resolve"], "acknowledge"),
        ({"state": State.INVESTIGATING, "with_group": True, "acknowledged": True},
         ["escalate", "assign", "assign_me", "resolve"], "assign_me"),
        ({"state": State.INVESTIGATING, "with_group": True, "acknowledged": True, "assigned": True,
          "assigned_to_user": True}, ["escalate", "assign", "resolve"], "resolve"),
        ({"state": State.INVESTIGATING, "with_group": True, "acknowledged": True, "assigned": True},
         ["escalate", "assign", "assign_me", "resolve"], None),  # a colleague has it
        # Taken back by the desk: the desk's choice again, as when classified.
        ({"state": State.INVESTIGATING}, ["resolve_at_first_line", "escalate"], "escalate"),
        ({"state": State.RESOLVED, "closing_early": True}, ["reopen", "close"], None),
        ({"state": State.RESOLVED}, ["reopen", "close"], "close"),
        ({"state": State.RESOLVED}, [], None),  # a support member: nothing of theirs
        ({"state": State.CLOSED}, [], None),
    ],
)  # fmt: skip
def test_the_primary_step_follows_the_state_and_what_the_user_may_do(facts, steps, expected):
    assert primary_step(steps=steps, **facts) == expected


def test_the_desk_is_offered_classify_first_then_escalate_and_nothing_after_escalating(client, operator, network, vpn):
    incident = record(operator)
    client.force_login(operator)
    assert primary(client, incident) == "Classify"

    incident = classified(operator, vpn)
    assert primary(client, incident) == "Escalate"

    incident = escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network.")
    assert "Escalate" in buttons(client, incident)
    assert primary(client, incident) is None


def test_a_matching_known_error_makes_resolving_at_first_line_the_desks_next_step(client, operator, vpn):
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    KnownErrorFactory(title="VPN refuses logins after a certificate renewal", published=True, cis=[gateway])
    incident = classified(operator, vpn, cis=[gateway])
    client.force_login(operator)

    assert primary(client, incident) == "Resolve at first line"
    assert "Apply and resolve" not in buttons(client, incident)


def test_a_support_member_is_offered_acknowledge_then_assign_to_me_then_resolve(
    client, operator, support_member, network, vpn
):
    incident = investigating(operator, vpn, network)
    client.force_login(support_member)
    assert primary(client, incident) == "Acknowledge"

    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    assert primary(client, incident) == "Assign to me"

    escalation.incident_assign(by=support_member, incident_id=incident.pk, assignee=support_member)
    assert primary(client, incident) == "Resolve"


def test_the_desk_is_offered_to_close_once_the_caller_confirmed(client, operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    client.force_login(operator)
    assert "Close" in buttons(client, incident)
    assert primary(client, incident) is None  # closing now would need a reason

    resolution.incident_confirm(incident_id=incident.pk, resolved_at=incident.resolved_at, satisfaction=5)
    assert primary(client, incident) == "Close"
    client.force_login(support_member)
    assert primary(client, incident) is None


def test_resolving_at_first_line_says_so_on_the_page_and_on_its_form(client, operator, vpn):
    incident = classified(operator, vpn)
    client.force_login(operator)

    assert "Resolve at first line" in buttons(client, incident)
    form = client.get(step_url(incident, "resolve-at-first-line")).text
    assert "Apply and resolve" not in form
    assert re.search(r'<button type="submit" class="button primary">Resolve at first line</button>', form)


def test_who_is_refused_before_the_state_or_the_serious_incident_gate(client, support_member, operator):
    """A support member asking for the desk's step on a serious incident with pending notices is told it is
    not theirs (403), not sent back with the gate's message."""
    serious = record(operator, impact=Impact.HIGH, urgency=Urgency.HIGH)
    assert serious.serious_notices_pending
    client.force_login(support_member)

    response = client.get(reverse("incidents:step", args=[serious.number, "classify"]))

    assert response.status_code == 403
