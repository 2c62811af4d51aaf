"""An administrator downloads everything held about a contact (the right of access); the download is logged."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_POST

from cmdb.models import Contact
from incidents.callers.export import contact_export

security = logging.getLogger("servicedesk.security")


@require_POST
def contact_export_download(request: HttpRequest, contact_id: int) -> HttpResponse:
    """A POST, so that no link, prefetch or crawler downloads it; administrators only."""
    if not request.user.is_superuser:
        raise PermissionDenied("Only an administrator exports what is held about a person.")
    contact = get_object_or_404(Contact.objects.select_related("workplace"), pk=contact_id)
    content = contact_export(contact)
    security.info("personal data exported contact=%s by=%r", contact.pk, request.user.get_username())
    response = HttpResponse(content, content_type="application/zip")
    name = f"personal-data-contact-{contact.pk}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
