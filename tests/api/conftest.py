"""API clients that call as a real integration would: a personal token in the Authorization header."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from servicedesk.api.tokens import token_create
from tests.incidents.conftest import network, vpn  # noqa: F401  the groups and categories the steps need


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """``api(user)``: a client with a new token of ``user`` (read-write unless ``writes=False``)."""

    made: dict[tuple, str] = {}

    def client_for(user, *, writes: bool = True, name: str = "Integration") -> APIClient:
        key = (user.pk, writes, name)
        if key not in made:
            label = name if not any(known[:1] == (user.pk,) and known[2] == name for known in made) else f"{name} 2"
            made[key] = token_create(user=user, name=label, days=30, writes=writes)[1]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {made[key]}")
        return client

    return client_for
