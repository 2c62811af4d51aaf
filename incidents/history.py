"""The incident history: the audit that nothing bypasses, and its readers.

Every change to an incident's record, and every configuration item linked to or unlinked from it, is a row
of ``IncidentHistory``, written by PostgreSQL triggers (migration ``0008_incident_history``) in the
transaction of the change, whatever made it: a service, the admin, a Celery task, a
``QuerySet.update(state=...)`` or raw SQL. The journal (``Activity``) stays the timeline people read,
written by the services in words; the history is the record an auditor checks it against.

What a row holds:

- ``operation``: ``insert`` (the incident was recorded; ``changes`` lists the columns it was recorded
  with, those empty left out) or ``update``;
- ``changes``: ``{column: [old, new]}`` for each column that differs, as the database stores it (ids for
  foreign keys, ISO times in UTC); the CI links as ``{"cis": {"added": [ids]}}`` or ``{"cis": {"removed":
  [ids]}}``, one row per statement. ``updated_at``, ``version`` and ``search_vector`` are bookkeeping and
  left out: a save that changes nothing else writes no row. A column added to the incident later is
  audited without touching the triggers (they compare the whole row);
- ``actor`` and ``context``: who acted and where from, as the application told the transaction
  (``servicedesk.actor``): the request's user and method and path, ``"task <name>"`` with no user for a
  Celery task; nothing (no actor, empty context) for a write from anywhere else.
- ``changed_at``: the database's clock at the change (``clock_timestamp()``), so rows of one transaction
  keep their order.

The table is append-only: its own trigger refuses any insert but the audit triggers', and every update and
delete.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist

from incidents.models import Incident, IncidentHistory


@dataclass(frozen=True)
class FieldChange:
    """One column's change: its name, its label on the incident, and the stored values before and after."""

    name: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: datetime.datetime
    operation: str  # IncidentHistory.Operation
    operation_label: str
    actor: AbstractBaseUser | None
    context: str
    changes: list[FieldChange]
    cis_added: list[int]
    cis_removed: list[int]


def incident_history(*, incident_id: int) -> list[HistoryEntry]:
    """The incident's history, oldest first, in one query; values as stored (ids, ISO times)."""
    rows = IncidentHistory.objects.filter(incident_id=incident_id).select_related("actor").order_by("changed_at", "id")
    return [_entry(row) for row in rows]


def _entry(row: IncidentHistory) -> HistoryEntry:
    changes = dict(row.changes)
    cis = changes.pop("cis", None)
    links = cis if isinstance(cis, dict) else {}
    return HistoryEntry(
        changed_at=row.changed_at,
        operation=row.operation,
        operation_label=row.get_operation_display(),
        actor=row.actor,
        context=row.context,
        changes=[FieldChange(name, column_label(name), *values) for name, values in sorted(changes.items())],
        cis_added=list(links.get("added", [])),
        cis_removed=list(links.get("removed", [])),
    )


def column_label(column: str) -> str:
    """The incident field's label for a column name (``caller_id`` → "caller"); the name itself if none."""
    for field in Incident._meta.concrete_fields:
        if field.column == column:
            return str(field.verbose_name)
    try:
        return str(Incident._meta.get_field(column).verbose_name)
    except FieldDoesNotExist:
        return column  # a column dropped since the row was written
