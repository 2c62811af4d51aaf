"""The API tokens page: every member of staff makes their own tokens, sees a new secret once (on the response that
made it, nowhere else), and revokes their own tokens only; administrators see and revoke them all in the admin."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from servicedesk.api.tokens import token_create, token_revoke
from servicedesk.models import ApiToken
from tests.clients import SignedInClient

pytestmark = pytest.mark.django_db

PAGE = reverse("api_tokens")
SECRET = re.compile(r"sdk_[A-Za-z0-9_-]{40,}")
# The session, its user (with its unread count, its permissions and roles for the menu), the tokens.
EXPECTED_QUERIES = 3


def signed_in(user, **options) -> SignedInClient:
    client = SignedInClient(**options)
    client.force_login(user)
    return client


def make(client, **fields):
    return client.post(PAGE, {"name": "Monitoring", "days": 30, **fields})


@pytest.mark.parametrize("role", ["operator", "support_member", "manager", "config_manager", "administrator"])
def test_every_role_has_the_page_in_the_user_menu(role, request):
    client = signed_in(request.getfixturevalue(role))

    home = client.get(reverse("home")).text
    page = client.get(PAGE)

    assert f'href="{PAGE}"' in home
    assert page.status_code == 200
    assert "You have no token yet." in page.text
    assert 'name="name"' in page.text and 'name="days"' in page.text and 'name="writes"' in page.text


def test_the_signed_out_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_form_proposes_90_days_read_only_and_says_the_longest(operator, settings):
    settings.API_TOKEN_MAX_DAYS = 180
    page = signed_in(operator).get(PAGE).text

    assert re.search(r'<input type="number" name="days" value="90"[^>]*max="180"', page)
    assert "From 1 to 180." in page
    assert not re.search(r'<input type="checkbox" name="writes"[^>]*checked', page)


def test_a_new_token_is_shown_once_with_how_to_use_it(operator):
    client = signed_in(operator)

    made = make(client)

    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    secret = SECRET.search(made.text).group(0)
    token = ApiToken.objects.get(user=operator)
    assert (token.name, token.writes, token.prefix) == ("Monitoring", False, secret[:12])
    assert "Copy it now: it will not be shown again." in made.text
    assert f"Authorization: Bearer {secret}" in made.text
    assert 'href="/api/docs/"' in made.text
    assert 'data-copy="#new-token-secret"' in made.text
    # Nowhere to be found again: not on the page, not in the session, not in a message waiting to be shown.
    again = client.get(PAGE)
    assert secret not in again.text and not SECRET.search(again.text)
    assert secret not in str(dict(client.session.items()))
    assert "Monitoring" in again.text and f"{secret[:12]}…" in again.text


def test_a_token_that_may_write_says_so_in_the_list(operator):
    client = signed_in(operator)
    make(client, name="Chat bot", writes="on")

    assert ApiToken.objects.get(user=operator).writes
    assert "Reads and writes" in client.get(PAGE).text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"days": 0}, "days", "A token lives from 1 to 365 days."),
        ({"days": 366}, "days", "A token lives from 1 to 365 days."),
        ({"days": "soon"}, "days", "Enter a whole number."),
        ({"name": "x" * 81}, "name", "Ensure this value has at most 80 characters (it has 81)."),
    ],
)
def test_bad_input_is_said_next_to_its_field_and_makes_nothing(operator, fields, field, message):
    response = make(signed_in(operator), **fields)

    assert response.status_code == 400
    assert re.search(rf'<p class="field-error" id="id_{field}_error">{re.escape(message)}</p>', response.text)
    assert not SECRET.search(response.text)
    assert not ApiToken.objects.exists()


def test_a_second_live_token_of_the_same_name_is_refused_by_the_service(operator):
    client = signed_in(operator)
    make(client)

    response = make(client)

    assert response.status_code == 400
    assert "You already have a token of that name." in response.text
    assert ApiToken.objects.count() == 1


def test_an_expired_tokens_name_may_be_given_to_a_new_one(operator):
    old, _secret = token_create(user=operator, name="Monitoring", days=30, writes=False)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client = signed_in(operator)

    assert make(client).status_code == 200

    rows = re.findall(r"<tr>.*?</tr>", client.get(PAGE).text, re.S)[1:]
    assert ["works" in row for row in rows] == [True, False]
    assert "expired" in rows[1] and "revoked" not in rows[1]


def test_the_list_tells_live_revoked_and_expired_tokens_apart(operator):
    token_create(user=operator, name="Live one", days=30, writes=False)
    revoked, _secret = token_create(user=operator, name="Revoked one", days=30, writes=False)
    token_revoke(user=operator, token_id=revoked.pk)
    expired, _secret = token_create(user=operator, name="Expired one", days=30, writes=False)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    rows = re.findall(r"<tr>.*?</tr>", signed_in(operator).get(PAGE).text, re.S)[1:]

    assert [re.search(r"<td>(.*?)</td>", row).group(1) for row in rows] == ["Live one", "Expired one", "Revoked one"]
    assert "works" in rows[0] and "expired" in rows[1] and "revoked" in rows[2]
    assert [("/revoke/" in row) for row in rows] == [True, False, False]


def test_a_token_is_revoked_after_a_confirmation_and_stays_listed(operator):
    token, _secret = token_create(user=operator, name="Monitoring", days=30, writes=True)
    client = signed_in(operator)
    url = reverse("api_token_revoke", args=[token.pk])

    confirmation = client.get(url)
    assert confirmation.status_code == 200
    assert "Revoke “Monitoring”" in confirmation.text
    token.refresh_from_db()
    assert token.revoked_at is None  # asking changes nothing

    response = client.post(url, follow=True)

    assert "“Monitoring” is revoked: a program using it is refused from now on." in response.text
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in response.text and url not in response.text
    assert client.post(url).status_code == 302  # again, from a second tab: nothing more to do


def test_another_users_token_is_not_found(operator, manager):
    theirs, _secret = token_create(user=manager, name="Dashboard feed", days=30, writes=False)
    client = signed_in(operator)
    url = reverse("api_token_revoke", args=[theirs.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "Dashboard feed" not in client.get(PAGE).text


def test_both_forms_carry_a_csrf_token_and_are_refused_without_it(operator):
    token, _secret = token_create(user=operator, name="Monitoring", days=30, writes=False)
    client = signed_in(operator, enforce_csrf_checks=True)
    revoke = reverse("api_token_revoke", args=[token.pk])

    assert 'name="csrfmiddlewaretoken"' in client.get(PAGE).text
    assert 'name="csrfmiddlewaretoken"' in client.get(revoke).text
    assert make(client, name="Other").status_code == 403
    assert client.post(revoke).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1


@pytest.mark.parametrize("count", [2, 20])
def test_the_page_reads_a_fixed_number_of_queries(operator, count, django_assert_num_queries):
    for number in range(count):
        token_create(user=operator, name=f"Token {number}", days=30, writes=bool(number % 2))
    client = signed_in(operator)
    client.get(PAGE)  # the session's first page writes its last activity

    with django_assert_num_queries(EXPECTED_QUERIES):
        response = client.get(PAGE)

    assert response.text.count("/revoke/") == count


def test_administrators_see_every_token_in_the_admin_and_revoke_them(administrator, operator, manager):
    first, secret = token_create(user=operator, name="Monitoring", days=30, writes=False)
    second, _other = token_create(user=manager, name="Dashboard feed", days=30, writes=True)
    client = signed_in(administrator)
    changelist = reverse("admin:servicedesk_apitoken_changelist")

    listed = client.get(changelist)
    detail = client.get(reverse("admin:servicedesk_apitoken_change", args=[first.pk]))

    assert listed.status_code == 200 and "Monitoring" in listed.text and "Dashboard feed" in listed.text
    assert detail.status_code == 200
    assert first.key_hash not in detail.text and secret not in detail.text
    assert 'name="name"' not in detail.text  # nothing to edit
    assert client.get(reverse("admin:servicedesk_apitoken_add")).status_code == 403

    client.post(changelist, {"action": "revoke", "_selected_action": [first.pk, second.pk]})

    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 2
