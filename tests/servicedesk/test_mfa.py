"""Two-factor sign-in: setting up the app, the code after the password, recovery codes, the roles that require
it, throttling, and the admin. Django's plain ``Client`` and the real sign-in form throughout: the suite's
client (tests/clients.py) would give the second factor away."""

from __future__ import annotations

import datetime
import logging
import re
from base64 import b32decode

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from servicedesk.admin_site import AdministratorsOnlySite
from servicedesk.twofactor.devices import totp_enrol
from servicedesk.twofactor.state import STATE, VERIFIED
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_CODE = "000000"
ENROL_URL = "/accounts/two-factor/"
CODE_URL = "/accounts/two-factor/code/"


@pytest.fixture
def browser() -> Client:
    return Client()


def sign_in(client: Client, username: str):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"
    return response


def app_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now (or ``steps_ahead`` steps of 30 s later)."""
    return f"{TOTP(key, drift=steps_ahead).token():06d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """The user's app set up through the service, its first code not used yet."""
    return totp_enrol(user=user, key=random_hex(20), step=-1)


def secret_on(page: str) -> bytes:
    shown = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1)
    return b32decode(shown.replace(" ", ""))


def code_of(user) -> str:
    return app_code(TOTPDevice.objects.get(user=user).bin_key)


def enter(client: Client, code: str, next_url: str = ""):
    return client.post(CODE_URL, {"code": code, "next": next_url})


# Setting up


def test_the_set_up_page_shows_a_qr_code_and_the_key_to_type(browser, operator):
    sign_in(browser, "olivia")

    page = browser.get(ENROL_URL).text

    assert '<svg width="' in page
    assert 'class="qr"' in page
    assert "QR code for your authenticator app" in page
    assert len(secret_on(page)) == 20
    # The key stays the same on a reload (kept in the session), and no device exists before the first code.
    assert secret_on(browser.get(ENROL_URL).text) == secret_on(page)
    assert not TOTPDevice.objects.exists()


def test_the_first_code_turns_it_on_and_shows_ten_recovery_codes_once(browser, operator):
    sign_in(browser, "olivia")
    key = secret_on(browser.get(ENROL_URL).text)

    response = browser.post(ENROL_URL, {"code": app_code(key)})

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=operator)
    assert device.confirmed
    assert device.bin_key == key
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.text)
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=operator).values_list("token", flat=True))
    assert browser.session[STATE] == VERIFIED
    again = browser.get(ENROL_URL).text
    assert "You have 10 recovery codes left." in again
    assert not any(code in again for code in codes)


def test_a_wrong_first_code_is_refused_and_sets_nothing_up(browser, operator):
    sign_in(browser, "olivia")
    browser.get(ENROL_URL)

    response = browser.post(ENROL_URL, {"code": WRONG_CODE})

    assert response.status_code == 200
    assert "That is not the code the app shows now" in response.text
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()


def test_the_user_menu_links_to_two_factor_sign_in(browser, operator):
    sign_in(browser, "olivia")

    assert f'href="{ENROL_URL}"' in browser.get("/").text


# The code after the password


def test_with_an_app_the_password_leads_to_the_code_page_for_every_page(browser, operator):
    enrolled(operator)
    sign_in(browser, "olivia")

    for url in ["/", "/incidents/", "/cmdb/contacts/", "/accounts/sessions/", ENROL_URL]:
        response = browser.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{CODE_URL}?next={url.replace('/', '%2F')}"
    assert browser.get(CODE_URL).status_code == 200


def test_a_good_code_gets_in_and_goes_where_the_user_was_going(browser, operator):
    enrolled(operator)
    sign_in(browser, "olivia")

    response = enter(browser, code_of(operator), next_url="/incidents/")

    assert response.status_code == 302
    assert response.url == "/incidents/"
    assert browser.get("/").status_code == 200
    assert browser.get(CODE_URL).url == "/"


def test_a_wrong_code_keeps_the_session_out_and_is_logged_without_the_code(browser, operator, caplog):
    caplog.set_level(logging.INFO, logger="servicedesk.security")
    enrolled(operator)
    sign_in(browser, "olivia")

    response = enter(browser, "123456")

    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert browser.get("/").status_code == 302
    refused = [record for record in caplog.records if record.getMessage().startswith("two-factor code refused")]
    assert len(refused) == 1
    assert refused[0].levelno == logging.WARNING
    assert "'olivia'" in refused[0].getMessage()
    assert "123456" not in caplog.text


