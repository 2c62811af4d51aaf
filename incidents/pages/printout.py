"""An incident on paper: its facts and the journal its people may read, in their words, never an internal note
(decision record 0046)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from incidents.callers.timeline import CallerEntry, caller_journal_printed
from incidents.models import Incident

# A printout holds the newest entries up to this many; it says when older ones were left out.
PRINTED_ENTRIES = 500


@dataclass(frozen=True)
class Printout:
    incident: Incident
    entries: list[CallerEntry]
    older_left_out: bool
    printed_at: datetime.datetime


def incident_printout(incident: Incident) -> Printout:
    """What the print view of ``incident`` shows besides its facts: the customer-visible journal, oldest first."""
    entries, older_left_out = caller_journal_printed(incident, limit=PRINTED_ENTRIES)
    return Printout(incident=incident, entries=entries, older_left_out=older_left_out, printed_at=timezone.now())
