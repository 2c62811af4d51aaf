"""The support groups' queue (``incidents.queues``): tabs with counts, filters, quick and bulk actions.

htmx refreshes the results every minute; the page keeps the selection and the scroll position (the
script in static/js/servicedesk.js puts the ticks back after a swap).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from incidents import queues
from incidents.filters import QueueFilter
from servicedesk.pages import PAGE_SIZE


@require_GET
@permission_required("incidents.work_incident", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    tab = queues.tab_named(request.GET.get("tab"))
    filterset = QueueFilter(request.GET or None, queryset=queues.queue(request.user, tab), user=request.user)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = queues.queue_counts(request.user)
    context = {
        "tabs": [{"tab": t, "count": counts[t.name], "current": t is tab} for t in queues.TABS],
        "current": tab,
        "filter": filterset,
        "page_obj": page,
        "query_string": query.urlencode(),
        "members": _colleagues(request.user),
        "keep": [("tab", tab.name)],
    }
    template = "incidents/queue.html#results" if getattr(request, "htmx", False) else "incidents/queue.html"
    return render(request, template, context)


@require_POST
@permission_required("incidents.work_incident", raise_exception=True)
def bulk(request: HttpRequest) -> HttpResponse:
    """One step on the ticked incidents (or the one of a row's quick action); then back to the queue."""
    action = request.POST.get("action", "")
    numbers = request.POST.getlist("numbers")
    assignee = None
    if action == "assign":
        assignee = _colleagues(request.user).filter(pk=request.POST.get("assignee") or request.user.pk).first()
    if action not in queues.BULK_ACTIONS or not numbers or (action == "assign" and assignee is None):
        messages.error(request, _("Tick at least one incident and choose what to do with it."))
    else:
        result = queues.queue_bulk(by=request.user, action=action, numbers=numbers, assignee=assignee)
        if result.done:
            messages.success(
                request,
                ngettext("%(count)d incident done: %(numbers)s.", "%(count)d incidents done: %(numbers)s.",
                         len(result.done)) % {"count": len(result.done), "numbers": ", ".join(result.done)},
            )  # fmt: skip
        for number, reason in result.refused:
            messages.error(request, _("%(number)s left as it was: %(reason)s") % {"number": number, "reason": reason})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("queues:queue")
    return HttpResponseRedirect(back)


def _colleagues(user):
    """The active members of the user's groups: whom a bulk assignment may name."""
    groups = user.support_groups.all()
    return (
        get_user_model()
        .objects.filter(support_groups__in=groups, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
