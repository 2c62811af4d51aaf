"""What every page's layout needs: the navigation the signed-in user may use."""

from __future__ import annotations

from django.http import HttpRequest

from servicedesk.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, object]:
    return {"navigation": navigation_for(request)}
