"""Canned replies: placeholders filled for the incident at hand (and nothing else read), who may manage which,
the pages that manage them, and the picker's two endpoints on an incident."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import formats, timezone

from incidents.canned import services
from incidents.canned.placeholders import check_placeholders, fill_placeholders
from incidents.models import CannedReply, CannedReplyRevision
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.incidents.workflow import investigating, record, resolved

pytestmark = pytest.mark.django_db


def reply(by, title="Thanks", body="Hello {caller_first_name}", group=None) -> CannedReply:
    return services.canned_reply_create(by=by, title=title, body=body, group=group)


# Placeholders


def test_placeholders_are_filled_for_the_incident(operator):
    incident = record(operator, caller=ContactFactory(first_name="Ines", last_name="Ortega"))
    incident.workaround = "Use the web mail."
    incident.responded_at, incident.response_due_at = None, timezone.now() + datetime.timedelta(hours=2)
    due = formats.date_format(timezone.localtime(incident.response_due_at), "DATETIME_FORMAT")

    text = fill_placeholders(
        "Hi {caller_first_name}, about {number}: {workaround} We answer by {due}. {my_name}",
        incident=incident, user=operator,
    )  # fmt: skip

    assert text == f"Hi Ines, about {incident.number}: Use the web mail. We answer by {due}. {operator.get_full_name()}"


def test_the_due_placeholder_is_the_resolution_target_once_answered_and_nothing_once_resolved(
    operator, network, vpn, support_member
):
    incident = record(operator)
    incident.responded_at = timezone.now()
    incident.resolution_due_at = timezone.now() + datetime.timedelta(days=1)
    expected = formats.date_format(timezone.localtime(incident.resolution_due_at), "DATETIME_FORMAT")
    assert fill_placeholders("{due}", incident=incident, user=operator) == expected
    done = resolved(operator, vpn, network, support_member)
    done.resolution_due_at = timezone.now() + datetime.timedelta(days=1)
    assert fill_placeholders("{due}", incident=done, user=operator) == ""


def test_no_attribute_or_format_syntax_is_ever_evaluated(operator):
    incident = record(operator)
    text = "{number.__class__} {caller.first_name} {0} {number!r} {{number}} {unknown}"
    filled = fill_placeholders(text, incident=incident, user=operator)
    assert filled == "{number.__class__} {caller.first_name} {0} {number!r} {" + incident.number + "} {unknown}"


def test_an_unknown_placeholder_is_refused_with_the_known_ones():
    check_placeholders("Hello {caller_first_name}, see {number}.")
    with pytest.raises(ValidationError) as refused:
        check_placeholders("Hello {first_name} and {nme}")
    message = refused.value.messages[0]
    assert "{first_name}, {nme}" in message
    assert "{caller_first_name}" in message and "{due}" in message and "{workaround}" in message


# Who manages which


def test_every_version_is_kept_and_a_reply_is_deactivated_never_deleted(operator):
    created = reply(operator)
    services.canned_reply_update(
        by=operator, reply_id=created.pk, title="Thanks!", body="Hi {caller_first_name}", group=None, active=True
    )
    services.canned_reply_deactivate(by=operator, reply_id=created.pk)

    created.refresh_from_db()
    assert not created.active and created.title == "Thanks!"
    versions = list(CannedReplyRevision.objects.filter(reply=created).order_by("id").values_list("title", "active"))
    assert versions == [("Thanks", True), ("Thanks!", True), ("Thanks!", False)]


def test_a_support_member_manages_their_own_groups_replies_only(support_member, operator):
    mine = SupportGroupFactory(name="Network operations", members=[support_member])
    other = SupportGroupFactory(name="Workplace support")

    assert reply(support_member, group=mine).group == mine
    with pytest.raises(PermissionDenied):
        reply(support_member, group=other)
    with pytest.raises(PermissionDenied):
        reply(support_member, group=None)
    desk_wide = reply(operator)
    with pytest.raises(PermissionDenied):
        services.canned_reply_deactivate(by=support_member, reply_id=desk_wide.pk)
    assert CannedReply.objects.get(pk=desk_wide.pk).active


def test_the_desk_manages_desk_wide_replies_and_managers_all(operator, manager):
    group = SupportGroupFactory(name="Workplace support")
    assert reply(operator).group is None
    with pytest.raises(PermissionDenied):
        reply(operator, group=group)
    assert reply(manager, group=group).group == group


def test_a_role_without_canned_replies_may_not_write_one(config_manager):
    with pytest.raises(PermissionDenied):
        reply(config_manager)
    assert not CannedReply.objects.exists()


# The pages


def test_an_unknown_placeholder_is_refused_on_the_page_and_nothing_saved(client, operator):
    client.force_login(operator)
    response = client.post(reverse("incidents:canned_create"), {"title": "Hi", "body": "Dear {firstname}", "group": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown placeholder: {firstname}" in page and "{caller_first_name}" in page
    assert not CannedReply.objects.exists()


def test_a_reply_is_created_and_changed_from_the_pages(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("incidents:canned_create"), {"title": "Received", "body": "We have {number}.", "group": ""}
    )
    assert response.status_code == 302
    created = CannedReply.objects.get()
    assert created.group is None and created.created_by == operator

    response = client.post(
        reverse("incidents:canned_edit", args=[created.pk]),
        {"title": "Received", "body": "We have {number}, {caller_first_name}.", "group": "", "active": ""},
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.body == "We have {number}, {caller_first_name}." and not created.active
    assert created.revisions.count() == 2


def test_a_support_member_is_offered_only_their_groups_and_may_not_open_the_desks_reply(
    client, operator, support_member
):
    mine = SupportGroupFactory(name="Network operations", members=[support_member])
    SupportGroupFactory(name="Workplace support")
    desk_wide = reply(operator)
    client.force_login(support_member)

    form = client.get(reverse("incidents:canned_create")).context["form"]
    assert [group.name for group in form.fields["group"].queryset] == [mine.name]
    assert client.get(reverse("incidents:canned_edit", args=[desk_wide.pk])).status_code == 403
    assert client.post(reverse("incidents:canned_deactivate", args=[desk_wide.pk])).status_code == 403


@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_searches_in_a_fixed_number_of_queries(client, operator, rows, django_assert_num_queries):
    group = SupportGroupFactory(name="Network operations", members=[operator])
    for index in range(rows):
        reply(operator, title=f"VPN answer {index}", group=group if index % 2 else None)
    reply(operator, title="Printer answer")
    client.force_login(operator)
    client.get(reverse("home"))

    # The session, the user (permissions and roles), the user's groups, the count and the page's rows.
    with django_assert_num_queries(5):
        response = client.get(reverse("incidents:canned_list"), {"q": "vpn"})

    page = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["rows"]) == rows and "Printer answer" not in page


# The picker on an incident


@pytest.fixture
def scoped(operator, support_member, network, outsider):
    """A desk-wide reply, the network group's, another group's, and an inactive one."""
    workplace = outsider.support_groups.get()
    return {
        "desk": reply(operator, title="Desk hello"),
        "network": reply(support_member, title="Network hello", group=network),
        "other": reply(outsider, title="Workplace hello", group=workplace),
        "inactive": services.canned_reply_deactivate(by=operator, reply_id=reply(operator, title="Old hello").pk),
    }


@pytest.mark.parametrize("rows", [2, 20])
def test_the_picker_lists_the_replies_usable_on_the_incident_in_a_fixed_number_of_queries(
    client, operator, network, vpn, scoped, rows, django_assert_num_queries
):
    for index in range(rows):
        reply(operator, title=f"Vpn hello {index}")
    incident = investigating(operator, vpn, network)
    client.force_login(operator)
    client.get(reverse("home"))

    # The session, the user, the incident and the replies (the groups joined).
    with django_assert_num_queries(4):
        response = client.get(reverse("incidents:canned_options", args=[incident.number]), {"q": "hello"})

    page = response.content.decode()
    assert "Desk hello" in page and "Network hello" in page
    assert "Workplace hello" not in page and "Old hello" not in page
    assert page.count('role="option"') == min(2 + rows, 20)


def test_a_group_member_also_gets_their_groups_replies_on_a_desk_incident(client, support_member, operator, scoped):
    incident = record(operator)
    client.force_login(support_member)
    page = client.get(reverse("incidents:canned_options", args=[incident.number])).content.decode()
    assert "Network hello" in page and "Desk hello" in page and "Workplace hello" not in page


def test_the_chosen_reply_comes_filled_for_the_incident(client, operator, django_assert_num_queries, scoped):
    created = reply(operator, title="Fix", body="Hi {caller_first_name}, {number} is in hand.")
    incident = record(operator, caller=ContactFactory(first_name="Ines"))
    client.force_login(operator)
    client.get(reverse("home"))

    with django_assert_num_queries(4):
        response = client.get(reverse("incidents:canned_filled", args=[incident.number, created.pk]))

    assert response.json() == {"title": "Fix", "text": f"Hi Ines, {incident.number} is in hand."}


def test_another_groups_or_an_inactive_reply_is_not_filled(client, operator, scoped):
    incident = record(operator)
    client.force_login(operator)
    for name in ("other", "inactive"):
        url = reverse("incidents:canned_filled", args=[incident.number, scoped[name].pk])
        assert client.get(url).status_code == 404


def test_who_may_not_read_incidents_gets_neither_options_nor_text(client, operator, config_manager, scoped):
    incident = record(operator)
    client.force_login(config_manager)
    assert client.get(reverse("incidents:canned_options", args=[incident.number])).status_code == 403
    url = reverse("incidents:canned_filled", args=[incident.number, scoped["desk"].pk])
    assert client.get(url).status_code == 403


def test_the_journal_and_the_resolution_boxes_offer_the_picker(client, operator, network, vpn, support_member):
    incident = investigating(operator, vpn, network)
    options = reverse("incidents:canned_options", args=[incident.number])
    client.force_login(operator)
    assert f'data-canned="{options}"' in client.get(incident.get_absolute_url()).content.decode()
    client.force_login(support_member)
    step = client.get(reverse("incidents:step", args=[incident.number, "resolve"]))
    assert step.status_code == 200
    assert f'data-canned="{options}"' in step.content.decode()


@pytest.mark.parametrize("versions", [2, 20])
def test_a_replys_page_shows_its_history_in_a_fixed_number_of_queries(
    client, operator, versions, django_assert_num_queries
):
    created = reply(operator, title="Received")
    for index in range(versions - 1):
        services.canned_reply_update(
            by=operator, reply_id=created.pk, title=f"Received {index}", body="Hi", group=None, active=True
        )
    client.force_login(operator)
    client.get(reverse("home"))

    # The session, the user, the reply, the groups offered and the newest versions with their authors.
    with django_assert_num_queries(5):
        response = client.get(reverse("incidents:canned_edit", args=[created.pk]))

    assert response.status_code == 200
    assert response.content.decode().count("<li><time") == versions
