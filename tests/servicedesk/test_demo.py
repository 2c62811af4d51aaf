"""The demo data set: one account per role, password "demo", safe to load twice."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from servicedesk.demo import DEMO_PASSWORD, load_demo
from servicedesk.roles import Role, user_roles

pytestmark = pytest.mark.django_db


def test_demo_accounts_have_their_roles_and_the_demo_password():
    assert load_demo() == ["operator", "support", "manager", "admin"]

    users = {user.username: user for user in get_user_model().objects.all()}
    assert user_roles(users["operator"]) == {Role.SERVICE_DESK}
    assert user_roles(users["support"]) == {Role.SUPPORT}
    assert user_roles(users["manager"]) == {Role.MANAGERS}
    assert users["admin"].is_superuser
    assert not users["operator"].is_staff
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())


def test_loading_the_demo_twice_creates_nothing_twice():
    load_demo()
    load_demo()

    assert get_user_model().objects.count() == 4
