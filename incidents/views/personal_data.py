"""An administrator downloads everything held about a contact (the right of access), or erases it (the right
to erasure); both are logged."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cmdb.models import Contact
from incidents.callers.erasure import contact_erase
from incidents.callers.export import contact_export
from incidents.forms.people import EraseContactForm
from incidents.models import Erasure
from servicedesk.forms import add_errors

security = logging.getLogger("servicedesk.security")


@require_POST
def contact_export_download(request: HttpRequest, contact_id: int) -> HttpResponse:
    """A POST, so that no link, prefetch or crawler downloads it; administrators only."""
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only an administrator exports what is held about a person."))
    contact = get_object_or_404(Contact.objects.select_related("workplace"), pk=contact_id)
    content = contact_export(contact)
    security.info("personal data exported contact=%s by=%r", contact.pk, request.user.get_username())
    response = HttpResponse(content, content_type="application/zip")
    name = f"personal-data-contact-{contact.pk}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def contact_erase_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    """What erasing does, the confirmation, and the erasure."""
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only an administrator erases a person's data."))
    contact = get_object_or_404(Contact, pk=contact_id)
    erased = Erasure.objects.filter(contact=contact).select_related("erased_by").first()
    form = EraseContactForm(request.POST or None)
    if request.method == "POST" and erased is None and form.is_valid():
        try:
            contact_erase(by=request.user, contact_id=contact.pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The contact's personal data has been erased."))
            return redirect("cmdb:contact_detail", contact.pk)
    context = {"contact": contact, "form": form, "erased": erased}
    return render(request, "incidents/erase_contact.html", context, status=400 if form.is_bound else 200)
