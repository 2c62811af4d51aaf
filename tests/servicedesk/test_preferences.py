"""A user's preferences: their own page, saved for them alone, read with the user (no statement of their own) and
set on every page's <html> so that the theme and the density arrive with the page."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from servicedesk.models import Density, JournalOrder, Preferences, Theme
from servicedesk.preferences import preferences_save

pytestmark = pytest.mark.django_db


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page)[0]


def test_a_user_who_never_chose_follows_the_system_with_comfortable_lists(client, operator):
    client.force_login(operator)

    page = client.get(reverse("home")).text

    assert 'data-theme="system"' in html_tag(page) and 'data-density="comfortable"' in html_tag(page)
    assert not Preferences.objects.exists()


def test_saving_the_page_keeps_the_choice_for_every_later_page(client, operator):
    client.force_login(operator)

    response = client.post(
        reverse("preferences"), {"theme": "dark", "density": "compact", "journal_order": "newest"}, follow=True
    )

    assert "Your preferences are saved." in response.text
    assert Preferences.objects.get(user=operator).theme == Theme.DARK
    tag = html_tag(client.get(reverse("incidents:incident_list")).text)
    assert 'data-theme="dark"' in tag and 'data-density="compact"' in tag
    form = client.get(reverse("preferences")).text
    assert re.search(r'<input type="radio" name="theme" value="dark"[^>]*checked', form)


def test_an_unknown_choice_is_refused_and_changes_nothing(client, operator):
    preferences_save(by=operator, theme=Theme.CONTRAST, density=Density.COMPACT)
    client.force_login(operator)

    response = client.post(reverse("preferences"), {"theme": "neon", "density": "comfortable"})

    assert response.status_code == 200
    assert "Select a valid choice. neon is not one of the available choices." in response.text
    saved = Preferences.objects.get(user=operator)
    assert (saved.theme, saved.density) == (Theme.CONTRAST, Density.COMPACT)


def test_the_page_changes_only_ones_own_preferences(client, operator, manager):
    preferences_save(by=manager, theme=Theme.LIGHT, density=Density.COMFORTABLE)
    client.force_login(operator)

    # A user field in the form is not read: the page has no way to name anyone else.
    client.post(
        reverse("preferences"),
        {"theme": "contrast", "density": "compact", "journal_order": "oldest", "user": manager.pk},
    )

    assert Preferences.objects.get(user=manager).theme == Theme.LIGHT
    assert Preferences.objects.get(user=operator).theme == Theme.CONTRAST


def test_the_form_is_refused_without_its_csrf_token(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)

    response = client.post(reverse("preferences"), {"theme": "dark", "density": "compact"})

    assert response.status_code == 403
    assert not Preferences.objects.exists()


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("preferences"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_user_menu_leads_to_the_page(client, support_member):
    client.force_login(support_member)

    assert f'href="{reverse("preferences")}"' in client.get(reverse("home")).text


@pytest.mark.parametrize("saved", [False, True])
def test_the_preferences_cost_no_statement_of_their_own(client, operator, saved, django_assert_num_queries):
    if saved:
        preferences_save(by=operator, theme=Theme.DARK, density=Density.COMPACT)
    client.force_login(operator)

    # the session, and the user with their roles, permissions and preferences: decision 0038 and 0047
    with django_assert_num_queries(2):
        page = client.get(reverse("home")).text

    assert ('data-theme="dark"' in html_tag(page)) is saved


def test_the_database_refuses_a_theme_that_is_not_one_of_the_choices(operator):
    with pytest.raises(IntegrityError):
        Preferences.objects.create(user=operator, theme="neon")


def test_the_shortcuts_lead_only_to_pages_the_user_may_open(client, operator, support_member):
    client.force_login(support_member)
    page = client.get(reverse("home")).text

    assert f'<a href="{reverse("incidents:incident_list")}" data-shortcut="g i">' in page
    assert f'<a href="{reverse("queues:queue")}" data-shortcut="g q">' in page
    assert 'data-shortcut="n"' not in page and 'data-shortcut="g d"' not in page

    client.force_login(operator)
    page = client.get(reverse("home")).text
    assert f'<a href="{reverse("incidents:record")}" data-shortcut="n">' in page
    assert f'<a href="{reverse("incidents:desk_worklist")}" data-shortcut="g d">' in page


def test_the_journal_is_newest_first_until_the_user_chooses_oldest_first(client, operator):
    client.force_login(operator)
    form = client.get(reverse("preferences")).text
    assert re.search(r'<input type="radio" name="journal_order" value="newest"[^>]*checked', form)

    client.post(reverse("preferences"), {"theme": "system", "density": "comfortable", "journal_order": "oldest"})

    assert Preferences.objects.get(user=operator).journal_order == JournalOrder.OLDEST_FIRST
    form = client.get(reverse("preferences")).text
    assert re.search(r'<input type="radio" name="journal_order" value="oldest"[^>]*checked', form)


def test_an_unknown_journal_order_is_refused_and_changes_nothing(client, operator):
    preferences_save(by=operator, theme=Theme.DARK, density=Density.COMPACT, journal_order=JournalOrder.OLDEST_FIRST)
    client.force_login(operator)

    response = client.post(reverse("preferences"), {"theme": "light", "density": "comfortable", "journal_order": "up"})
    missing = client.post(reverse("preferences"), {"theme": "light", "density": "comfortable"})

    assert "Select a valid choice. up is not one of the available choices." in response.text
    assert "This field is required." in missing.text
    saved = Preferences.objects.get(user=operator)
    assert (saved.theme, saved.journal_order) == (Theme.DARK, JournalOrder.OLDEST_FIRST)
    with pytest.raises(ValueError, match="journal order"):
        preferences_save(by=operator, theme=Theme.DARK, density=Density.COMPACT, journal_order="sideways")


def test_the_database_refuses_a_journal_order_that_is_not_one_of_the_choices(operator):
    with pytest.raises(IntegrityError):
        Preferences.objects.create(user=operator, journal_order="sideways")
