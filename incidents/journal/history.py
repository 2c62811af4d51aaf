"""The incident history in words: the audit rows the database triggers write for every change of an incident,
whatever made it, read back for the incident page (decision record 0004)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cmdb.models import ConfigurationItem
from incidents.core.values import shown
from incidents.models import Incident, IncidentHistory
from servicedesk.actor import THROUGH


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
    field = _field_of(column)
    return str(field.verbose_name) if field is not None else column  # a column dropped since the row was written


# --- The history as people read it on the incident page ---------------------------------------------------

HISTORY_PAGE_SIZE = 50
VALUE_SHOWN = 200  # characters of a long text (the symptoms) shown in a row; the incident page has it whole


@dataclass(frozen=True)
class ShownChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ShownEntry:
    changed_at: datetime.datetime
    operation_label: str
    actor: str
    context: str
    changes: list[ShownChange]


def shown_history(rows: list[IncidentHistory]) -> list[ShownEntry]:
    """History rows for people: field labels, choices by their labels, times in the desk's time zone, and
    the records a row names by id (caller, group, category, CIs...) by their names, looked up once per kind
    of record for all the rows (at most one query per foreign key of the incident, whatever the rows)."""
    entries = [_entry(row) for row in rows]
    names = _names(entries)
    return [
        ShownEntry(
            changed_at=entry.changed_at,
            operation_label=entry.operation_label,
            actor=(entry.actor.get_full_name() or entry.actor.get_username()) if entry.actor else _("the system"),
            context=_context_shown(entry.context),
            changes=_shown_changes(entry, names),
        )
        for entry in entries
    ]


def _context_shown(context: str) -> str:
    """A task's name says what "the system" was; a request through the API says which token. A request's path is
    left out (the caller's links carry their signed token in it, which is the caller's to use)."""
    if context.startswith("task "):
        return context
    _request, through, how = context.partition(THROUGH)
    return _("through %(what)s") % {"what": how} if through else ""


def _shown_changes(entry: HistoryEntry, names: dict[type[models.Model], dict[Any, str]]) -> list[ShownChange]:
    changes = [
        ShownChange(
            capfirst(change.label), _value(change.name, change.old, names), _value(change.name, change.new, names)
        )
        for change in entry.changes
    ]
    label = _("Configuration item")
    changes += [ShownChange(label, "—", _ci(ci, names)) for ci in entry.cis_added]
    changes += [ShownChange(label, _ci(ci, names), "—") for ci in entry.cis_removed]
    return changes


def _field_of(column: str) -> models.Field | None:
    for field in Incident._meta.concrete_fields:
        if field.column == column:
            return field
    return None


def _names(entries: list[HistoryEntry]) -> dict[type[models.Model], dict[Any, str]]:
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        for change in entry.changes:
            field = _field_of(change.name)
            if field is not None and field.is_relation:
                wanted[field.related_model].update(value for value in (change.old, change.new) if value is not None)
        wanted[ConfigurationItem].update(entry.cis_added + entry.cis_removed)
    return {model: _named(model, ids) for model, ids in wanted.items() if ids}


def _named(model: type[models.Model], ids: set[Any]) -> dict[Any, str]:
    fields = {field.name for field in model._meta.concrete_fields}
    shown = next((name for name in ("number", "name", "username") if name in fields), None)
    if shown is not None:
        return dict(model._default_manager.filter(pk__in=ids).values_list("pk", shown))
    return {pk: str(record) for pk, record in model._default_manager.in_bulk(ids).items()}


def _ci(pk: int, names: dict[type[models.Model], dict[Any, str]]) -> str:
    return names.get(ConfigurationItem, {}).get(pk) or _("CI #%(id)s (deleted)") % {"id": pk}


def _value(column: str, value: Any, names: dict[type[models.Model], dict[Any, str]]) -> str:
    field = _field_of(column)
    if field is not None and field.is_relation and value is not None:
        return names.get(field.related_model, {}).get(value) or _("#%(id)s (deleted)") % {"id": value}
    text = shown(field, value)
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1] + "…"
