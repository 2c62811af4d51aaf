"""The knowledge search across problems, known errors and articles, and the "test the matcher" box."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from knowledge.forms import KnowledgeSearchForm, MatcherForm
from knowledge.matching import known_error_matches
from knowledge.search import knowledge_search as search_all
from servicedesk.pages import page_or_results


@require_GET
@permission_required("knowledge.view_knownerror", raise_exception=True)
def knowledge_search(request: HttpRequest) -> HttpResponse:
    form = KnowledgeSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        results = search_all(text=form.cleaned_data["q"])
    return render(request, page_or_results(request, "knowledge/search.html"), {"form": form, "results": results})


@require_GET
@permission_required("knowledge.view_knownerror", raise_exception=True)
def matcher(request: HttpRequest) -> HttpResponse:
    """Symptoms in, ranked published known errors out, each with the reasons it matched."""
    form = MatcherForm(request.GET or None)
    matches = None
    if form.is_valid():
        data = form.cleaned_data
        asked = data["text"].strip() or data["service"] or data["ci"] or data["category"]
        if asked:
            matches = known_error_matches(
                text=data["text"],
                service_id=data["service"].pk if data["service"] else None,
                ci_ids=[data["ci"].pk] if data["ci"] else [],
                category_id=data["category"].pk if data["category"] else None,
            )
    return render(request, page_or_results(request, "knowledge/matcher.html"), {"form": form, "matches": matches})
