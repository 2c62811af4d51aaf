"""Erasing a contact's personal data (GDPR Art. 17) in one audited function: their name, addresses, phones and
the words they wrote replaced across the CMDB, incidents, journal, files, mail in and out, and the incident
history; the incidents, their numbers and the figures stay (decision record 0025)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from cmdb.models import Contact
from incidents.callers.export import their_entries, their_mail, their_rows
from incidents.choices import ActivityKind
from incidents.models import (
    Activity,
    Attachment,
    Erasure,
    Incident,
    IncidentHistory,
    OutboxMessage,
    OutboxState,
)
from servicedesk.actor import acting_as

ERASED = "[erased]"
ERASED_ADDRESS = "erased@example.invalid"
QUOTING = ("reply_received", "reopened_by_caller")  # staff mails that quote what the person wrote
NOT_SENT = "Not sent: the recipient's personal data was erased."
MAIL_EMPTIED = {"raw": b"", "sender": ERASED_ADDRESS, "sender_name": "", "subject": ERASED, "text": "", "reply": ""}
security = logging.getLogger("servicedesk.security")


@transaction.atomic
def contact_erase(*, by: AbstractBaseUser | None, contact_id: int, reason: str) -> Erasure:
    """Erase what the portal holds about the contact and return the record of it (who, when, why, how much).

    ``by`` must be an administrator (``None``: the system, for retention). Raises ``PermissionDenied`` for
    anyone else, ``ValidationError`` without a reason or for a contact erased already. The files they sent
    are deleted from storage after the commit.
    """
    if by is not None and not by.is_superuser:
        raise PermissionDenied(_("Only an administrator erases a person's data."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the data is erased (the request, its date).")]})
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if Erasure.objects.filter(contact=contact).exists():
        raise ValidationError(_("This contact's data was erased already."), code="erased")
    with acting_as(by, f"erasure of contact {contact.pk}"), erasing():
        counts = _erase(contact)
    erasure = Erasure.objects.create(contact=contact, erased_by=by, reason=reason.strip()[:300], counts=counts)
    security.info("personal data erased contact=%s by=%r", contact.pk, by.get_username() if by else "retention")
    return erasure


@contextmanager
def erasing() -> Iterator[None]:
    """Within the block (and its transaction), the history's triggers let an erasure rewrite values."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('servicedesk.erasing', 'on', true)")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('servicedesk.erasing', 'off', true)")


def _erase(contact: Contact) -> dict[str, int]:
    name, address = contact.full_name.strip(), contact.email.strip()
    as_caller = Incident.objects.filter(caller=contact)
    rows = their_rows(contact)
    kept = list(rows.values_list("incident_id", flat=True))
    # The names the desk typed when it kept them informed by address are theirs too.
    words = [
        word for word in {name, address, *rows.filter(contact__isnull=True).values_list("name", flat=True)} if word
    ]
    involved = Q(incident__in=as_caller) | Q(incident__in=kept)
    theirs = their_entries(contact)
    answers = Q(incident__in=as_caller, data__via="caller_link") | theirs
    files = list(Attachment.objects.filter(activity__in=Activity.objects.filter(theirs)))
    counts: dict[str, int] = {
        "their_words": Activity.objects.filter(answers).exclude(kind=ActivityKind.CALL_ADDED).update(text=ERASED),
        "files": len(files),
        "comments": as_caller.exclude(satisfaction_comment="").update(satisfaction_comment=""),
        "history": _history(as_caller),
        "mails_out": _outbox(address),
        "mails_in": their_mail(contact).update(**MAIL_EMPTIED),
        # Kept informed by their address alone: no contact stands behind the row, so it goes.
        "people_by_address": rows.filter(contact__isnull=True).delete()[0],
    }
    counts["satisfaction_in_journal"] = Activity.objects.filter(answers, data__has_key="satisfaction_comment").update(
        data=jsonb_set("data", "satisfaction_comment", [ERASED, ERASED])
    )
    journal = Activity.objects.filter(involved | theirs)
    counts["names_in_texts"] = sum(text_replaced(journal, "text", word) for word in words)
    counts["names_in_details"] = sum(details_replaced(journal, word) for word in words)
    counts["staff_mails"] = _staff_mails(as_caller, kept, words)
    counts["notices"] = _recipients(address) if address else 0
    files_erased(files)
    Contact.objects.filter(pk=contact.pk).update(
        first_name="Erased", last_name=f"contact {contact.pk}", email="", phone="", mobile="", department="",
        user=None, active=False, vip=False,
    )  # fmt: skip
    return counts


