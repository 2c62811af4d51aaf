"""How often the API may be called: each token has its own budget, and a caller without a valid token has its
address's; a call over the budget is told how long to wait (429 with ``Retry-After``), as problem details."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from servicedesk.api.tokens import token_create
from servicedesk.models import ApiToken

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
INCIDENTS = "/api/v1/incidents/"


@pytest.fixture
def rates(settings) -> Callable[..., None]:
    """``rates(token="2/minute", anonymous="2/minute")``: the budgets of ``API_RATE`` and ``API_ANONYMOUS_RATE``."""

    def set_rates(*, token: str = "600/minute", anonymous: str = "60/minute") -> None:  # noqa: S107  rates
        rest = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {"token": token, "anonymous": anonymous}}

    return set_rates


@pytest.fixture
def fresh() -> Iterator[Callable[[str, str], None]]:
    """``fresh(scope, ident)``: that budget starts unspent, and is forgotten after the test. The cache outlives a
    test, and with ``REDIS_URL`` it is the broker's Redis too: never cleared whole."""
    keys: list[str] = []

    def forget(scope: str, ident: str) -> None:
        keys.append(f"throttle_{scope}_{ident}")
        cache.delete(keys[-1])

    yield forget
    cache.delete_many(keys)


def token_client(fresh, user, name: str) -> APIClient:
    token, secret = token_create(user=user, name=name, days=30, writes=False)
    fresh("token", f"token-{token.pk}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_token_over_its_rate_is_told_to_wait_with_problem_details(rates, fresh, operator):
    rates(token="2/minute")
    client = token_client(fresh, operator, "Monitoring")

    assert [client.get(INCIDENTS).status_code for _ in range(2)] == [200, 200]
    refused = client.get(INCIDENTS)

    assert refused.status_code == 429
    assert refused["Content-Type"] == PROBLEM
    assert 0 < int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert (body["status"], body["title"]) == (429, "Too Many Requests")
    assert body["type"].endswith("/throttled")
    assert "seconds" in body["detail"]


def test_two_tokens_of_one_user_have_budgets_of_their_own(rates, fresh, operator):
    rates(token="2/minute")
    monitoring = token_client(fresh, operator, "Monitoring")
    chat_bot = token_client(fresh, operator, "Chat bot")

    assert [monitoring.get(INCIDENTS).status_code for _ in range(3)] == [200, 200, 429]
    assert [chat_bot.get(INCIDENTS).status_code for _ in range(3)] == [200, 200, 429]
    assert ApiToken.objects.filter(user=operator).count() == 2


def test_refused_secrets_spend_their_address_budget(rates, fresh):
    rates(anonymous="2/minute")
    fresh("anonymous", "203.0.113.7")
    fresh("anonymous", "203.0.113.8")
    guesser = APIClient(REMOTE_ADDR="203.0.113.7")

    said = [guesser.get(INCIDENTS, HTTP_AUTHORIZATION=f"Bearer sdk_guess{n}").status_code for n in range(3)]

    assert said == [401, 401, 429]
    # A made-up X-Forwarded-For is no new address (no trusted proxy is configured); another client is.
    forged = guesser.get(INCIDENTS, HTTP_AUTHORIZATION="Bearer sdk_guess", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert forged.status_code == 429
    assert APIClient(REMOTE_ADDR="203.0.113.8").get(INCIDENTS).status_code == 401


def test_calls_without_a_token_spend_their_address_budget_too(rates, fresh):
    rates(anonymous="1/minute")
    fresh("anonymous", "203.0.113.9")
    anonymous = APIClient(REMOTE_ADDR="203.0.113.9")

    assert [anonymous.get(INCIDENTS).status_code for _ in range(2)] == [401, 429]
