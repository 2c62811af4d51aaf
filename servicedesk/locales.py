"""The language and the time zone a request is answered in (decision 0052): a signed-in user's own choice, else
what the browser asks for (``Accept-Language``, read by Django's ``LocaleMiddleware``), else the desk's
(``LANGUAGE``, ``TIME_ZONE``). A caller's mails and signed pages speak the contact's language
(``language_of_contact``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.preferences import preferences_of, time_zones


class UserLocaleMiddleware:
    """Activates the signed-in user's language and time zone for the request; a visitor keeps the language
    ``LocaleMiddleware`` chose and the desk's time zone.

    After ``AuthenticationMiddleware``: the user and their preferences come in the one statement every signed-in
    request runs (``incidents.mail.bell.SIGNED_IN_USER``), so this adds none.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = preferences_of(getattr(request, "user", None))
        if chosen.language:
            # Activated, not overridden: LocaleMiddleware names it in Content-Language on the way out.
            translation.activate(chosen.language)
            request.LANGUAGE_CODE = chosen.language
        zone = chosen.time_zone or None
        with timezone.override(zone):
            response = self.get_response(request)
        if response.streaming:  # an export written after this returns
            response.streaming_content = _in_zone(response.streaming_content, zone)
        return response


def _in_zone(content: Iterable[bytes], zone: str | None) -> Iterator[bytes]:
    with timezone.override(zone):
        yield from content


def language_choices() -> list[tuple[str, str]]:
    """The languages to choose from, the desk's first (blank: follow the desk's, even when it changes)."""
    desk = dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
    return [("", _("The service desk's (%(language)s)") % {"language": desk}), *settings.LANGUAGES]


# The desk's time zone as a choice: the searchable select offers only options with a value, and a user who chose
# a zone of their own must be able to choose the desk's again. Saved as blank (follow the desk's).
DESK_TIME_ZONE = "desk"


def time_zone_choices() -> list[tuple[str, str]]:
    """The time zones to choose from, the desk's first (``DESK_TIME_ZONE``)."""
    desk = (DESK_TIME_ZONE, _("The service desk's (%(zone)s)") % {"zone": settings.TIME_ZONE})
    return [desk, *((zone, zone.replace("_", " ")) for zone in sorted(time_zones()))]


def language_of_contact(language: str) -> str:
    """The language to speak to a contact in: theirs, or the desk's when they have none (or one no longer
    offered)."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def speak_contacts_language(request: HttpRequest, language: str) -> None:
    """A signed page (status, confirmation, reply) answers in the language of the contact its link names, when
    they have one; else in the visitor's (``Accept-Language``) as any page without a sign-in."""
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


@contextmanager
def speaking_to_contact(language: str) -> Iterator[None]:
    """Renders what a caller reads (a mail, a signed page) in their language and the desk's time zone, whoever's
    request or task it is rendered in."""
    with translation.override(language_of_contact(language)), timezone.override(None):
        yield
