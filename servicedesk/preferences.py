"""A user's preferences (theme, list density): read with the user, saved from the preferences page (decision 0047).

The signed-in user's statement (``incidents.mail.bell.SIGNED_IN_USER``) carries them as two annotations, so that
the layout sets the theme and the density on ``<html>`` without a statement of its own, and without a flash of the
wrong theme: the page arrives with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import OuterRef, Subquery

from servicedesk.models import Density, Preferences, Theme


@dataclass(frozen=True)
class Chosen:
    theme: str = Theme.SYSTEM
    density: str = Density.COMFORTABLE


DEFAULTS = Chosen()


def with_preferences(users: Any) -> Any:
    """Users annotated with ``preferred_theme`` and ``preferred_density`` (``None`` for a user who never saved)."""
    mine = Preferences.objects.filter(user=OuterRef("pk"))
    return users.annotate(
        preferred_theme=Subquery(mine.values("theme")[:1]), preferred_density=Subquery(mine.values("density")[:1])
    )


def preferences_of(user: AbstractBaseUser | AnonymousUser | None) -> Chosen:
    """What ``user`` chose, from the annotations the user was loaded with; the defaults for a visitor. A user loaded
    otherwise (without them) is read once and remembered on the object."""
    if user is None or not user.is_authenticated:
        return DEFAULTS
    if not hasattr(user, "preferred_theme"):
        row = Preferences.objects.filter(user=user).values("theme", "density").first() or {}
        user.preferred_theme, user.preferred_density = row.get("theme"), row.get("density")
    return Chosen(
        theme=user.preferred_theme or DEFAULTS.theme,
        density=user.preferred_density or DEFAULTS.density,
    )


@transaction.atomic
def preferences_save(*, by: AbstractBaseUser, theme: str, density: str) -> Preferences:
    """Saves ``by``'s own preferences, making their row on the first save. Raises ``ValueError`` for a theme or a
    density that is not one of the choices (the form says so before)."""
    if theme not in Theme.values or density not in Density.values:
        raise ValueError(f"Unknown theme or density: {theme!r}, {density!r}")
    preferences, _created = Preferences.objects.update_or_create(user=by, defaults={"theme": theme, "density": density})
    by.preferred_theme, by.preferred_density = theme, density
    return preferences
