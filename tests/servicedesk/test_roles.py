"""Roles are groups that exist on every installation and receive the permissions mapped to them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from servicedesk import roles
from servicedesk.roles import Role, has_role, user_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_migrations_create_a_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Service desk", "Support", "Managers"}


def test_role_permissions_are_granted_after_migrate(monkeypatch):
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, Role.MANAGERS, ("auth.view_user",))

    roles.grant_role_permissions()

    manager = UserFactory(roles=["Managers"])
    operator = UserFactory(roles=["Service desk"])
    assert manager.has_perm("auth.view_user")
    assert not operator.has_perm("auth.view_user")


def test_user_roles_are_read_once_per_user_object(django_assert_num_queries):
    user = UserFactory(roles=["Support", "Managers"])

    with django_assert_num_queries(1):
        assert user_roles(user) == {Role.SUPPORT, Role.MANAGERS}
        assert has_role(user, Role.SUPPORT)
        assert not has_role(user, Role.SERVICE_DESK)
