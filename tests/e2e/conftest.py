"""Browser tests run against ``live_server``, whose database is flushed after every test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def role_groups(transactional_db):
    """The role groups the data migrations created, with their permissions, which a previous flush removed."""
    from django.contrib.auth.models import Group

    from servicedesk.roles import Role, grant_role_permissions

    for role in Role:
        Group.objects.get_or_create(name=role.value)
    grant_role_permissions()
