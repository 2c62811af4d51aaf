"""Canned replies: the managed list, creating, changing and deactivating one (never deleting it), and, on an
incident, the picker's options and one reply filled for the incident (static/js/servicedesk.js inserts it)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cmdb.models import SupportGroup
from incidents.canned import selectors, services
from incidents.canned.placeholders import fill_placeholders
from incidents.canned.rules import may_manage
from incidents.forms.canned import CannedReplyForm
from incidents.models import CannedReply, Incident
from servicedesk.forms import add_errors

PAGE_SIZE = 50
SHOWS = ("active", "inactive", "all")


def _ensure(request: HttpRequest, *permissions: str) -> None:
    if not all(request.user.has_perm(permission) for permission in permissions):
        raise PermissionDenied(_("Your role does not include canned replies."))


@require_GET
def reply_list(request: HttpRequest) -> HttpResponse:
    _ensure(request, "incidents.view_cannedreply")
    q = request.GET.get("q", "").strip()[:200]
    show = request.GET.get("show") if request.GET.get("show") in SHOWS else "active"
    page = Paginator(selectors.reply_list(q=q, show=show), PAGE_SIZE).get_page(request.GET.get("page"))
    own = frozenset(SupportGroup.objects.filter(members=request.user).values_list("pk", flat=True))
    rows = [(reply, may_manage(request.user, reply.group_id, own)) for reply in page.object_list]
    context = {
        "page_obj": page,
        "rows": rows,
        "q": q,
        "show": show,
        "shows": [("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All"))],
        "query_string": urlencode({key: value for key, value in (("q", q), ("show", show)) if value}),
        "may_add": request.user.has_perm("incidents.add_cannedreply"),
    }
    return render(request, "incidents/canned_list.html", context)


def reply_create(request: HttpRequest) -> HttpResponse:
    _ensure(request, "incidents.add_cannedreply")
    form = CannedReplyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            reply = services.canned_reply_create(by=request.user, **form.reply_fields())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The reply “%(title)s” is saved.") % {"title": reply.title})
            return HttpResponseRedirect(reverse("incidents:canned_list"))
    context = {"form": form, "heading": _("New canned reply"), "cancel_url": reverse("incidents:canned_list")}
    return render(request, "incidents/canned_form.html", context, status=400 if form.errors else 200)


def reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure(request, "incidents.change_cannedreply")
    reply = get_object_or_404(CannedReply.objects.select_related("group"), pk=pk)
    if not may_manage(request.user, reply.group_id):
        raise PermissionDenied(_("You may not manage the replies of this scope."))
    form = CannedReplyForm(request.POST or None, instance=reply, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.reply_fields() | {"active": form.cleaned_data["active"]}
        try:
            services.canned_reply_update(by=request.user, reply_id=reply.pk, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The reply “%(title)s” is saved.") % {"title": fields["title"]})
            return HttpResponseRedirect(reverse("incidents:canned_list"))
    context = {
        "form": form,
        "reply": reply,
        "revisions": selectors.reply_revisions(reply)[:20],
        "heading": _("Canned reply: %(title)s") % {"title": reply.title},
        "cancel_url": reverse("incidents:canned_list"),
    }
    return render(request, "incidents/canned_form.html", context, status=400 if form.errors else 200)


@require_POST
def reply_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure(request, "incidents.change_cannedreply")
    get_object_or_404(CannedReply.objects.only("pk"), pk=pk)
    reply = services.canned_reply_deactivate(by=request.user, reply_id=pk)
    messages.success(
        request, _("The reply “%(title)s” is no longer offered; its history is kept.") % {"title": reply.title}
    )
    return HttpResponseRedirect(reverse("incidents:canned_list"))


def _incident_for(request: HttpRequest, number: str) -> Incident:
    _ensure(request, "incidents.view_incident", "incidents.view_cannedreply")
    # The state too: the lifecycle's concurrency guard reads it when the row is loaded.
    return get_object_or_404(Incident.objects.only("pk", "number", "state", "assigned_group_id"), number=number)


@require_GET
def reply_options(request: HttpRequest, number: str) -> HttpResponse:
    """The picker's options for this incident, as a listbox (the pickers' markup)."""
    incident = _incident_for(request, number)
    q = request.GET.get("q", "").strip()[:200]
    replies = selectors.replies_to_pick(user=request.user, group_id=incident.assigned_group_id, q=q)
    context = {"replies": replies, "q": q, "incident": incident}
    return render(request, "incidents/partials/canned_options.html", context)


@require_GET
def reply_filled(request: HttpRequest, number: str, pk: int) -> JsonResponse:
    """One reply the user may use on this incident, its placeholders filled for it."""
    rows = Incident.objects.select_related("caller", "assigned_group").only(
        "pk", "number", "state", "short_description", "workaround", "responded_at", "response_due_at",
        "resolution_due_at", "assigned_group__name", "caller__first_name", "caller__last_name",
    )  # fmt: skip
    _ensure(request, "incidents.view_incident", "incidents.view_cannedreply")
    incident = get_object_or_404(rows, number=number)
    usable = selectors.usable_replies(user=request.user, group_id=incident.assigned_group_id)
    reply = get_object_or_404(usable.only("pk", "title", "body"), pk=pk)
    return JsonResponse(
        {"title": reply.title, "text": fill_placeholders(reply.body, incident=incident, user=request.user)}
    )
