"""The staff's in-app notifications (the bell): the list of one's own, marking them read.

Each user sees and marks only their own. The list is paginated by offset on the user's index
(``incidents_notifications``: user, newest first) and runs a fixed number of queries.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from incidents.models import StaffNotification

PAGE_SIZE = 25


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = (
        StaffNotification.objects.filter(user=request.user)
        .select_related("incident")
        .only("pk", "kind", "text", "created_at", "read_at", "incident", "incident__number", "incident__state")
        .order_by("-created_at", "-id")
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "incidents/notifications.html", {"page_obj": page, "notifications": page.object_list})


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of one's notifications read; with ``next`` (the incident page), go there."""
    notification = get_object_or_404(StaffNotification.objects.only("pk", "read_at"), pk=pk, user=request.user)
    if notification.read_at is None:
        StaffNotification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("incidents:notifications"))


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = StaffNotification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(
            request,
            ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count)
            % {"count": count},
        )
    else:
        messages.info(request, _("Nothing was unread."))
    return HttpResponseRedirect(reverse("incidents:notifications"))
