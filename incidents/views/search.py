"""The header's search box: its results page, and the short list under the box as one types."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from incidents.search.everything import site_search

PAGE_LIMIT = 10  # of each kind on the page
SUGGESTED = 3  # of each kind under the box


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Grouped results; a number that names a record the user may see opens it."""
    results = site_search(text=request.GET.get("q", ""), user=request.user, limit=PAGE_LIMIT)
    if results.record is not None:
        return redirect(results.record.url)
    return render(request, "incidents/search.html", {"results": results})


@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    """The few best of each kind, and the record a number names, for the list under the header's box."""
    results = site_search(text=request.GET.get("q", ""), user=request.user, limit=SUGGESTED)
    return render(request, "incidents/partials/search_suggestions.html", {"results": results})
