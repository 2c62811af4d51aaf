"""The support groups' queue (``incidents.worklists.queues``): tabs with counts, filters, quick and bulk actions.

htmx refreshes the results every minute; the page keeps the selection and the scroll position (the
script in static/js/servicedesk.js puts the ticks back after a swap).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from cmdb.selectors import groups_of
from incidents.filters import QueueFilter
from incidents.forms.steps import SaveFilterForm
from incidents.views.exports import list_export
from incidents.worklists import queues, saved_filters
from servicedesk.pages import PAGE_SIZE, KeysFirstPaginator, page_or_results, wants_results_only
from servicedesk.spreadsheets import FORMATS
from servicedesk.tabs import tab_links


@require_GET
@permission_required("incidents.work_incident", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    tab = queues.tab_named(request.GET.get("tab"))
    fmt = request.GET.get("export")
    whole_page = fmt not in FORMATS and not wants_results_only(request)  # not a file, nor a refresh of the results
    # The user's groups, read once for the group filter and the saved filter's sharing.
    groups = list(groups_of(request.user)) if whole_page else None
    filterset = QueueFilter(
        request.GET or None, queryset=queues.queue(request.user, tab), user=request.user, groups=groups
    )
    applied = filterset.is_bound and filterset.is_valid()  # filters that are not valid are not applied
    rows = filterset.qs if applied else filterset.queryset
    if fmt in FORMATS:  # every row the tab and the filters select, as a file
        return list_export(request, rows, fmt=fmt, stem=f"queue-{tab.name}", title=str(tab.label))
    # The tab's count, read with the others, is the page's when no filter narrows the tab.
    counts = queues.queue_counts(request.user) if whole_page else None
    narrowed = applied and any(value not in (None, "", []) for value in filterset.form.cleaned_data.values())
    count = counts[tab.name] if counts is not None and not narrowed else None
    page = KeysFirstPaginator(queues.for_the_page(rows), PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "current": tab,
        "order": queues.QUEUE_ORDER,
        "page_obj": page,
        "query_string": query.urlencode(),
        "sla_now": timezone.now(),  # the service-level column: time left or overdue
    }
    if whole_page:  # a refresh of the results needs none of the rest
        context |= {
            "tabs": tab_links(queues.TABS, counts, tab),
            "filter": filterset,
            "members": _colleagues(request.user),
            "keep": [("tab", tab.name)],
            "saved_filters": saved_filters.saved_filters_for(request.user),
            "save_filter_form": SaveFilterForm(user=request.user, groups=groups),
        }
    return render(request, page_or_results(request, "incidents/queue.html"), context)


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


@require_POST
@permission_required("incidents.work_incident", raise_exception=True)
def save_filter(request: HttpRequest) -> HttpResponse:
    """Save the queue's filters as they stand (sent in ``query``) under a name, privately or for a group."""
    form = SaveFilterForm(request.POST, user=request.user)
    query = QueryDict(request.POST.get("query", ""))
    if form.is_valid():
        try:
            saved = saved_filters.saved_filter_create(
                by=request.user,
                name=form.cleaned_data["name"],
                query=query,
                shared_with=form.cleaned_data["shared_with"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
            return HttpResponseRedirect(f"{reverse('queues:queue')}?{saved.query}")
    else:
        messages.error(request, " ".join(problem for problems in form.errors.values() for problem in problems))
    return HttpResponseRedirect(f"{reverse('queues:queue')}?{saved_filters.clean_query(query)}")


@require_POST
@permission_required("incidents.work_incident", raise_exception=True)
def delete_filter(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(saved_filters.saved_filters_for(request.user), pk=pk)
    saved_filters.saved_filter_delete(by=request.user, saved_filter_id=saved.pk)
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return HttpResponseRedirect(reverse("queues:queue"))
