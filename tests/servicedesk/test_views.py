"""Signing in and out, the start page by role, the admin for administrators only, the health check."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_sign_in_with_the_right_password_opens_the_start_page(client, operator):
    response = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["user"] == operator
    assert "Welcome, Olivia" in response.text
    assert "Service desk operator" in response.text


def test_sign_in_with_a_wrong_password_is_refused_with_a_message(client, operator):
    response = client.post(reverse("login"), {"username": "olivia", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert "_auth_user_id" not in client.session


def test_sign_in_follows_next_but_not_to_another_site(client, operator):
    url = reverse("login")
    response = client.post(f"{url}?next=/health/", {"username": "olivia", "password": PASSWORD, "next": "/health/"})
    assert response.url == "/health/"

    client.logout()
    response = client.post(url, {"username": "olivia", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_signed_in_user_opening_sign_in_goes_to_the_start_page(client, operator):
    client.force_login(operator)

    response = client.get(reverse("login"))

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_sign_out_needs_a_post_and_ends_the_session(client, operator):
    client.force_login(operator)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have signed out." in response.text
    assert "_auth_user_id" not in client.session


def test_sign_out_form_carries_a_csrf_token(client, operator):
    client.force_login(operator)

    page = client.get(reverse("home")).text

    form = re.search(r'<form method="post" action="/accounts/logout/">(.*?)</form>', page, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(1)


def test_password_change_with_valid_input_changes_it(client, operator):
    client.force_login(operator)
    new = "a much longer passphrase 42"

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )

    assert "Your password has been changed." in response.text
    operator.refresh_from_db()
    assert operator.check_password(new)


def test_password_change_with_a_wrong_old_password_changes_nothing(client, operator):
    client.force_login(operator)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": "another fine passphrase",
            "new_password2": "another fine passphrase",
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


def test_password_change_refuses_a_weak_password_next_to_the_field(client, operator):
    client.force_login(operator)

    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"}
    )

    assert response.status_code == 200
    assert "This password is too short" in response.text
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("fixture", "sees_admin"),
    [("operator", False), ("support_member", False), ("manager", False), ("administrator", True)],
)
def test_navigation_shows_administration_to_administrators_only(client, request, fixture, sees_admin):
    client.force_login(request.getfixturevalue(fixture))

    response = client.get(reverse("home"))

    labels = [link.label for link in response.context["navigation"]]
    assert ("Administration" in labels) is sees_admin
    assert (f'href="{reverse("admin:index")}"' in response.text) is sees_admin


@pytest.mark.parametrize("fixture", ["operator", "support_member", "manager"])
def test_admin_is_closed_to_everyone_but_administrators(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    response = client.get(reverse("admin:auth_user_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_is_open_to_administrators(client, administrator):
    client.force_login(administrator)

    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_staff_flag_alone_does_not_open_the_admin(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)

    assert client.get(reverse("admin:index")).status_code == 302


def test_account_without_a_role_is_told_to_ask_for_one(client):
    client.force_login(UserFactory())

    response = client.get(reverse("home"))

    assert "Your account has no role yet" in response.text


def test_start_page_renders_with_a_fixed_number_of_queries(client, operator, django_assert_num_queries):
    client.force_login(operator)

    # the session, and the user with their roles and permissions (for the navigation): decision 0038
    with django_assert_num_queries(2):
        client.get(reverse("home"))


def test_pages_carry_a_content_security_policy_that_the_script_tag_satisfies(client, operator):
    client.force_login(operator)

    response = client.get(reverse("home"))

    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "default-src 'self'" in policy
    assert f'<script src="/static/django_htmx/htmx-2.min.js" defer nonce="{nonce}"' in response.text.replace("\n", "")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_health_answers_without_sign_in(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_favicon_is_served_to_anonymous_browsers(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response.url == "/static/img/favicon.svg"


@pytest.mark.parametrize(
    ("page", "current"),
    [
        ("incidents:incident_list", ["Incidents"]),
        ("incidents:record", ["Log a call"]),
        ("incidents:reports", ["Dashboard"]),
        ("incidents:notifications", []),
    ],
)
def test_the_navigation_marks_the_entry_a_page_is_under(client, operator, manager, page, current):
    operator.groups.add(*manager.groups.all())  # sees every entry of the incidents
    client.force_login(operator)

    response = client.get(reverse(page))

    assert [str(link.label) for link in response.context["navigation"] if link.current] == current


def test_dates_and_times_are_written_one_way_everywhere():
    from django.utils import formats

    moment = datetime.datetime(2026, 11, 27, 17, 6, tzinfo=datetime.UTC)

    written = {formats.date_format(moment, name) for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT")}

    assert written == {"27 Nov 2026, 17:06"}
    assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT") == "27 Nov 2026"
