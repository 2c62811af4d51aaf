"""A user's preferences (theme, list density, the journal's order, language and time zone): read with the user, saved
from the preferences page (decisions 0047, 0050 and 0052).

The signed-in user's statement (``incidents.mail.bell.SIGNED_IN_USER``) carries them as annotations, so that the
layout sets the theme and the density on ``<html>`` and the incident page orders its journal without a statement of
their own, and without a flash of the wrong theme: the page arrives with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import OuterRef, Subquery

from servicedesk.models import Density, JournalOrder, Preferences, Theme

# The user's attribute for each preference, and the row's field it is read from.
ANNOTATIONS = {
    "preferred_theme": "theme",
    "preferred_density": "density",
    "preferred_journal_order": "journal_order",
    "preferred_language": "language",
    "preferred_time_zone": "time_zone",
}


@dataclass(frozen=True)
class Chosen:
    theme: str = Theme.SYSTEM
    density: str = Density.COMFORTABLE
    journal_order: str = JournalOrder.NEWEST_FIRST
    language: str = ""  # the desk's
    time_zone: str = ""  # the desk's

    @property
    def newest_first(self) -> bool:
        return self.journal_order == JournalOrder.NEWEST_FIRST


DEFAULTS = Chosen()


def with_preferences(users: Any) -> Any:
    """Users annotated with ``preferred_theme``, ``preferred_density``, ``preferred_journal_order``,
    ``preferred_language`` and ``preferred_time_zone`` (``None`` for a user who never saved)."""
    mine = Preferences.objects.filter(user=OuterRef("pk"))
    return users.annotate(**{name: Subquery(mine.values(field)[:1]) for name, field in ANNOTATIONS.items()})


def preferences_of(user: AbstractBaseUser | AnonymousUser | None) -> Chosen:
    """What ``user`` chose, from the annotations the user was loaded with; the defaults for a visitor. A user loaded
    otherwise (without them) is read once and remembered on the object."""
    if user is None or not user.is_authenticated:
        return DEFAULTS
    if not all(hasattr(user, name) for name in ANNOTATIONS):
        row = Preferences.objects.filter(user=user).values(*ANNOTATIONS.values()).first() or {}
        for name, field in ANNOTATIONS.items():
            setattr(user, name, row.get(field))
    return Chosen(
        theme=user.preferred_theme or DEFAULTS.theme,
        density=user.preferred_density or DEFAULTS.density,
        journal_order=user.preferred_journal_order or DEFAULTS.journal_order,
        language=user.preferred_language or DEFAULTS.language,
        time_zone=user.preferred_time_zone or DEFAULTS.time_zone,
    )


@transaction.atomic
def preferences_save(
    *,
    by: AbstractBaseUser,
    theme: str,
    density: str,
    journal_order: str = JournalOrder.NEWEST_FIRST,
    language: str = "",
    time_zone: str = "",
) -> Preferences:
    """Saves ``by``'s own preferences, making their row on the first save; a blank language or time zone is the
    desk's. Raises ``ValueError`` for a theme, a density, a journal order, a language or a time zone that is not
    one of the choices (the form says so before)."""
    if theme not in Theme.values or density not in Density.values or journal_order not in JournalOrder.values:
        raise ValueError(f"Unknown theme, density or journal order: {theme!r}, {density!r}, {journal_order!r}")
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language: {language!r}")
    if time_zone and time_zone not in time_zones():
        raise ValueError(f"Unknown time zone: {time_zone!r}")
    chosen = {
        "theme": theme,
        "density": density,
        "journal_order": journal_order,
        "language": language,
        "time_zone": time_zone,
    }
    preferences, _created = Preferences.objects.update_or_create(user=by, defaults=chosen)
    for name, field in ANNOTATIONS.items():
        setattr(by, name, chosen[field])
    return preferences


@cache
def time_zones() -> frozenset[str]:
    """The time zones a user may choose: the IANA names this machine knows (``zoneinfo``)."""
    return frozenset(available_timezones())
