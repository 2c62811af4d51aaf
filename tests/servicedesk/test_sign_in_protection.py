"""Sign-in protection: lockout by account and by address, the wait, the unlock, and the security log."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from servicedesk.signin.address import client_address
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"
WRONG = "not-the-password-1234"
LOCKED = "Too many failed sign-ins for this account or address. Try again in 15 minutes"


def sign_in(client, username, password, address=HOME, agent="TestBrowser/1.0"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, HTTP_USER_AGENT=agent
    )


def fail(client, username, times, address=HOME):
    return [sign_in(client, username, WRONG, address) for _ in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_four_wrong_passwords_are_only_wrong_passwords(client, operator):
    responses = fail(client, "olivia", 4)

    assert [response.status_code for response in responses] == [200] * 4
    assert "Please enter a correct username and password" in responses[-1].text
    assert sign_in(client, "olivia", PASSWORD).status_code == 302


def test_after_five_wrong_passwords_the_right_one_is_refused_with_the_wait(client, operator):
    fifth = fail(client, "olivia", 5)[-1]
    assert fifth.status_code == 429

    response = sign_in(client, "olivia", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert LOCKED in response.text
    assert "ask an administrator to unlock it" in response.text
    assert 'name="username"' in response.text
    assert not signed_in(client)


def test_an_unknown_account_is_locked_out_with_the_same_words(client, operator):
    known = fail(client, "olivia", 5, address=HOME)[-1]
    unknown = fail(client, "nobody-here", 5, address=ELSEWHERE)[-1]

    assert unknown.status_code == known.status_code == 429
    assert LOCKED in unknown.text


def test_the_locked_account_is_refused_from_another_address(client, operator):
    fail(client, "olivia", 5, address=HOME)

    response = sign_in(client, "olivia", PASSWORD, address=ELSEWHERE)

    assert response.status_code == 429
    assert not signed_in(client)


def test_another_account_is_refused_from_the_locked_address_but_not_from_elsewhere(client, operator, support_member):
    fail(client, "olivia", 5, address=HOME)

    assert sign_in(client, "sam", PASSWORD, address=HOME).status_code == 429
    assert sign_in(client, "sam", PASSWORD, address=ELSEWHERE).status_code == 302


def test_failures_spread_over_accounts_lock_the_address(client, operator, support_member):
    for username in ["a", "b", "c", "d", "e"]:
        sign_in(client, username, WRONG, address=HOME)

    assert sign_in(client, "olivia", PASSWORD, address=HOME).status_code == 429
    assert sign_in(client, "olivia", PASSWORD, address=ELSEWHERE).status_code == 302


def test_the_lock_by_account_and_address_together_leaves_other_addresses_alone(client, operator, settings):
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
    fail(client, "olivia", 5, address=HOME)

    assert sign_in(client, "olivia", PASSWORD, address=HOME).status_code == 429
    assert sign_in(client, "olivia", PASSWORD, address=ELSEWHERE).status_code == 302


def test_sign_in_works_again_after_the_cool_off(client, operator):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "olivia", 5)
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        # A try during the lockout starts the wait again.
        assert sign_in(client, "olivia", PASSWORD).status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=14 + 14), tick=False):
        assert sign_in(client, "olivia", PASSWORD, address=ELSEWHERE).status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=28 + 16), tick=False):
        assert sign_in(client, "olivia", PASSWORD).status_code == 302


def test_the_limit_and_the_wait_follow_the_settings(client, operator, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=1)

    response = fail(client, "olivia", 2)[-1]

    assert response.status_code == 429
    assert "Try again in 1 minute, or ask" in response.text
    assert response["Retry-After"] == "60"


def test_a_successful_sign_in_resets_the_failures(client, operator):
    fail(client, "olivia", 4)
    assert sign_in(client, "olivia", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    fail(client, "olivia", 4)

    assert sign_in(client, "olivia", PASSWORD).status_code == 302


def test_an_administrator_unlocks_an_account_in_the_admin(client, operator, administrator):
    fail(client, "olivia", 5)
    attempt = AccessAttempt.objects.get(username="olivia")
    admin = client.__class__()
    admin.force_login(administrator)

    changelist = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "olivia" in changelist.text
    admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "olivia", PASSWORD).status_code == 302


def test_an_administrator_unlocks_an_account_with_the_command(client, operator):
    fail(client, "olivia", 5)

    call_command("axes_reset_username", "olivia", stdout=io.StringIO())

    assert sign_in(client, "olivia", PASSWORD).status_code == 302


@pytest.mark.parametrize("model", ["accessattempt", "accesslog", "accessfailurelog"])
def test_the_admin_shows_attempts_and_sign_ins_to_administrators_only(client, operator, administrator, model):
    url = reverse(f"admin:axes_{model}_changelist")
    client.force_login(operator)
    assert client.get(url).status_code == 302

    client.force_login(administrator)
    assert client.get(url).status_code == 200


def test_sign_ins_failures_lockouts_and_sign_outs_are_logged_without_the_password(client, operator, caplog):
    caplog.set_level(logging.INFO, logger="servicedesk.security")

    sign_in(client, "olivia", PASSWORD)
    client.post(reverse("logout"), REMOTE_ADDR=HOME, HTTP_USER_AGENT="TestBrowser/1.0")
    fail(client, "olivia", 5)

    lines = [record.getMessage() for record in caplog.records if record.name == "servicedesk.security"]
    assert lines[0] == "sign-in: username='olivia' address=10.0.0.1 agent='TestBrowser/1.0'"
    assert lines[1] == "sign-out: username='olivia' address=10.0.0.1 agent='TestBrowser/1.0'"
    assert lines[2] == "sign-in failed: username='olivia' address=10.0.0.1 agent='TestBrowser/1.0'"
    assert lines.count("sign-in locked out: username='olivia' address=10.0.0.1 agent='TestBrowser/1.0'") == 1
    assert [record.levelname for record in caplog.records][:3] == ["INFO", "INFO", "WARNING"]
    assert PASSWORD not in caplog.text
    assert WRONG not in caplog.text


def test_a_username_cannot_forge_a_line_in_the_log(client, caplog):
    caplog.set_level(logging.INFO, logger="servicedesk.security")

    sign_in(client, "x\nsign-in: username='ada'", WRONG)

    assert "\n" not in caplog.records[-1].getMessage()


def test_the_admin_keeps_sign_ins_sign_outs_and_failures_without_secrets(client, operator):
    sign_in(client, "olivia", PASSWORD)
    client.post(reverse("logout"), REMOTE_ADDR=HOME)
    fail(client, "olivia", 2)

    access = AccessLog.objects.get(username="olivia")
    assert access.ip_address == HOME
    assert access.logout_time is not None
    assert AccessFailureLog.objects.filter(username="olivia", ip_address=HOME).count() == 2
    attempt = AccessAttempt.objects.get(username="olivia")
    assert WRONG not in attempt.post_data
    assert "csrfmiddlewaretoken" not in attempt.post_data or "********" in attempt.post_data


def test_sign_out_by_get_does_not_sign_out(client, operator):
    client.force_login(operator)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert signed_in(client)
    client.post(reverse("logout"))
    assert not signed_in(client)


class TestClientAddress:
    def request(self, remote="192.0.2.10", forwarded=None):
        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **extra)

    def test_without_proxies_the_header_is_not_trusted(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0

        assert client_address(self.request(forwarded="203.0.113.5")) == "192.0.2.10"

    def test_behind_one_proxy_the_address_it_appended(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1

        assert client_address(self.request(forwarded="6.6.6.6, 203.0.113.5")) == "203.0.113.5"

    def test_behind_two_proxies_the_address_the_outer_one_saw(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2

        assert client_address(self.request(forwarded="6.6.6.6, 203.0.113.5, 198.51.100.1")) == "203.0.113.5"

    @pytest.mark.parametrize("forwarded", [None, "", "not-an-address"])
    def test_a_request_that_did_not_come_through_the_proxy_is_known_by_its_connection(self, settings, forwarded):
        settings.TRUSTED_PROXY_COUNT = 1

        assert client_address(self.request(forwarded=forwarded)) == "192.0.2.10"

    def test_the_lockout_counts_the_forwarded_address(self, client, operator, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        for _ in range(5):
            client.post(
                reverse("login"), {"username": "x", "password": WRONG}, REMOTE_ADDR=HOME, HTTP_X_FORWARDED_FOR="1.2.3.4"
            )

        assert AccessAttempt.objects.get().ip_address == "1.2.3.4"
        response = client.post(
            reverse("login"),
            {"username": "olivia", "password": PASSWORD},
            REMOTE_ADDR=HOME,
            HTTP_X_FORWARDED_FOR="5.6.7.8",
        )
        assert response.status_code == 302
