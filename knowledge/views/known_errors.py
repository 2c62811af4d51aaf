"""Known errors: list, detail with the workaround up front, edit, and publishing (support only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knowledge import selectors, services
from knowledge.filters import KnownErrorFilter
from knowledge.forms import KnownErrorForm
from knowledge.models import KnownError
from servicedesk.pages import CreatePage, DetailPage, ListPage, UpdatePage


class KnownErrorListView(ListPage):
    permission_required = "knowledge.view_knownerror"
    filterset_class = KnownErrorFilter
    template_name = "knowledge/knownerror_list.html"

    def get_queryset(self):
        return selectors.known_error_list()


class KnownErrorDetailView(DetailPage):
    permission_required = "knowledge.view_knownerror"
    template_name = "knowledge/knownerror_detail.html"
    context_object_name = "known_error"
    slug_field = "number"
    slug_url_kwarg = "number"

    def get_queryset(self):
        return selectors.known_error_detail()


class KnownErrorCreateView(CreatePage):
    permission_required = "knowledge.add_knownerror"
    model = KnownError
    form_class = KnownErrorForm
    list_url_name = "knowledge:knownerror_list"


class KnownErrorUpdateView(UpdatePage):
    permission_required = "knowledge.change_knownerror"
    model = KnownError
    form_class = KnownErrorForm
    slug_field = "number"
    slug_url_kwarg = "number"


@require_POST
@permission_required("knowledge.publish_knownerror", raise_exception=True)
def publish(request: HttpRequest, number: str) -> HttpResponse:
    known_error = get_object_or_404(KnownError.objects.only("pk", "number"), number=number)
    try:
        services.known_error_publish(by=request.user, known_error_id=known_error.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(number)s is published: the matcher offers it from now on.") % {"number": number})
    return HttpResponseRedirect(known_error.get_absolute_url())


@require_POST
@permission_required("knowledge.publish_knownerror", raise_exception=True)
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    known_error = get_object_or_404(KnownError.objects.only("pk", "number"), number=number)
    services.known_error_withdraw(by=request.user, known_error_id=known_error.pk)
    messages.success(request, _("%(number)s is withdrawn: the matcher no longer offers it.") % {"number": number})
    return HttpResponseRedirect(known_error.get_absolute_url())
