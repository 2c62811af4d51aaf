"""Where a user is signed in: each session listed, one or all of them signed out from the page, and a session
left idle signed out by itself."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk.models import UserSession
from servicedesk.sessions import SEEN
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(username: str, browser: str, address: str = "192.0.2.10") -> Client:
    client = Client(headers={"user-agent": browser}, REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_each_sign_in_is_listed_with_its_browser_and_address(operator):
    laptop = signed_in(operator.username, "Firefox on the laptop")
    signed_in(operator.username, "Safari on the phone", address="198.51.100.4")

    page = laptop.get(reverse("sessions")).text

    assert "Firefox on the laptop" in page and "Safari on the phone" in page and "198.51.100.4" in page
    assert page.count("this session") == 1
    assert UserSession.objects.filter(user=operator).count() == 2


def test_signing_out_everywhere_else_keeps_this_session_only(operator, manager):
    laptop = signed_in(operator.username, "Firefox on the laptop")
    phone = signed_in(operator.username, "Safari on the phone")
    colleague = signed_in(manager.username, "Edge")

    response = laptop.post(reverse("sessions"), {"end": "others"}, follow=True)

    assert "1 session was signed out." in response.text
    assert is_signed_in(laptop) and not is_signed_in(phone)
    assert is_signed_in(colleague)  # another user's sessions are theirs


def test_one_session_is_signed_out_by_its_row_and_not_someone_elses(operator, manager):
    laptop = signed_in(operator.username, "Firefox on the laptop")
    phone = signed_in(operator.username, "Safari on the phone")
    colleague = signed_in(manager.username, "Edge")
    theirs = UserSession.objects.get(user=manager)

    refused = laptop.post(reverse("sessions"), {"end": str(theirs.pk)}, follow=True)
    assert "That session has ended already." in refused.text
    assert is_signed_in(colleague)

    phone_row = UserSession.objects.get(user=operator, user_agent="Safari on the phone")
    laptop.post(reverse("sessions"), {"end": str(phone_row.pk)})
    assert not is_signed_in(phone) and is_signed_in(laptop)


def test_signing_out_everywhere_ends_this_session_too(operator):
    laptop = signed_in(operator.username, "Firefox on the laptop")
    phone = signed_in(operator.username, "Safari on the phone")

    response = laptop.post(reverse("sessions"), {"end": "all"}, follow=True)

    assert "You have signed out everywhere." in response.text
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert not UserSession.objects.filter(user=operator).exists()


def test_signing_out_forgets_the_session(operator):
    laptop = signed_in(operator.username, "Firefox on the laptop")

    laptop.post(reverse("logout"))

    assert not UserSession.objects.exists()


def test_signing_out_is_a_post_only(operator):
    laptop = signed_in(operator.username, "Firefox on the laptop")

    assert laptop.get(reverse("logout")).status_code == 405
    assert is_signed_in(laptop)


def test_an_idle_session_is_signed_out_and_told_why(operator, settings):
    settings.SESSION_IDLE_MINUTES = 30
    with time_machine.travel(timezone.now(), tick=False) as clock:
        laptop = signed_in(operator.username, "Firefox on the laptop")
        clock.shift(datetime.timedelta(minutes=25))
        assert is_signed_in(laptop)  # activity: the idle time starts again
        seen = UserSession.objects.get().last_seen_at
        assert seen == timezone.now()

        clock.shift(datetime.timedelta(minutes=29))
        assert is_signed_in(laptop)
        clock.shift(datetime.timedelta(minutes=31))
        response = laptop.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "You were signed out after 30 minutes without activity." in response.text
    assert not UserSession.objects.exists()


def test_a_page_costs_no_write_within_a_minute_of_the_last(operator):
    def writes() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert laptop.get(reverse("home")).status_code == 200
        return [query["sql"].split()[1].strip('"') for query in captured if query["sql"].startswith("UPDATE")]

    with time_machine.travel(timezone.now(), tick=False) as clock:
        laptop = signed_in(operator.username, "Firefox on the laptop")
        clock.shift(datetime.timedelta(seconds=30))
        assert writes() == []
        clock.shift(datetime.timedelta(seconds=31))
        assert sorted(writes()) == ["django_session", "servicedesk_usersession"]


def test_signing_out_this_session_alone_says_so_and_keeps_the_others(operator):
    laptop = signed_in(operator.username, "Firefox on the laptop")
    phone = signed_in(operator.username, "Safari on the phone")
    mine = UserSession.objects.get(user_agent="Firefox on the laptop")

    response = laptop.post(reverse("sessions"), {"end": str(mine.pk)}, follow=True)

    assert "You have signed out." in response.text and "everywhere" not in response.text
    assert not is_signed_in(laptop) and is_signed_in(phone)


def test_a_page_refreshing_itself_does_not_keep_an_idle_session_alive(operator, settings):
    settings.SESSION_IDLE_MINUTES = 30
    with time_machine.travel(timezone.now(), tick=False) as clock:
        laptop = signed_in(operator.username, "Firefox on the laptop")
        for _ in range(4):  # the queue refreshes while nobody is at the desk
            clock.shift(datetime.timedelta(minutes=10))
            laptop.get(reverse("queues:queue"), headers={"HX-Request": "true", "X-Background": "1"})

        assert not is_signed_in(laptop)


def test_a_session_signed_in_before_sessions_were_watched_is_watched_from_its_next_page(operator, settings):
    settings.SESSION_IDLE_MINUTES = 30
    with time_machine.travel(timezone.now(), tick=False) as clock:
        laptop = signed_in(operator.username, "Firefox on the laptop")
        session = laptop.session
        del session[SEEN]
        session.save()
        assert is_signed_in(laptop)  # watched from now on

        clock.shift(datetime.timedelta(minutes=31))
        assert not is_signed_in(laptop)