def files_erased(files: list[Attachment]) -> None:
    """The files' rows emptied now, their content deleted from storage once the erasure is committed."""
    for stored in [attachment.file.name for attachment in files if attachment.file.name]:
        transaction.on_commit(lambda stored=stored: default_storage.delete(stored))
    Attachment.objects.filter(pk__in=[attachment.pk for attachment in files]).update(file="", name=ERASED, size=0)


def _history(as_caller: Any) -> int:
    """The satisfaction comments the history kept, in the rows of the incidents they called about."""
    rows = IncidentHistory.objects.filter(incident__in=as_caller, changes__has_key="satisfaction_comment")
    return rows.update(changes=jsonb_set("changes", "satisfaction_comment", [ERASED, ERASED]))


def _outbox(address: str) -> int:
    if not address:
        return 0
    mails = OutboxMessage.objects.filter(recipient__iexact=address)
    mails.filter(state=OutboxState.PENDING).update(state=OutboxState.FAILED, last_error=NOT_SENT)
    return mails.update(recipient=ERASED_ADDRESS, body_text=ERASED, body_html="")


def text_replaced(rows: Any, column: str, word: str) -> int:
    """``word`` (their name, their address) replaced in a text column of ``rows``."""
    return rows.filter(**{f"{column}__icontains": word}).update(**{column: _replaced(F(column), word)})


def details_replaced(entries: Any, word: str) -> int:
    """``word`` replaced wherever it stands in the entries' details (names, subjects, addresses)."""
    escaped = json.dumps(word)[1:-1]
    as_text = Cast(F("data"), models.TextField())
    return (
        entries.annotate(details=as_text)
        .filter(details__icontains=escaped)
        .update(data=Cast(_replaced(as_text, escaped), models.JSONField()))
    )


def _replaced(expression: Any, word: str) -> Func:
    """``word`` replaced in ``expression`` wherever it stands, in any case (``regexp_replace``)."""
    return Func(expression, Value(re.escape(word)), Value(ERASED), Value("gi"), function="regexp_replace",
                output_field=models.TextField())  # fmt: skip


def _staff_mails(as_caller: Any, kept: Any, words: list[str]) -> int:
    """The staff's mails about their incidents: their names and address out, and the mails that quote their
    words (a reply, a reopening) emptied."""
    mails = OutboxMessage.objects.filter(Q(incident__in=as_caller) | Q(incident__in=kept))
    quoting = mails.filter(kind__in=QUOTING).update(body_text=ERASED, body_html="")
    for word in words:
        for column in ("subject", "body_text", "body_html"):
            text_replaced(mails, column, word)
    return quoting


def _recipients(address: str) -> int:
    """Their address in the recipients the journal lists for each mail, whatever the incident (one statement)."""
    return details_replaced(Activity.objects.filter(data__recipients__contains=[address]), address)


def jsonb_set(column: str, key: str, value: Any) -> Func:
    """``column`` with ``key`` set to ``value`` (PostgreSQL's ``jsonb_set``), in the statement."""
    path = Value([key], output_field=ArrayField(models.TextField()))
    return Func(F(column), path, Value(value, output_field=models.JSONField()), function="jsonb_set",
                output_field=models.JSONField())  # fmt: skip
