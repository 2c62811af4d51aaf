"""Saved filters of the queue: private or shared with a group, only the queue's own parameters kept."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.worklists.saved_filters import saved_filter_create, saved_filter_delete, saved_filters_for
from tests.cmdb.factories import SupportGroupFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(network):
    carla = UserFactory(username="carla", first_name="Carla", roles=["Support"])
    network.members.add(carla)
    return carla


def test_a_private_filter_is_the_owners_and_a_shared_one_the_groups(support_member, colleague, network, outsider):
    private = saved_filter_create(by=support_member, name="My P1s", query=QueryDict("priority=1&tab=mine"))
    shared = saved_filter_create(
        by=support_member, name="VPN", query=QueryDict("q=vpn&page=3&evil=1"), shared_with=network
    )

    assert list(saved_filters_for(support_member)) == [private, shared]
    assert list(saved_filters_for(colleague)) == [shared]
    assert list(saved_filters_for(outsider)) == []
    assert (private.query, shared.query) == ("priority=1&tab=mine", "q=vpn")


def test_bad_saves_are_refused_by_field(support_member, network):
    other_group = SupportGroupFactory()
    with pytest.raises(ValidationError) as error:
        saved_filter_create(by=support_member, name=" ", query=QueryDict("page=2"), shared_with=other_group)
    assert set(error.value.message_dict) == {"name", "shared_with"}
    saved_filter_create(by=support_member, name="Mine", query=QueryDict("tab=mine"))

    with pytest.raises(ValidationError, match="already have a filter of that name"):
        saved_filter_create(by=support_member, name="Mine", query=QueryDict("tab=group"))


def test_only_the_owner_deletes(support_member, colleague, network):
    shared = saved_filter_create(by=support_member, name="VPN", query=QueryDict("q=vpn"), shared_with=network)

    with pytest.raises(PermissionDenied, match="who saved it"):
        saved_filter_delete(by=colleague, saved_filter_id=shared.pk)
    saved_filter_delete(by=support_member, saved_filter_id=shared.pk)

    assert list(saved_filters_for(colleague)) == []


def test_the_queue_saves_shows_and_deletes_filters(client, support_member, colleague, network):
    client.force_login(support_member)

    response = client.post(
        reverse("queues:save_filter"), {"name": "Urgent", "shared_with": network.pk, "query": "priority=1&tab=group"}
    )
    assert response["Location"] == f"{reverse('queues:queue')}?priority=1&tab=group"
    client.force_login(colleague)
    page = client.get(reverse("queues:queue")).text
    assert "Urgent" in page and "?priority=1&amp;tab=group" in page
    saved = saved_filters_for(colleague).get()
    assert client.post(reverse("queues:delete_filter", args=[saved.pk])).status_code == 403
    client.force_login(support_member)
    client.post(reverse("queues:delete_filter", args=[saved.pk]))

    assert not saved_filters_for(support_member).exists()


def test_the_queue_offers_the_users_own_groups_to_filter_by_and_share_with_reading_them_once(
    client, support_member, network
):
    service_desk = SupportGroupFactory(name="Application support", members=[support_member])
    SupportGroupFactory(name="Not Sam's")
    client.force_login(support_member)

    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("queues:queue"), {"tab": "group"}).text

    for select in ("assigned_group", "shared_with"):
        options = re.search(rf'<select name="{select}".*?</select>', page, re.S).group(0)
        assert re.findall(r'<option value="(\d+)"', options) == [str(service_desk.pk), str(network.pk)]
    of_groups = [
        query["sql"] for query in captured.captured_queries if query["sql"].startswith('SELECT "cmdb_supportgroup"')
    ]
    assert sum('"cmdb_supportgroup_members"."user_id" =' in sql for sql in of_groups) == 1
