"""A bounce of the desk's own mail: the outbox row is marked bounced with the receiving server's words, the
incident's journal says whose address failed, and the desk owner's bell rings."""

from __future__ import annotations

from django.utils.translation import gettext as _

from incidents.choices import ActivityKind
from incidents.core.writes import incident_lock, journal_write
from incidents.inbound.parse import Bounce
from incidents.inbound.threads import outbox_replied_to
from incidents.mail import staff
from incidents.models import OutboxMessage, OutboxState

MAX_ERROR = 2000


def bounce_record(bounce: Bounce) -> OutboxMessage | None:
    """Mark the desk's mail a bounce names as bounced and tell the desk; the row, or ``None`` when the bounce
    names none of the desk's mails (or names one already marked)."""
    found = outbox_replied_to(bounce.original_ids)
    if found is None:
        return None
    message = OutboxMessage.objects.select_for_update().get(pk=found.pk)
    if message.state == OutboxState.BOUNCED:
        return message
    diagnostic = bounce.diagnostic or _("The receiving mail server gave no reason.")
    message.state = OutboxState.BOUNCED
    message.last_error = diagnostic[:MAX_ERROR]
    message.next_attempt_at = None
    message.save(update_fields=["state", "last_error", "next_attempt_at"])
    if message.incident_id is not None:
        incident = incident_lock(message.incident_id, related=["desk_owner"])
        journal_write(
            incident,
            by=None,
            kind=ActivityKind.MAIL_BOUNCED,
            text=_("The mail “%(subject)s” to %(recipient)s could not be delivered: %(diagnostic)s")
            % {"subject": message.subject, "recipient": message.recipient, "diagnostic": diagnostic},
            data={"outbox": message.pk, "recipient": message.recipient, "subject": message.subject},
        )
        staff.mail_bounced(incident, recipient=message.recipient, diagnostic=diagnostic)
    return message