def test_a_recovery_code_gets_in_once(browser, operator, caplog):
    caplog.set_level(logging.INFO, logger="servicedesk.security")
    _, codes = enrolled(operator)
    sign_in(browser, "olivia")

    response = enter(browser, codes[3].upper()[:4] + "-" + codes[3][4:])

    assert response.status_code == 302
    assert "You used a recovery code: 9 are left." in browser.get("/").text
    assert "two-factor code accepted to sign in" in caplog.text
    browser.post(reverse("logout"))
    sign_in(browser, "olivia")
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        assert "That code is not right, or it has been used already." in enter(browser, codes[3]).text
    assert browser.get("/").status_code == 302


def test_a_code_cannot_be_used_twice(browser, operator):
    enrolled(operator)
    code = code_of(operator)
    sign_in(browser, "olivia")
    enter(browser, code)
    other = Client()
    sign_in(other, "olivia")

    assert "That code is not right" in enter(other, code).text


def test_wrong_codes_make_the_next_try_wait_even_with_the_right_code(browser, operator, caplog):
    caplog.set_level(logging.INFO, logger="servicedesk.security")
    _, recovery = enrolled(operator)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(browser, "olivia")
        enter(browser, "111111")
        enter(browser, "222222")  # 1 s later at most: the second is already refused by the wait
        throttled = enter(browser, code_of(operator))
        also_throttled = enter(browser, recovery[0])
    assert "Too many wrong codes. Wait" in throttled.text
    assert "Too many wrong codes. Wait" in also_throttled.text
    assert "two-factor code throttled to sign in" in caplog.text
    assert browser.get("/").status_code == 302
    with time_machine.travel(start + datetime.timedelta(seconds=3), tick=False):
        assert enter(browser, code_of(operator)).status_code == 302
    assert TOTPDevice.objects.get(user=operator).throttling_failure_count == 0


def test_each_wrong_code_doubles_the_wait(browser, operator):
    enrolled(operator)
    start = timezone.now()
    sign_in(browser, "olivia")
    waited = 0
    for failures in range(1, 6):
        with time_machine.travel(start + datetime.timedelta(seconds=waited), tick=False):
            assert "That code is not right" in enter(browser, WRONG_CODE).text
        assert TOTPDevice.objects.get(user=operator).throttling_failure_count == failures
        waited += 2 ** (failures - 1)
    with time_machine.travel(start + datetime.timedelta(seconds=waited - 1), tick=False):
        assert "Wait 1 second, then try again" in enter(browser, code_of(operator)).text


def test_the_code_page_goes_nowhere_outside_the_portal(browser, operator):
    enrolled(operator)
    sign_in(browser, "olivia")

    assert enter(browser, code_of(operator), next_url="https://elsewhere.example/").url == "/"


def test_signing_out_stays_open_while_the_code_is_owed(browser, operator):
    enrolled(operator)
    sign_in(browser, "olivia")

    assert browser.post(reverse("logout")).url == reverse("login")
    assert "_auth_user_id" not in browser.session


