"""A reply from one of an incident's people, by mail or on the status page: a journal entry for them to see,
with its files, the clock running again if the incident waited on them, and whoever holds it told."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from incidents.callers.people import Person
from incidents.choices import ActivityKind, State, Visibility
from incidents.core.gate import ensure_gate_open
from incidents.core.writes import incident_lock, journal_mailed, journal_write
from incidents.journal.attachments import check_files, store_files
from incidents.lifecycle.holds import incident_resume
from incidents.mail import staff
from incidents.models import Activity

MAX_REPLY = 20_000
VIA = ("mail", "status_page")


@transaction.atomic
def incident_reply(
    *,
    incident_id: int,
    person: Person,
    text: str,
    files: Sequence[File] = (),
    via: str,
    mail_id: int | None = None,
    refused_files: Sequence[str] = (),
) -> Activity:
    """Journal what ``person`` wrote about the incident (``via`` mail or the status page) and return the entry.

    The entry is visible to the caller and has no author (its data name the person). The files are checked
    like a work note's and stored on the entry; ``refused_files`` (from a mail, whose other files were kept)
    are named on it. While the incident waits on the caller, the clock runs again. The assigned group (or the
    desk owner) is told by bell and mail. Raises ``ValidationError`` for an empty reply (``text``), a refused
    file (``files``: one message per file), or a closed incident (its journal is complete: the reply belongs in
    the intake inbox).
    """
    if via not in VIA:
        raise ValueError(f"A reply comes by {' or '.join(VIA)}, not {via!r}.")
    incident = incident_lock(incident_id, related=["desk_owner"])
    ensure_gate_open(incident, "caller_reply")
    if incident.state == State.CLOSED:
        raise ValidationError(
            _("%(number)s is closed: write to the service desk to report the fault again.")
            % {"number": incident.number},
            code="closed",
        )
    text = text.strip()
    if not text and not files:
        raise ValidationError({"text": [_("Write your reply.")]})
    if len(text) > MAX_REPLY:
        raise ValidationError({"text": [_("Keep the reply under %(max)s characters.") % {"max": MAX_REPLY}]})
    try:
        checked = check_files(files)
    except ValidationError as error:
        raise ValidationError({"files": error.messages}) from error

    entry = journal_write(
        incident,
        by=None,
        kind=ActivityKind.CALLER_REPLIED,
        text=text or _("(No text: see the files.)"),
        visibility=Visibility.CUSTOMER,
        data={
            "via": via,
            "from": person.name,
            "email": person.email,
            "person": person.key,
            **({"mail": mail_id} if mail_id else {}),
            **({"files_refused": list(refused_files)} if refused_files else {}),
        },
    )
    store_files(entry, checked)
    resumed = incident.awaiting_caller_since is not None
    if resumed:
        incident = incident_resume(
            by=None, incident_id=incident.pk, via_caller=True, note=_("%(name)s answered.") % {"name": person.name}
        )
    journal_mailed(incident, staff.reply_received(incident, sender=person.name, text=entry.text, resumed=resumed))
    return entry
