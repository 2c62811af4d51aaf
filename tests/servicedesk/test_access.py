"""A signed-in user's permissions and roles come with the user's own statement, and are never stale."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.mail.bell import StaffBackend
from servicedesk.api.tokens import token_create, token_for

pytestmark = pytest.mark.django_db


def test_a_page_reads_the_session_and_the_user_then_nothing_about_permissions(client, operator):
    client.force_login(operator)

    with CaptureQueriesContext(connection) as statements:
        response = client.get(reverse("incidents:record"))

    assert response.status_code == 200
    tables = [query["sql"] for query in statements.captured_queries[:2]]
    assert '"django_session"' in tables[0] and 'FROM "auth_user"' in tables[1]
    assert not any(
        query["sql"].startswith(('SELECT "auth_permission"', 'SELECT "auth_group"', 'SELECT "django_content_type"'))
        for query in statements.captured_queries
    )


def test_a_role_taken_away_counts_on_the_very_next_request(client, operator):
    client.force_login(operator)
    assert client.get(reverse("incidents:record")).status_code == 200

    operator.groups.remove(Group.objects.get(name="Service desk"))

    assert client.get(reverse("incidents:record")).status_code == 403


def test_a_permission_given_to_the_user_alone_counts_too(operator):
    permission = Permission.objects.get(codename="view_user", content_type__app_label="auth")
    operator.user_permissions.add(permission)

    user = StaffBackend().get_user(operator.pk)

    desk = Group.objects.get(name="Service desk").permissions.select_related("content_type")
    assert desk and all(user.has_perm(f"{p.content_type.app_label}.{p.codename}") for p in desk)
    assert user.has_perm("auth.view_user") and not user.has_perm("auth.delete_user")


def test_an_administrator_still_holds_every_permission(administrator):
    user = StaffBackend().get_user(administrator.pk)

    assert user.has_perm("auth.delete_user") and user.has_perm("cmdb.change_service")


def test_a_token_carries_its_users_permissions_and_loses_them_with_the_role(operator):
    secret = token_create(user=operator, name="Script", days=1, writes=False)[1]
    assert token_for(secret).user.has_perm("incidents.view_incident")

    operator.groups.clear()

    assert not token_for(secret).user.has_perm("incidents.view_incident")
