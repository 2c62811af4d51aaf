"""Every person of an incident is kept informed: callers whose calls were added, the contacts and addresses the
desk adds; each gets the incident's mails with links of their own, and may answer through them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents.callers.people import people_of_many
from incidents.callers.status import StatusLinkRefused, status_link_open
from incidents.choices import ActivityKind, Impact, ResolutionCode, Urgency
from incidents.journal import notes
from incidents.lifecycle import notices, people, resolution
from incidents.models import Activity, IncidentPerson, OutboxMessage
from incidents.recording import calls
from tests.cmdb.factories import ContactFactory
from tests.incidents import workflow
from tests.incidents.inbound.messages import message, receive

pytestmark = pytest.mark.django_db

ANSWER_LINK = re.compile(r"https?://\S+/incidents/(it-works|still-broken)/(\S+)/")
STATUS_LINK = re.compile(r"https?://\S+/incidents/status/(\S+)/")


@pytest.fixture
def piet():
    return ContactFactory(first_name="Piet", last_name="Bakker", email="piet.bakker@example.org")


@pytest.fixture
def shared(operator, vpn, network, piet):
    """An incident with the group, and a second caller whose call was added to it."""
    incident = workflow.investigating(operator, vpn, network, short_description="VPN drops every hour")
    calls.incident_add_call(by=operator, incident_id=incident.pk, caller=piet, symptoms="Here too, since nine.")
    return incident


def outbox(kind: str) -> dict[str, OutboxMessage]:
    return {row.recipient: row for row in OutboxMessage.objects.filter(kind=kind)}


def test_a_caller_whose_call_was_added_is_told_the_number_and_kept_informed(shared, piet):
    row = IncidentPerson.objects.get(incident=shared, contact=piet)
    assert row.reason == "call_added"

    told = outbox("call_added")[piet.email]
    assert told.subject == f"[{shared.number}] Your call: VPN drops every hour"
    assert "We have added your call to it." in told.body_text
    assert "Dear Piet," in told.body_text
    incident, person = status_link_open(STATUS_LINK.search(told.body_text).group(1))
    assert (incident.pk, person.name) == (shared.pk, "Piet Bakker")


def test_the_same_caller_added_twice_is_one_person_told_once(operator, shared, piet):
    calls.incident_add_call(by=operator, incident_id=shared.pk, caller=piet, symptoms="Again.")
    calls.incident_add_call(by=operator, incident_id=shared.pk, caller=shared.caller, symptoms="The caller again.")

    assert IncidentPerson.objects.filter(incident=shared).count() == 1
    assert len(outbox("call_added")) == 1


def test_updates_workarounds_resolution_and_closure_reach_every_person(operator, support_member, shared, piet):
    notes.incident_send_update(by=support_member, incident_id=shared.pk, text="The provider is on it.")
    notes.incident_provide_workaround(by=support_member, incident_id=shared.pk, workaround="Use the web portal.")
    resolution.incident_resolve(
        by=support_member, incident_id=shared.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="The provider replaced a router.",
    )  # fmt: skip

    everyone = {shared.caller.email, piet.email}
    for kind in ("customer_update", "workaround", "resolved"):
        assert set(outbox(kind)) == everyone, kind
    update = Activity.objects.get(incident=shared, kind=ActivityKind.CUSTOMER_UPDATE)
    assert sorted(update.data["recipients"]) == sorted(everyone)  # the journal says who was told

    # Each has links of their own: Piet's "it works" confirms in his name.
    resolved = outbox("resolved")
    piet_links = dict(ANSWER_LINK.findall(resolved[piet.email].body_text))
    caller_links = dict(ANSWER_LINK.findall(resolved[shared.caller.email].body_text))
    assert piet_links["it-works"] != caller_links["it-works"]


def test_a_person_answers_the_resolution_through_their_own_link(client, support_member, shared, piet):
    resolution.incident_resolve(
        by=support_member, incident_id=shared.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="The provider replaced a router.",
    )  # fmt: skip
    token = dict(ANSWER_LINK.findall(outbox("resolved")[piet.email].body_text))["still-broken"]

    page = client.post(reverse("incidents:caller_still_broken", args=[token]), {"reason": "It dropped at ten."})

    assert page.status_code == 200
    entry = Activity.objects.filter(incident=shared, kind=ActivityKind.STATE_CHANGED).latest("pk")
    assert entry.data["step"] == "reopen" and entry.data["from"] == "Piet Bakker"
    staff = client
    staff.force_login(support_member)
    assert "Piet Bakker" in staff.get(shared.get_absolute_url()).text


def test_closing_tells_every_person(operator, support_member, shared, piet):
    resolution.incident_resolve(
        by=support_member, incident_id=shared.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Router replaced.",
    )  # fmt: skip
    workflow.closed(operator, shared)

    assert set(outbox("closed")) == {shared.caller.email, piet.email}


def test_the_desk_keeps_a_contact_or_an_address_informed(operator, shared):
    facilities = ContactFactory(first_name="Fay", last_name="Cilities", email="fay@example.org")

    people.incident_keep_informed(by=operator, incident_id=shared.pk, contact=facilities)
    people.incident_keep_informed(by=operator, incident_id=shared.pk, email="Team-Lead@Example.org", name="Lea Lead")

    told = outbox("kept_informed")
    assert set(told) == {"fay@example.org", "Team-Lead@Example.org"}
    assert "Dear Lea," in told["Team-Lead@Example.org"].body_text
    entries = Activity.objects.filter(incident=shared, kind=ActivityKind.PEOPLE_CHANGED).order_by("pk")
    assert [entry.text for entry in entries] == ["Fay Cilities is kept informed.", "Lea Lead is kept informed."]
    # From now on they hear what the caller hears.
    notes.incident_send_update(by=operator, incident_id=shared.pk, text="Still on it.")
    assert {"fay@example.org", "Team-Lead@Example.org"} <= set(outbox("customer_update"))


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({}, "Pick a contact, or type an e-mail address"),
        ({"email": "not an address"}, "Enter an e-mail address"),
        ({"email": "PIET.BAKKER@example.org"}, "Piet Bakker is already kept informed"),
        ({"caller": True}, "is already kept informed"),
    ],
)
def test_who_cannot_be_added_is_refused_with_a_reason_and_nothing_changes(operator, shared, values, said):
    if values.pop("caller", False):
        values["contact"] = shared.caller
    before = (IncidentPerson.objects.count(), Activity.objects.count(), OutboxMessage.objects.count())

    with pytest.raises(ValidationError) as refused:
        people.incident_keep_informed(by=operator, incident_id=shared.pk, **values)

    assert said in " ".join(refused.value.messages)
    assert (IncidentPerson.objects.count(), Activity.objects.count(), OutboxMessage.objects.count()) == before


def test_only_the_desk_and_the_assigned_group_choose_who_is_kept_informed(outsider, support_member, shared):
    with pytest.raises(PermissionDenied):
        people.incident_keep_informed(by=outsider, incident_id=shared.pk, email="x@example.org")

    people.incident_keep_informed(by=support_member, incident_id=shared.pk, email="x@example.org")
    assert IncidentPerson.objects.filter(incident=shared, email="x@example.org").exists()


def test_a_closed_incident_takes_nobody_more(operator, support_member, shared):
    resolution.incident_resolve(
        by=support_member, incident_id=shared.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Router replaced.",
    )  # fmt: skip
    workflow.closed(operator, shared)

    with pytest.raises(ValidationError, match="is closed"):
        people.incident_keep_informed(by=operator, incident_id=shared.pk, email="late@example.org")


def test_someone_no_longer_kept_informed_loses_their_links(client, operator, support_member, shared, piet):
    status_token = STATUS_LINK.search(outbox("call_added")[piet.email].body_text).group(1)
    resolution.incident_resolve(
        by=support_member, incident_id=shared.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Router replaced.",
    )  # fmt: skip
    works = dict(ANSWER_LINK.findall(outbox("resolved")[piet.email].body_text))["it-works"]
    row = IncidentPerson.objects.get(incident=shared, contact=piet)

    entry = people.incident_stop_informing(by=operator, incident_id=shared.pk, person_id=row.pk)

    assert entry.text == "Piet Bakker is no longer kept informed."
    with pytest.raises(StatusLinkRefused) as refused:
        status_link_open(status_token)
    assert refused.value.refusal.status == 410
    page = client.get(reverse("incidents:caller_it_works", args=[works]))
    assert page.status_code == 410
    assert "no longer keeps informed" in page.text
    # The caller cannot be removed: they are the incident's own.
    with pytest.raises(ValidationError):
        people.incident_stop_informing(by=operator, incident_id=shared.pk, person_id=0)


def test_a_reply_from_a_kept_informed_address_is_theirs_not_the_intakes(operator, shared):
    people.incident_keep_informed(by=operator, incident_id=shared.pk, email="lea@example.org", name="Lea Lead")

    mail_in = receive(message(sender="Lea Lead <lea@example.org>", subject=f"Re: [{shared.number}] VPN",
                              body="Our whole team is affected."))  # fmt: skip

    assert mail_in.state == "reply"
    entry = Activity.objects.get(incident=shared, kind=ActivityKind.CALLER_REPLIED)
    assert (entry.data["from"], entry.text) == ("Lea Lead", "Our whole team is affected.")


def test_informing_the_users_reaches_every_person_and_the_subordinates_people(operator, shared, piet):
    serious = workflow.record(operator, short_description="Mail is down", impact=Impact.HIGH, urgency=Urgency.HIGH)
    sub = workflow.record(operator, parent=serious, caller=ContactFactory(email="sub.caller@example.org"))
    people.incident_keep_informed(by=operator, incident_id=serious.pk, email="lea@example.org", name="Lea Lead")
    mail.outbox.clear()

    notices.incident_inform_users(by=operator, incident_id=serious.pk, subject="Mail is down", body="We know.")

    told = outbox("users_informed")
    assert {serious.caller.email, "lea@example.org", sub.caller.email} <= set(told)
    assert {row.subject for row in told.values()} == {f"[{serious.number}] Mail is down"}


def test_informing_the_users_through_a_distribution_list_sends_one_mail(operator):
    serious = workflow.record(operator, short_description="Mail is down", impact=Impact.HIGH, urgency=Urgency.HIGH)

    with pytest.raises(ValidationError) as refused:
        notices.incident_inform_users(by=operator, incident_id=serious.pk, subject="Down", body="We know.",
                                      distribution_list="all staff")  # fmt: skip
    assert "distribution list" in " ".join(refused.value.messages)
    assert not outbox("users_informed")

    notices.incident_inform_users(by=operator, incident_id=serious.pk, subject=f"[{serious.number}] Down",
                                  body="We know.", distribution_list="all-staff@example.org")  # fmt: skip

    assert list(outbox("users_informed")) == ["all-staff@example.org"]
    assert outbox("users_informed")["all-staff@example.org"].subject == f"[{serious.number}] Down"  # not twice


def test_the_people_panel_lists_them_and_lets_the_desk_add_and_stop(client, operator, outsider, shared, piet):
    client.force_login(operator)
    page = client.get(shared.get_absolute_url()).text
    assert "Kept informed" in page and "Piet Bakker" in page and "Their call was added" in page

    added = client.post(reverse("incidents:keep_informed", args=[shared.number]),
                        {"people-email": "lea@example.org", "people-name": "Lea Lead"}, follow=True)  # fmt: skip
    assert "Lea Lead is kept informed from now on." in added.text
    refused = client.post(reverse("incidents:keep_informed", args=[shared.number]),
                          {"people-email": "lea@example.org"}, follow=True)  # fmt: skip
    assert "Lea Lead is already kept informed" in refused.text
    row = IncidentPerson.objects.get(incident=shared, email="lea@example.org")
    stopped = client.post(reverse("incidents:stop_informing", args=[shared.number, row.pk]), follow=True)
    assert "Lea Lead is no longer kept informed." in stopped.text

    client.force_login(outsider)
    assert "Also keep informed" not in client.get(shared.get_absolute_url()).text
    forbidden = client.post(reverse("incidents:keep_informed", args=[shared.number]), {"people-email": "x@example.org"})
    assert forbidden.status_code == 403
    assert not IncidentPerson.objects.filter(email="x@example.org").exists()


def test_the_status_link_of_a_subordinates_caller_opens_on_the_master(operator, piet):
    master = workflow.record(operator, short_description="Mail is down")
    sub = workflow.record(operator, parent=master, caller=piet)
    told = OutboxMessage.objects.get(incident=sub, kind="recorded")
    _incident, person = status_link_open(STATUS_LINK.search(told.body_text).group(1))
    assert person.name == "Piet Bakker"
    assert urlsplit(STATUS_LINK.search(told.body_text).group(0)).path.startswith("/incidents/status/")


def test_someone_kept_informed_who_says_it_is_still_broken_is_named_not_called_the_caller(
    client, support_member, shared, piet
):
    resolution.incident_resolve(
        by=support_member, incident_id=shared.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Router replaced.",
    )  # fmt: skip
    token = dict(ANSWER_LINK.findall(outbox("resolved")[piet.email].body_text))["still-broken"]

    client.post(reverse("incidents:caller_still_broken", args=[token]), {"reason": "Dropped again."})

    staff_mail = OutboxMessage.objects.filter(kind="reopened_by_caller").first()
    assert staff_mail.subject.startswith(f"[{shared.number}] Reopened by Piet Bakker:")
    status = STATUS_LINK.search(outbox("call_added")[piet.email].body_text).group(1)
    page = client.get(reverse("incidents:status_page", args=[status])).text
    assert "Piet Bakker" in page


def test_an_address_without_a_name_is_greeted_as_a_colleague(operator, shared):
    people.incident_keep_informed(by=operator, incident_id=shared.pk, email="facilities@example.org")

    told = outbox("kept_informed")["facilities@example.org"]
    assert "Dear colleague," in told.body_text and "Dear ," not in told.body_text


@pytest.mark.parametrize("count", [2, 6])
def test_the_people_of_many_incidents_are_read_in_two_queries(operator, piet, count, django_assert_num_queries):
    incidents = [workflow.record(operator) for _ in range(count)]
    calls.incident_add_call(by=operator, incident_id=incidents[0].pk, caller=piet, symptoms="Me too.")

    with django_assert_num_queries(2):
        found = people_of_many(incidents)

    assert [person.name for person in found[incidents[0].pk]] == [incidents[0].caller.full_name, "Piet Bakker"]
    assert all(len(found[incident.pk]) == 1 for incident in incidents[1:])
