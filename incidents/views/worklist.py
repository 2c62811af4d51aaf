"""The desk's work list: what waits on the service desk, by tab (``incidents.worklists.desk``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents.recording import storms
from incidents.worklists import desk
from incidents.worklists.queues import tab_named
from servicedesk.pages import PAGE_SIZE, KeysFirstPaginator
from servicedesk.tabs import tab_links


@require_GET
@permission_required("incidents.add_incident", raise_exception=True)
def desk_worklist(request: HttpRequest) -> HttpResponse:
    tabs = desk.TABS
    current = tab_named(request.GET.get("tab"), tabs)
    mine = request.GET.get("owner") == "me"
    owner_id = request.user.pk if mine else None
    kept = {"owner": "me"} if mine else {}
    counts = desk.worklist_counts(owner_id=owner_id)
    rows = desk.worklist(tab=current, owner_id=owner_id)
    page = KeysFirstPaginator(rows, PAGE_SIZE, count=counts[current.name]).get_page(request.GET.get("page"))
    context = {
        "tabs": tab_links(tabs, counts, current, **kept),
        "current": current,
        "mine": mine,
        "page_obj": page,
        "query_string": urlencode({"tab": current.name, **kept}),
        # The desk gathers a storm wherever it looks at its work: above this list as above the incidents.
        "storms": storms.incident_storms(),
    }
    return render(request, "incidents/worklist.html", context)
