"""Everything the portal holds about one contact, for their right of access (GDPR Art. 15): a ZIP with the
data as JSON, the files they sent and the mails they wrote, as they were received (decision record 0022)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import PurePath
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cmdb.models import Contact
from incidents.callers.people import contact_key
from incidents.choices import ActivityKind, Visibility
from incidents.models import Activity, Attachment, InboundMail, Incident, IncidentPerson, OutboxMessage

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "mobile", "department", "vip", "active",
                  "created_at", "updated_at")  # fmt: skip


def contact_export(contact: Contact) -> bytes:
    """The ZIP of what is held about ``contact`` (``personal-data.json``, ``files/``, ``mail/``)."""
    data, files, mails = _gathered(contact)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", json.dumps(data, indent=2, ensure_ascii=False, default=str))
        for attachment in files:
            with attachment.file.open("rb") as content:
                archive.writestr(
                    f"files/{attachment.activity_id}-{attachment.pk}-{_safe(attachment.name)}", content.read()
                )
        for mail in mails:
            archive.writestr(f"mail/{mail.pk}.eml", bytes(mail.raw))
    return buffer.getvalue()


def _gathered(contact: Contact) -> tuple[dict[str, Any], list[Attachment], list[InboundMail]]:
    address = contact.email.strip()
    as_caller = list(Incident.objects.filter(caller=contact).defer("search_vector").order_by("reported_at"))
    kept = list(their_rows(contact).select_related("incident").order_by("added_at"))
    incident_ids = {incident.pk for incident in as_caller} | {row.incident_id for row in kept}
    theirs = their_entries(contact)
    entries = list(
        Activity.objects.filter(Q(incident_id__in=incident_ids, visibility=Visibility.CUSTOMER) | theirs)
        .select_related("incident")
        .order_by("created_at", "pk")
    )
    files = list(Attachment.objects.filter(activity__in=Activity.objects.filter(theirs)).order_by("pk"))
    mails = list(their_mail(contact).order_by("received_at"))
    sent = list(OutboxMessage.objects.filter(recipient__iexact=address).order_by("created_at")) if address else []
    data = {
        "exported_at": timezone.now().isoformat(),
        "contact": {field: getattr(contact, field) for field in CONTACT_FIELDS}
        | {"workplace": str(contact.workplace) if contact.workplace_id else None},
        "incidents_as_caller": [_incident(incident) for incident in as_caller],
        "kept_informed_about": [
            {"incident": row.incident.number, "why": row.get_reason_display(), "since": row.added_at} for row in kept
        ],
        "journal": [_entry(entry) for entry in entries],
        "files_they_sent": [f"files/{file.activity_id}-{file.pk}-{_safe(file.name)}" for file in files],
        "mails_from_them": [
            {
                "received_at": mail.received_at,
                "subject": mail.subject,
                "what_became_of_it": mail.get_state_display(),
                "file": f"mail/{mail.pk}.eml",
            }
            for mail in mails
        ],
        "mails_to_them": [
            {
                "written_at": mail.created_at,
                "subject": mail.subject,
                "state": mail.get_state_display(),
                "text": mail.body_text,
            }
            for mail in sent
        ],
    }
    return data, files, mails


def their_entries(contact: Contact) -> Q:
    """Journal entries they wrote: replies by mail or on the status page, answers through their links, calls
    added for them (the same for the export and the erasure)."""
    address = contact.email.strip()
    condition = Q(kind=ActivityKind.CALLER_REPLIED, data__person=contact_key(contact.pk))
    condition |= Q(kind=ActivityKind.CALL_ADDED, data__caller_id=contact.pk)
    if address:
        condition |= Q(kind=ActivityKind.CALLER_REPLIED, data__email__iexact=address)
    return condition


def their_rows(contact: Contact) -> QuerySet[IncidentPerson]:
    """Where they are kept informed: as the contact, or by their address typed in by the desk."""
    address = contact.email.strip()
    by_address = Q(contact__isnull=True, email__iexact=address) if address else Q(pk__in=[])
    return IncidentPerson.objects.filter(Q(contact=contact) | by_address)


def their_mail(contact: Contact) -> QuerySet[InboundMail]:
    """The mails they sent: from their address, or linked to them by the desk."""
    address = contact.email.strip()
    return InboundMail.objects.filter(Q(contact=contact) | (Q(sender__iexact=address) if address else Q(pk__in=[])))


def _incident(incident: Incident) -> dict[str, Any]:
    return {
        "number": incident.number, "short_description": incident.short_description, "symptoms": incident.symptoms,
        "state": incident.get_state_display(), "reported_at": incident.reported_at,
        "resolved_at": incident.resolved_at, "closed_at": incident.closed_at,
        "satisfaction": incident.satisfaction, "satisfaction_comment": incident.satisfaction_comment,
    }  # fmt: skip


def _entry(entry: Activity) -> dict[str, Any]:
    return {
        "incident": entry.incident.number, "at": entry.created_at, "kind": entry.get_kind_display(),
        "text": entry.text, "from": entry.data.get("from") or entry.data.get("caller") or "",
    }  # fmt: skip


def _safe(name: str) -> str:
    return PurePath(name.replace("\\", "/")).name or "file"
