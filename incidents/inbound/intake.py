"""The desk's intake inbox: mail that is not a reply waits here until an operator records it as an incident,
adds it to one as a call, or says why it is not an incident. A mail never becomes an incident by itself."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.models import Contact
from incidents.choices import ActivityKind, Channel
from incidents.core.values import person_name, when
from incidents.inbound import receive
from incidents.inbound.files import files_sorted
from incidents.inbound.parse import MailFile, mail_parse
from incidents.journal.attachments import check_files, store_files
from incidents.models import Activity, Dismissal, InboundMail, InboundState, Incident
from incidents.recording import calls
from servicedesk.tabs import Tab

REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|wg|fw|fwd|tr|rv|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
TAG = re.compile(r"^\s*\[\s*INC\d+\s*\]\s*", re.IGNORECASE)
MAX_SYMPTOMS = 10_000


RECENT = datetime.timedelta(days=30)


def _recent(states: tuple[str, ...]) -> Callable[[object, datetime.datetime], Q]:
    return lambda user, now: Q(state__in=states, received_at__gte=now - RECENT)


# The inbox's tabs: what waits, the oldest first; the rest of the last 30 days, the newest first.
INBOX_TABS = (
    Tab("waiting", gettext_lazy("Waiting for the desk"), gettext_lazy("No mail waits for the desk."),
        lambda user, now: Q(state=InboundState.INTAKE)),
    Tab("decided", gettext_lazy("Decided"), gettext_lazy("No mail was decided in the last 30 days."),
        _recent((InboundState.RECORDED, InboundState.ADDED, InboundState.DISMISSED))),
    Tab("replies", gettext_lazy("Replies journaled"), gettext_lazy("No reply came in the last 30 days."),
        _recent((InboundState.REPLY,))),
    Tab("other", gettext_lazy("Automatic, bounced, refused"),
        gettext_lazy("Nothing was left alone in the last 30 days."),
        _recent((InboundState.AUTOMATIC, InboundState.BOUNCE, InboundState.REFUSED))),
)  # fmt: skip


def inbox_counts(now: datetime.datetime) -> dict[str, int]:
    """How many mails each tab holds (one query)."""
    return InboundMail.objects.aggregate(
        **{tab.name: Count("pk", filter=tab.condition(None, now)) for tab in INBOX_TABS}
    )


def inbox(tab: Tab, now: datetime.datetime) -> QuerySet[InboundMail]:
    """The mails of one tab, without their originals."""
    order = ("received_at", "pk") if tab.name == "waiting" else ("-received_at", "-pk")
    return (
        InboundMail.objects.filter(tab.condition(None, now))
        .defer("raw", "text", "reply")
        .select_related("contact", "incident", "regarding", "decided_by")
        .order_by(*order)
    )


def next_waiting() -> int | None:
    """The id of the mail that has waited longest for the desk, if any."""
    return (
        InboundMail.objects.filter(state=InboundState.INTAKE).order_by("received_at", "pk").values_list("pk", flat=True)
    ).first()


def summary_of(mail: InboundMail) -> str:
    """A short description from the subject: without "Re:", "Fwd:" and incident numbers."""
    summary, before = mail.subject, None
    while summary != before:
        before, summary = summary, TAG.sub("", REPLY_PREFIX.sub("", summary)).strip()
    return " ".join(summary.split())[:200]


def sender_contact(mail: InboundMail) -> Contact | None:
    """The active contact with the sender's address, if the CMDB knows one."""
    contact = receive.sender_contact(mail.sender)
    return contact if contact is not None and contact.active else None


def mail_files(mail: InboundMail) -> list[MailFile]:
    """The files attached to a mail (read again from the original)."""
    try:
        return list(mail_parse(bytes(mail.raw)).files)
    except Exception:  # a refused, unreadable message: its original is still one click away
        return []


# --- the desk's decisions -----------------------------------------------------------------------------


@transaction.atomic
def intake_record(*, by: AbstractBaseUser, mail_id: int, **fields: Any) -> Incident:
    """Record the mail as a new incident (``fields`` as for ``incident_record``; reported when it arrived, by
    e-mail unless the desk says otherwise); the mail's files go on the recording entry. The caller gets the
    "recorded" mail as for a call. Raises ``PermissionDenied`` for anyone but the desk, ``ValidationError``
    when the mail was decided already or the incident cannot be recorded (nothing is written then)."""
    calls.ensure_may_record(by)
    mail = _lock_waiting(mail_id)
    fields.setdefault("channel", Channel.EMAIL)
    incident = calls.incident_record(by=by, reported_at=mail.received_at, **fields)
    entry = Activity.objects.get(incident=incident, kind=ActivityKind.RECORDED)
    _decided(mail, by=by, state=InboundState.RECORDED, incident=incident, entry=entry)
    return incident


