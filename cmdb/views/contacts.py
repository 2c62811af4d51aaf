"""Callers: list and search, detail, edit, and the search-as-you-type endpoint of the call-logging form."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cmdb import selectors
from cmdb.filters import ContactFilter
from cmdb.forms import ContactForm
from cmdb.models import Contact
from cmdb.views.base import CMDBListView
from servicedesk.pages import CreatePage, DetailPage, UpdatePage


class ContactListView(CMDBListView):
    permission_required = "cmdb.view_contact"
    filterset_class = ContactFilter
    template_name = "cmdb/contact_list.html"
    export_kind = "contacts"

    def get_queryset(self):
        return selectors.contact_list()


class ContactDetailView(DetailPage):
    permission_required = "cmdb.view_contact"
    template_name = "cmdb/contact_detail.html"
    context_object_name = "contact"

    def get_queryset(self):
        return selectors.contact_detail()


class ContactCreateView(CreatePage):
    list_url_name = "cmdb:contact_list"
    permission_required = "cmdb.add_contact"
    model = Contact
    form_class = ContactForm


class ContactUpdateView(UpdatePage):
    permission_required = "cmdb.change_contact"
    model = Contact
    form_class = ContactForm


@require_GET
@permission_required("cmdb.view_contact", raise_exception=True)
def contact_search(request: HttpRequest) -> HttpResponse:
    """Search as you type (htmx fragment): callers by name, phone or e-mail, typos forgiven."""
    text = request.GET.get("q", "")
    results = selectors.contact_search(text=text)
    return render(request, "cmdb/partials/contact_results.html", {"results": results, "q": text})
