"""The one way in for mail: a raw message is stored once, then decided in one order (decision record 0018)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.models import Contact
from incidents.callers.people import person_with_address
from incidents.choices import State
from incidents.inbound.bounces import bounce_record
from incidents.inbound.files import files_sorted
from incidents.inbound.parse import Bounce, ParsedMail, UnreadableMail, mail_head, mail_parse
from incidents.inbound.replies import incident_reply
from incidents.inbound.threads import thread_of
from incidents.mail.outbox import desk_address
from incidents.models import InboundMail, InboundState

logger = logging.getLogger(__name__)

MAX_REASON = 2000
# What reading a message fills in, and what deciding it does (saved without the original again).
READ = ["message_id", "sender", "sender_name", "subject", "sent_at", "text", "reply"]
DECIDED = ["state", "reason", "contact", "incident", "regarding", "entry", "answers"]


def mail_receive(raw: bytes, *, source: str, source_id: str) -> InboundMail:
    """Store a raw message and decide what it is, in one transaction; return its row.

    A message taken before (the same source id, or the same ``Message-ID`` from another source) is not taken
    again: its first row is returned. Never raises for what the message holds: a message that cannot be read
    or decided is kept as refused, with the reason, for an administrator. Raises only when the database
    cannot be reached (the source keeps the message and tries again).
    """
    with transaction.atomic():
        mail = InboundMail(source=source, source_id=source_id[:300], raw=raw, size=len(raw))
        parsed = _read(mail)
        seen = Q(source=source, source_id=mail.source_id)
        if mail.message_id:
            seen |= Q(message_id=mail.message_id)
        if taken := InboundMail.objects.filter(seen).defer("raw").first():
            return taken
        try:
            with transaction.atomic():
                mail.save()
        except IntegrityError:  # another worker took it a moment ago, from this source or another
            return InboundMail.objects.filter(seen).defer("raw").first()
        if parsed is not None:
            _decide_safely(mail, parsed)
    return mail


def mail_decide_again(*, by: AbstractBaseUser, mail_id: int) -> InboundMail:
    """Decide a refused message again: an administrator's "take it again", which reads it whatever its size
    and however many its sender sent. Raises ``PermissionDenied`` for anyone who may not change inbound mail,
    ``ValidationError`` for a message that was not refused."""
    if not by.has_perm("incidents.change_inboundmail"):
        raise PermissionDenied(_("Only administrators take a refused message again."))
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().get(pk=mail_id)
        if mail.state != InboundState.REFUSED:
            raise ValidationError(_("Only a refused message is taken again."), code="state")
        parsed = _read(mail, again=True)
        mail.save(update_fields=[*READ, *DECIDED])
        if parsed is not None:
            _decide_safely(mail, parsed, again=True)
    return mail


# --- reading ------------------------------------------------------------------------------------------


def _read(mail: InboundMail, *, again: bool = False) -> ParsedMail | None:
    """Fill the row from the message; ``None`` (and the row refused) when it cannot be read."""
    raw = bytes(mail.raw)
    if len(raw) > settings.INBOUND_MAX_BYTES and not again:
        head = mail_head(raw)
        mail.sender, mail.sender_name, mail.subject = head.sender, head.sender_name, head.subject[:300]
        mail.message_id = head.message_id
        return _refuse(
            mail,
            _("The message is %(size)s; messages up to %(max)s are read (INBOUND_MAX_BYTES).")
            % {"size": filesizeformat(len(raw)), "max": filesizeformat(settings.INBOUND_MAX_BYTES)},
        )
    try:
        parsed = mail_parse(raw)
    except UnreadableMail as error:
        return _refuse(mail, str(error))
    except Exception as error:  # the email package's own failures on a broken message
        logger.warning("Inbound message %s/%s cannot be read.", mail.source, mail.source_id, exc_info=True)
        return _refuse(mail, _("The message cannot be read: %(error)s") % {"error": f"{type(error).__name__}: {error}"})
    mail.message_id = parsed.message_id
    mail.sender, mail.sender_name = parsed.sender, parsed.sender_name
    mail.subject = parsed.subject[:300]
    mail.sent_at = parsed.sent_at
    mail.text, mail.reply = parsed.text, parsed.reply
    return parsed


def _refuse(mail: InboundMail, reason: str) -> None:
    mail.state = InboundState.REFUSED
    mail.reason = reason[:MAX_REASON]


# --- deciding -----------------------------------------------------------------------------------------


def _decide_safely(mail: InboundMail, parsed: ParsedMail, *, again: bool = False) -> None:
    """Decide, and keep the message as refused with the error when deciding fails."""
    try:
        with transaction.atomic():
            _decide(mail, parsed, again=again)
            mail.save(update_fields=DECIDED)
    except Exception as error:
        logger.exception("Inbound message %s could not be decided.", mail.pk)
        _refuse(mail, _("The message could not be decided: %(error)s") % {"error": f"{type(error).__name__}: {error}"})
        mail.incident = mail.entry = mail.answers = mail.regarding = None
        mail.save(update_fields=DECIDED)


def _decide(mail: InboundMail, parsed: ParsedMail, *, again: bool) -> None:
    desk = desk_address()
    if parsed.sender == desk or any(desk in loop for loop in parsed.loops):
        return _leave(mail, _("The desk's own mail came back (its address or X-Loop): nothing is answered."))
    if parsed.bounce is not None:
        return _bounce(mail, parsed.bounce)
    if parsed.automatic:
        return _leave(mail, _("Automatic mail (%(why)s): never answered, changes nothing.") % {"why": parsed.automatic})
    if not again and _over_rate(parsed.sender):
        return _refuse(
            mail,
            _("More than %(count)s messages from %(sender)s in an hour (INBOUND_RATE_PER_HOUR).")
            % {"count": settings.INBOUND_RATE_PER_HOUR, "sender": parsed.sender},
        )
    mail.contact = sender_contact(parsed.sender)
    thread = thread_of(answers=parsed.answers, subject=parsed.subject)
    if thread is None:
        return _intake(mail, _("A new message."))
    incident = thread.incident
    mail.answers = thread.answers
    mail.regarding = incident
    if incident.state == State.CLOSED:
        return _intake(mail, _("A reply to %(number)s, which is closed.") % {"number": incident.number})
    person = None if parsed.authentication_failed else person_with_address(incident, parsed.sender)
    if person is None:
        why = (
            _("the receiving server could not verify the sender (DMARC failed)")
            if parsed.authentication_failed
            else _("%(sender)s is not one of its people") % {"sender": parsed.sender}
        )
        return _intake(mail, _("A reply to %(number)s, but %(why)s.") % {"number": incident.number, "why": why})
    files, refused = files_sorted(parsed.files)
    if not parsed.reply and not files:
        return _intake(mail, _("A reply to %(number)s with nothing new in it (only the quoted mail).")
                       % {"number": incident.number})  # fmt: skip
    try:
        with transaction.atomic():
            entry = incident_reply(
                incident_id=incident.pk,
                person=person,
                text=parsed.reply,
                files=files,
                via="mail",
                mail_id=mail.pk,
                refused_files=refused,
            )
    except ValidationError as error:
        return _intake(mail, _("A reply to %(number)s that could not be journaled: %(error)s")
                       % {"number": incident.number, "error": " ".join(error.messages)})  # fmt: skip
    mail.state = InboundState.REPLY
    mail.incident, mail.entry, mail.regarding = incident, entry, None
    mail.reason = _("Journaled on %(number)s (matched by its %(by)s).") % {
        "number": incident.number,
        "by": _("headers") if thread.by == "header" else _("subject's number"),
    }
    return None


def sender_contact(address: str) -> Contact | None:
    """The contact with this address (through the index of the unique address, any case)."""
    return Contact.objects.alias(address=Lower("email")).filter(address=address.lower()).first() if address else None


def _leave(mail: InboundMail, reason: str) -> None:
    mail.state = InboundState.AUTOMATIC
    mail.reason = reason
    return


def _intake(mail: InboundMail, reason: str) -> None:
    mail.state = InboundState.INTAKE
    mail.reason = reason
    return


def _bounce(mail: InboundMail, bounce: Bounce) -> None:
    if bounce.delayed:
        return _leave(mail, _("A delivery delay report: the mail server is still trying."))
    mail.state = InboundState.BOUNCE
    message = bounce_record(bounce)
    if message is None:
        mail.reason = _("A bounce of a mail that is not one of the desk's.")
        return None
    mail.answers = message
    mail.incident = message.incident
    mail.reason = _("The mail to %(recipient)s bounced: %(diagnostic)s") % {
        "recipient": message.recipient,
        "diagnostic": message.last_error,  # the bounce's reason, worded once (bounces.bounce_record)
    }
    return None


def _over_rate(sender: str) -> bool:
    since = timezone.now() - datetime.timedelta(hours=1)
    return InboundMail.objects.filter(sender=sender, received_at__gte=since).count() > settings.INBOUND_RATE_PER_HOUR
