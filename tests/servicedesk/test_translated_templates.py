"""The templates in Dutch: the pages a desk works in all day and a caller's mail come out in the language that is
active, with nothing of the English navigation left. The language is chosen here with ``translation.override`` (and
the browser's Accept-Language for when LocaleMiddleware picks it); LOCALE_PATHS is set for the test so that the
catalogue in ./locale is read whatever the settings of the branch."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from incidents.choices import Impact, Urgency
from incidents.recording import calls
from tests.cmdb.factories import ContactFactory

pytestmark = pytest.mark.django_db

ENGLISH_NAVIGATION = ["Log a call", "Queue", "Sign out", "Preferences", "Skip to content", "Notifications"]


@pytest.fixture(autouse=True)
def _dutch_catalogue():
    with override_settings(
        LANGUAGES=[("en", "English"), ("nl", "Nederlands")], LOCALE_PATHS=[settings.BASE_DIR / "locale"]
    ):
        yield


def in_dutch(client, url: str) -> str:
    with translation.override("nl"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    return response.text


def an_incident(operator):
    return calls.incident_record(
        by=operator, caller=ContactFactory(first_name="Sanne"), short_description="VPN does not connect",
        occurred_at=timezone.now(), impact=Impact.LOW, urgency=Urgency.LOW,
    )  # fmt: skip


@pytest.mark.parametrize("name", ["home", "incidents:incident_list", "incidents:record", "incidents:desk_worklist"])
def test_the_main_pages_speak_dutch_with_no_english_navigation_left(client, operator, name):
    client.force_login(operator)

    page = in_dutch(client, reverse(name))

    assert '<html lang="nl"' in page
    assert "Nieuwe melding" in page and "Uitloggen" in page and "Naar de inhoud" in page
    assert [word for word in ENGLISH_NAVIGATION if f">{word}<" in page] == []


def test_the_incident_page_speaks_dutch_but_keeps_the_callers_words(client, operator):
    incident = an_incident(operator)
    client.force_login(operator)

    page = in_dutch(client, incident.get_absolute_url())

    assert "Toevoegen aan het logboek" in page and "Add to the journal" not in page
    assert "VPN does not connect" in page and incident.number in page


def test_a_callers_mail_is_written_in_dutch_with_its_facts_untouched(operator):
    incident = an_incident(operator)
    context = {"incident": incident, "caller": incident.caller, "desk": "servicedesk@example.com"}

    with translation.override("nl"):
        text = render_to_string("incidents/email/recorded.txt", context)
        html = render_to_string("incidents/email/recorded.html", context)

    assert text.startswith("Beste Sanne,")
    assert f'We hebben uw melding geregistreerd als incident {incident.number}: "VPN does not connect".' in text
    assert "servicedesk@example.com" in text and "The service desk" not in text
    assert '<html lang="nl">' in html and "Referentie:" in html


def test_english_stays_what_it_was(client, operator):
    client.force_login(operator)

    with translation.override("en"):
        page = client.get(reverse("incidents:incident_list"), HTTP_ACCEPT_LANGUAGE="en").text

    assert '<html lang="en"' in page and ">Log a call<" in page and "Nieuwe melding" not in page