@transaction.atomic
def intake_add_call(
    *, by: AbstractBaseUser, mail_id: int, incident_id: int, caller: Contact, affected_users: int = 1
) -> Incident:
    """Add the mail to an open incident as a further call from ``caller`` (its subject and text as the
    symptoms, its files on the call's entry). Raises like ``intake_record`` and ``incident_add_call``."""
    calls.ensure_may_record(by)
    mail = _lock_waiting(mail_id)
    incident = calls.incident_add_call(
        by=by, incident_id=incident_id, caller=caller, symptoms=symptoms_of(mail), affected_users=affected_users
    )
    entry = Activity.objects.filter(incident=incident, kind=ActivityKind.CALL_ADDED).latest("pk")
    _decided(mail, by=by, state=InboundState.ADDED, incident=incident, entry=entry)
    return incident


@transaction.atomic
def intake_dismiss(*, by: AbstractBaseUser, mail_id: int, dismissal: str, note: str = "") -> InboundMail:
    """Not an incident: spam, thanks, an out-of-office, not for the desk, or another reason written out.
    The mail is kept with the reason and who decided. Raises ``PermissionDenied`` for anyone but the desk,
    ``ValidationError`` without a reason or when the mail was decided already."""
    calls.ensure_may_record(by)
    mail = _lock_waiting(mail_id)
    note = note.strip()
    if dismissal not in Dismissal.values:
        raise ValidationError({"dismissal": [_("Choose why this mail is not an incident.")]})
    if dismissal == Dismissal.OTHER and not note:
        raise ValidationError({"note": [_("Say why this mail is not an incident.")]})
    mail.dismissal = dismissal
    _decided(mail, by=by, state=InboundState.DISMISSED, reason=note or str(Dismissal(dismissal).label))
    return mail


def symptoms_of(mail: InboundMail) -> str:
    """The symptoms a mail reports: its subject and its whole text (a forwarded report is the report)."""
    return "\n\n".join(filter(None, [summary_of(mail), mail.text]))[:MAX_SYMPTOMS]


def _lock_waiting(mail_id: int) -> InboundMail:
    mail = InboundMail.objects.select_for_update(of=("self",)).select_related("decided_by", "incident").get(pk=mail_id)
    if mail.state != InboundState.INTAKE:
        raise ValidationError(decided_message(mail), code="decided")
    return mail


def decided_message(mail: InboundMail) -> str:
    """What became of a mail that no longer waits, in one sentence."""
    who = person_name(mail.decided_by) if mail.decided_by else _("the service desk")
    values = {"who": who, "when": when(mail.decided_at), "number": mail.incident.number if mail.incident else ""}
    if mail.state == InboundState.RECORDED:
        return _("%(who)s recorded this mail as %(number)s on %(when)s.") % values
    if mail.state == InboundState.ADDED:
        return _("%(who)s added this mail to %(number)s on %(when)s.") % values
    if mail.state == InboundState.DISMISSED:
        return _("%(who)s decided on %(when)s that this mail is not an incident.") % values
    return _("This mail does not wait for the desk: %(state)s.") % {"state": mail.get_state_display().lower()}


def _decided(
    mail: InboundMail,
    *,
    by: AbstractBaseUser,
    state: str,
    incident: Incident | None = None,
    entry: Activity | None = None,
    reason: str = "",
) -> None:
    refused: list[str] = []
    if entry is not None:
        refused = _carry_files(mail, entry)
    mail.state = state
    mail.incident, mail.entry = incident, entry
    mail.decided_by, mail.decided_at = by, timezone.now()
    mail.reason = reason or (
        _("Files not carried (still in the original): %(files)s") % {"files": " ".join(refused)} if refused else ""
    )
    mail.save(update_fields=["state", "incident", "entry", "decided_by", "decided_at", "reason", "dismissal"])


def _carry_files(mail: InboundMail, entry: Activity) -> list[str]:
    """Store the mail's files that pass a work note's checks on the entry; a sentence for each refused one."""
    accepted, refused = files_sorted(mail_files(mail))
    store_files(entry, check_files(accepted))
    return refused