def test_an_htmx_request_is_sent_to_the_code_page_as_a_whole(browser, operator):
    enrolled(operator)
    sign_in(browser, "olivia")

    response = browser.get("/incidents/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(CODE_URL)


# Roles that require it


def test_administrators_are_required_to_set_it_up_by_default(browser, administrator):
    sign_in(browser, "ada")

    for url in ["/", "/incidents/", "/admin/", "/admin/auth/user/", CODE_URL]:
        assert browser.get(url).url == ENROL_URL, url
    page = browser.get(ENROL_URL)
    assert page.status_code == 200
    assert "Your role requires two-factor sign-in" in page.text
    assert browser.post(reverse("logout")).url == reverse("login")


def test_a_role_named_in_the_setting_is_required_to_set_it_up(browser, operator, settings):
    settings.MFA_REQUIRED_ROLES = ["administrators", "service DESK"]
    sign_in(browser, "olivia")

    for url in ["/", "/incidents/", "/cmdb/contacts/", "/accounts/sessions/", "/accounts/password/"]:
        assert browser.get(url).url == ENROL_URL, url
    key = secret_on(browser.get(ENROL_URL).text)
    browser.post(ENROL_URL, {"code": app_code(key)})
    assert browser.get("/").status_code == 200


def test_without_a_required_role_or_an_app_the_password_is_enough(browser, operator, support_member, settings):
    settings.MFA_REQUIRED_ROLES = ["administrators", "Service desk"]
    sign_in(browser, "sam")

    assert browser.get("/").status_code == 200
    assert browser.get(CODE_URL).url == "/"


def test_with_no_role_required_an_administrator_signs_in_with_the_password(browser, administrator, settings):
    settings.MFA_REQUIRED_ROLES = []
    sign_in(browser, "ada")

    assert browser.get("/admin/").status_code == 200


def test_a_misspelt_role_stops_the_checks(settings):
    settings.MFA_REQUIRED_ROLES = ["administrators", "Suport"]

    with pytest.raises(SystemCheckError, match="MFA_REQUIRED_ROLES names unknown roles: suport"):
        call_command("check")


def test_a_session_from_before_two_factor_sign_in_is_stopped_too(browser, administrator):
    browser.force_login(administrator)
    session = browser.session
    del session[STATE]
    session.save()

    assert browser.get("/").url == ENROL_URL


# The admin


def test_the_admin_refuses_a_superuser_who_owes_the_code_even_without_the_gate(browser, administrator, settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith("TwoFactorGate")]
    enrolled(administrator)
    sign_in(browser, "ada")

    assert browser.get("/admin/").url.startswith("/admin/login/")
    enter(browser, code_of(administrator))
    assert browser.get("/admin/").status_code == 200


def test_the_admin_site_asks_for_a_verified_session():
    site = AdministratorsOnlySite()
    request = RequestFactory().get("/admin/")
    request.user = AnonymousUser()
    request.session = SessionStore()

    assert not site.has_permission(request)


# Changing it


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(browser, operator):
    _, old = enrolled(operator)
    sign_in(browser, "olivia")
    enter(browser, old[0])

    refused = browser.post(reverse("two_factor_recovery_codes"), {"renew-code": WRONG_CODE}, follow=True)
    assert "That code is not right" in refused.text
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        response = browser.post(reverse("two_factor_recovery_codes"), {"renew-code": code_of(operator)})

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.text)
    assert len(new) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert not set(old) & set(new)


def test_removing_it_needs_a_code_and_then_the_password_is_enough(browser, operator):
    enrolled(operator)
    sign_in(browser, "olivia")
    enter(browser, code_of(operator))

    refused = browser.post(reverse("two_factor_remove"), {"remove-code": WRONG_CODE}, follow=True)
    assert "That code is not right" in refused.text
    assert TOTPDevice.objects.filter(user=operator).exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        removed = browser.post(reverse("two_factor_remove"), {"remove-code": app_code(
            TOTPDevice.objects.get(user=operator).bin_key, steps_ahead=1)}, follow=True)  # fmt: skip

    assert "Two-factor sign-in is off" in removed.text
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    browser.post(reverse("logout"))
    sign_in(browser, "olivia")
    assert browser.get("/").status_code == 200


def test_removing_it_where_the_role_requires_it_leads_back_to_setting_it_up(browser, administrator):
    _, codes = enrolled(administrator)
    sign_in(browser, "ada")
    enter(browser, codes[0])
    elsewhere = Client()
    sign_in(elsewhere, "ada")
    enter(elsewhere, codes[1])

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        browser.post(reverse("two_factor_remove"), {"remove-code": codes[2]})

    assert browser.get("/").url == ENROL_URL
    # The other session was verified by a device that is gone: it is stopped too.
    assert elsewhere.get("/").url == ENROL_URL


@pytest.mark.parametrize(
    ("next_url", "goes_to"), [("x", "x"), ("99999999999999999999999", "99999999999999999999999"), ("admin:index", "/")]
)
def test_a_next_that_looks_like_a_url_name_is_never_looked_up(browser, operator, next_url, goes_to):
    enrolled(operator)
    sign_in(browser, "olivia")

    assert enter(browser, code_of(operator), next_url=next_url).url == goes_to


def test_setting_it_up_signs_out_the_other_sessions(browser, operator):
    elsewhere = Client()
    sign_in(elsewhere, "olivia")
    sign_in(browser, "olivia")
    key = secret_on(browser.get(ENROL_URL).text)

    browser.post(ENROL_URL, {"code": app_code(key)})

    assert browser.get("/").status_code == 200
    assert elsewhere.get("/").url == "/accounts/login/?next=/"
