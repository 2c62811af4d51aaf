"""Who gets in with a personal token: a live token of an active user, acting as them; a revoked or expired one, or
one whose user left, is refused (401). A read-only token only reads. The portal's own session works too, with its
CSRF token for a write."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.choices import Impact, Urgency
from servicedesk.api.tokens import token_create, token_for, token_revoke
from servicedesk.models import ApiToken
from tests.clients import SignedInClient
from tests.cmdb.factories import ContactFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
INCIDENTS = "/api/v1/incidents/"
A_CALL = {"caller": "pat@example.com", "short_description": "Outlook will not start", "occurred_at": "now",
          "channel": "email", "impact": Impact.MEDIUM, "urgency": Urgency.HIGH, "affected_users": 1}  # fmt: skip


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def refused_as_unknown(response) -> bool:
    return (
        response.status_code == 401
        and response["Content-Type"] == PROBLEM
        and response["WWW-Authenticate"] == 'Bearer realm="api"'
        and response.json()["detail"] == "The token is unknown, revoked or expired."
    )


def test_a_live_token_acts_as_its_user(operator):
    _token, secret = token_create(user=operator, name="Monitoring", days=30, writes=False)
    assert bearer(secret).get(INCIDENTS).status_code == 200


def test_each_secret_finds_its_own_token_and_user_with_what_they_may_do(operator, manager, django_assert_num_queries):
    mine, my_secret = token_create(user=operator, name="Monitoring", days=30, writes=False)
    theirs, their_secret = token_create(user=manager, name="Reports", days=7, writes=True)
    token_for(my_secret), token_for(their_secret)  # their last use noted: the lookups below only read

    with django_assert_num_queries(3):
        found = [token_for(my_secret), token_for(their_secret), token_for(my_secret + "x")]

    assert found[2] is None
    assert [(token.pk, token.name, token.writes, token.user) for token in found[:2]] == [
        (mine.pk, "Monitoring", False, operator), (theirs.pk, "Reports", True, manager)]  # fmt: skip
    assert found[0].expires_at == mine.expires_at and not found[0]._state.adding
    with django_assert_num_queries(0):
        assert found[0].user.has_perm("incidents.add_incident") and not found[0].user.has_perm("auth.add_user")


def test_a_read_only_token_is_refused_a_write_with_a_problem(operator):
    _token, secret = token_create(user=operator, name="Monitoring", days=30, writes=False)

    response = bearer(secret).post(INCIDENTS, A_CALL, format="json")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "This token is read-only: make a token that may write for this."


def test_a_revoked_token_is_refused(operator):
    token, secret = token_create(user=operator, name="Monitoring", days=30, writes=True)
    client = bearer(secret)
    assert client.get(INCIDENTS).status_code == 200

    token_revoke(user=operator, token_id=token.pk)

    assert refused_as_unknown(client.get(INCIDENTS))


def test_an_expired_token_is_refused(operator):
    _token, secret = token_create(user=operator, name="Monitoring", days=1, writes=False)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, seconds=1)):
        assert refused_as_unknown(bearer(secret).get(INCIDENTS))


def test_the_token_of_a_deactivated_user_is_refused(operator):
    _token, secret = token_create(user=operator, name="Monitoring", days=30, writes=True)
    operator.is_active = False
    operator.save(update_fields=["is_active"])

    assert refused_as_unknown(bearer(secret).get(INCIDENTS))


def test_the_last_use_is_written_at_most_once_a_minute(operator, django_assert_num_queries):
    token, secret = token_create(user=operator, name="Monitoring", days=30, writes=False)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        token_for(secret)
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False), django_assert_num_queries(1):
        token_for(secret)  # the lookup only: no write
    token.refresh_from_db()
    assert token.last_used_at == start

    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        bearer(secret).get(INCIDENTS)
    token.refresh_from_db()
    assert token.last_used_at == start + datetime.timedelta(seconds=61)


def test_a_secret_is_kept_only_as_its_hash(operator):
    token, secret = token_create(user=operator, name="Monitoring", days=30, writes=False)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()

    assert secret.startswith("sdk_") and len(secret) > 40
    assert secret not in {str(value) for value in stored.values()}
    assert stored["prefix"] == secret[:12]


def test_the_portal_session_reads_the_api(operator):
    client = SignedInClient()
    client.force_login(operator)

    response = client.get(INCIDENTS)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_write_with_the_session_needs_the_csrf_token(operator):
    ContactFactory(email="pat@example.com")
    client = SignedInClient(enforce_csrf_checks=True)
    client.force_login(operator)

    response = client.post(INCIDENTS, A_CALL, content_type="application/json")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "CSRF" in response.json()["detail"]

    client.get("/")  # a page sets the CSRF cookie, as the portal's pages do for their script
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(INCIDENTS, A_CALL, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.json()
