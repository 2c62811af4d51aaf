"""A user's preferences (theme, list density, the journal's order): read with the user, saved from the preferences
page (decisions 0047 and 0050).

The signed-in user's statement (``incidents.mail.bell.SIGNED_IN_USER``) carries them as annotations, so that the
layout sets the theme and the density on ``<html>`` and the incident page orders its journal without a statement of
their own, and without a flash of the wrong theme: the page arrives with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import OuterRef, Subquery

from servicedesk.models import Density, JournalOrder, Preferences, Theme

# The user's attribute for each preference, and the row's field it is read from.
ANNOTATIONS = {"preferred_theme": "theme", "preferred_density": "density", "preferred_journal_order": "journal_order"}


@dataclass(frozen=True)
class Chosen:
    theme: str = Theme.SYSTEM
    density: str = Density.COMFORTABLE
    journal_order: str = JournalOrder.NEWEST_FIRST

    @property
    def newest_first(self) -> bool:
        return self.journal_order == JournalOrder.NEWEST_FIRST


DEFAULTS = Chosen()


def with_preferences(users: Any) -> Any:
    """Users annotated with ``preferred_theme``, ``preferred_density`` and ``preferred_journal_order`` (``None`` for
    a user who never saved)."""
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
    )


@transaction.atomic
def preferences_save(
    *, by: AbstractBaseUser, theme: str, density: str, journal_order: str = JournalOrder.NEWEST_FIRST
) -> Preferences:
    """Saves ``by``'s own preferences, making their row on the first save. Raises ``ValueError`` for a theme, a
    density or a journal order that is not one of the choices (the form says so before)."""
    if theme not in Theme.values or density not in Density.values or journal_order not in JournalOrder.values:
        raise ValueError(f"Unknown theme, density or journal order: {theme!r}, {density!r}, {journal_order!r}")
    chosen = {"theme": theme, "density": density, "journal_order": journal_order}
    preferences, _created = Preferences.objects.update_or_create(user=by, defaults=chosen)
    by.preferred_theme, by.preferred_density, by.preferred_journal_order = theme, density, journal_order
    return preferences
