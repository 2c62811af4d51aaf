"""Languages and time zones (decision 0052): a user's own choice beats the browser's, a visitor gets the browser's
and then the desk's, a bad choice is refused, and a caller is mailed in their own language."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from incidents.callers.people import contact_key
from incidents.callers.status import status_link_url
from servicedesk.models import Density, Preferences, Theme
from servicedesk.preferences import preferences_save
from tests.cmdb.factories import ContactFactory
from tests.incidents.workflow import record

pytestmark = pytest.mark.django_db

DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl-NL,nl;q=0.9"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def choose(user, *, language: str = "", time_zone: str = "") -> None:
    preferences_save(by=user, theme=Theme.SYSTEM, density=Density.COMFORTABLE, language=language, time_zone=time_zone)


def test_a_users_language_beats_what_their_browser_asks_for(client, operator):
    choose(operator, language="en")
    client.force_login(operator)

    response = client.get(reverse("incidents:incident_list"), **DUTCH)

    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in response.text and ">Incidents<" in response.text

    choose(operator, language="nl")
    response = client.get(reverse("incidents:incident_list"), **ENGLISH)

    assert response["Content-Language"] == "nl"
    assert '<html lang="nl"' in response.text and ">Incidenten<" in response.text


def test_a_user_without_a_language_gets_their_browsers_then_the_desks(client, operator, settings):
    client.force_login(operator)

    assert client.get(reverse("incidents:incident_list"), **DUTCH)["Content-Language"] == "nl"
    assert client.get(reverse("incidents:incident_list"), HTTP_ACCEPT_LANGUAGE="fr")["Content-Language"] == "en"


def test_a_visitor_gets_the_sign_in_page_in_their_browsers_language(client):
    dutch = client.get(reverse("login"), **DUTCH)
    english = client.get(reverse("login"), **ENGLISH)

    assert dutch["Content-Language"] == "nl" and '<html lang="nl"' in dutch.text
    assert english["Content-Language"] == "en" and '<html lang="en"' in english.text
    assert "Accept-Language" in dutch["Vary"]


def test_times_are_shown_in_the_users_time_zone(client, operator):
    reported = datetime.datetime(2026, 11, 27, 9, 5, tzinfo=datetime.UTC)
    record(operator, reported_at=reported)
    client.force_login(operator)

    assert "27 Nov 2026, 09:05" in client.get(reverse("incidents:incident_list")).text

    choose(operator, time_zone="Asia/Tokyo")
    page = client.get(reverse("incidents:incident_list")).text

    assert "27 Nov 2026, 18:05" in page and "09:05" not in page
    assert timezone.get_current_timezone_name() == "UTC"  # nothing stays behind for the next request


def test_the_page_saves_a_language_and_a_time_zone(client, operator):
    client.force_login(operator)
    form = {"theme": "system", "density": "comfortable", "journal_order": "newest"}

    response = client.post(reverse("preferences"), {**form, "language": "nl", "time_zone": "Europe/Amsterdam"})

    saved = Preferences.objects.get(user=operator)
    assert (saved.language, saved.time_zone) == ("nl", "Europe/Amsterdam")
    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert '<option value="Europe/Amsterdam" selected>' in page and '<html lang="nl"' in page
    assert "Je voorkeuren zijn opgeslagen." in page  # said in the language just chosen

    # The desk's zone can be chosen again: the searchable select offers only options with a value.
    client.post(reverse("preferences"), {**form, "language": "nl", "time_zone": "desk"})
    assert Preferences.objects.get(user=operator).time_zone == ""
    assert re.search(r'<option value="desk" selected>', client.get(reverse("preferences")).text)


@pytest.mark.parametrize(
    ("field", "value"), [("language", "fr"), ("time_zone", "Europe/Atlantis"), ("time_zone", "../../etc/passwd")]
)
def test_an_unknown_language_or_time_zone_is_refused_and_nothing_is_saved(client, operator, field, value):
    choose(operator, language="en", time_zone="UTC")
    client.force_login(operator)
    form = {"theme": "dark", "density": "compact", "journal_order": "oldest", "language": "", "time_zone": ""}

    response = client.post(reverse("preferences"), {**form, field: value})

    assert response.status_code == 200
    assert f"Select a valid choice. {value} is not one of the available choices." in response.text
    saved = Preferences.objects.get(user=operator)
    assert (saved.theme, saved.language, saved.time_zone) == (Theme.SYSTEM, "en", "UTC")


def test_the_service_refuses_an_unknown_time_zone_too(operator):
    with pytest.raises(ValueError, match="Europe/Atlantis"):
        choose(operator, time_zone="Europe/Atlantis")

    assert not Preferences.objects.exists()


def test_a_dutch_caller_is_mailed_in_dutch_whatever_the_operator_speaks(
    client, operator, django_capture_on_commit_callbacks
):
    choose(operator, language="en")
    caller = ContactFactory(first_name="Daan", email="daan@example.org", language="nl")
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(
            operator, caller=caller, reported_at=datetime.datetime(2026, 11, 27, 9, 5, tzinfo=datetime.UTC)
        )

    [message] = mail.outbox
    assert message.subject == f"[{incident.number}] Geregistreerd: VPN does not connect"
    assert message.body.startswith("Beste Daan,")
    assert "Dear" not in message.body
    [(html, _mimetype)] = message.alternatives
    assert '<html lang="nl">' in html and "Beste Daan," in html


def test_a_caller_without_a_language_is_mailed_in_the_desks_whatever_the_operator_speaks(
    operator, django_capture_on_commit_callbacks
):
    caller = ContactFactory(first_name="Cleo", email="cleo@example.org")
    # As in a Dutch operator's request, in their time zone.
    with django_capture_on_commit_callbacks(execute=True), translation.override("nl"), timezone.override("Asia/Tokyo"):
        incident = record(operator, caller=caller)

    [message] = mail.outbox
    assert message.subject == f"[{incident.number}] Recorded: VPN does not connect"
    assert message.body.startswith("Dear Cleo,")


def test_a_dutch_callers_status_page_is_in_dutch(client, operator):
    caller = ContactFactory(first_name="Daan", email="daan@example.org", language="nl")
    incident = record(operator, caller=caller)

    response = client.get(urlsplit(status_link_url(incident, contact_key(caller.pk))).path, **ENGLISH)

    assert response.status_code == 200
    assert response["Content-Language"] == "nl" and '<html lang="nl"' in response.text


def test_the_contact_form_keeps_a_language_and_the_contact_page_shows_it(client, config_manager):
    contact = ContactFactory(first_name="Daan", last_name="Visser", email="daan@example.org")
    client.force_login(config_manager)
    page = client.get(reverse("cmdb:contact_detail", args=[contact.pk])).text
    assert "<dt>Language</dt><dd>The service desk's</dd>" in page

    form = client.get(reverse("cmdb:contact_update", args=[contact.pk])).text
    assert re.search(r'<option value="" selected>The service desk&#(39|x27);s \(English\)</option>', form)
    data = {"first_name": "Daan", "last_name": "Visser", "email": "daan@example.org", "active": "on"}
    response = client.post(
        reverse("cmdb:contact_update", args=[contact.pk]),
        {**data, "language": "nl", "loaded_at": contact.updated_at.isoformat()},
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.language == "nl"
    assert "<dt>Language</dt><dd>Nederlands</dd>" in client.get(contact.get_absolute_url()).text


def test_the_sort_choices_are_said_in_the_users_language(client, operator):
    client.force_login(operator)
    assert '<option value="-number">Number (descending)</option>' in client.get(reverse("incidents:incident_list")).text

    choose(operator, language="nl")
    page = client.get(reverse("incidents:incident_list")).text

    assert '<option value="-number">Nummer (aflopend)</option>' in page
    assert '<option value="-name">Naam (aflopend)</option>' in client.get(reverse("cmdb:contact_list")).text
