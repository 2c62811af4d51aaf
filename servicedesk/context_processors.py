"""What every page's layout needs: the navigation the signed-in user may use, their unread notifications, and the
theme and list density they chose."""

from __future__ import annotations

from django.http import HttpRequest

from servicedesk.navigation import navigation_for, shortcuts_for
from servicedesk.preferences import preferences_of


def navigation(request: HttpRequest) -> dict[str, object]:
    return {"navigation": navigation_for(request), "shortcuts": shortcuts_for(request)}


def notifications(request: HttpRequest) -> dict[str, object]:
    """The bell: the number of unread in-app notifications, counted when the user was loaded (no query here;
    ``incidents.mail.bell.StaffBackend``). ``None`` for visitors and users loaded otherwise."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": None}
    return {"unread_notifications": getattr(user, "unread_notifications", None)}


def preferences(request: HttpRequest) -> dict[str, object]:
    """The theme and the density, read with the user (``servicedesk.preferences``): no query here."""
    return {"preferences": preferences_of(getattr(request, "user", None))}
