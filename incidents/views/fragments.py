"""Parts of the incident page loaded when opened (the service-level ledger, the audit history).

htmx asks for the part alone; the same address opened without htmx (a link in a new tab, no JavaScript)
gets it as a page of its own, with the site's layout and a way back to the incident.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_fragment(request: HttpRequest, template: str, context: dict[str, Any], *, title: str) -> HttpResponse:
    """``context`` must hold the ``incident``."""
    if getattr(request, "htmx", False):
        return render(request, template, context)
    return render(request, "incidents/fragment_page.html", {**context, "fragment": template, "title": title})
