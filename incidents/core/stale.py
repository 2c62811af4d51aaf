"""A form opened before someone else changed the incident is refused, saying who changed what since, and when."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incidents.choices import ActivityKind, Priority
from incidents.core.values import person_name, when
from incidents.models import Activity, Incident

MAX_CHANGES_TOLD = 5


class StaleIncident(ValidationError):
    """The incident changed after the form was opened; the message says who changed what, and when.

    ``changes`` holds the journal entries written since ``expected_version``.
    """

    def __init__(self, incident: Incident, expected_version: int) -> None:
        self.number = incident.number
        self.expected_version = expected_version
        self.current_version = incident.version
        self.changes = list(
            incident.journal.filter(incident_version__gt=expected_version).select_related("author").order_by("id")
        )
        super().__init__(_stale_message(incident, self.changes), code="stale")


def refusal_status(error: ValidationError) -> int:
    """A refused form's status: 409 when the incident changed since it was opened, 400 for what was sent."""
    return 409 if isinstance(error, StaleIncident) else 400


def ensure_current(incident: Incident, expected_version: int | None) -> None:
    """Raise ``StaleIncident`` when the form was opened at another version than the incident's."""
    if expected_version is not None and expected_version != incident.version:
        raise StaleIncident(incident, expected_version)


def _stale_message(incident: Incident, changes: list[Activity]) -> str:
    if not changes:
        return _("%(number)s was changed by someone else since you opened it. Reload it and try again.") % {
            "number": incident.number
        }
    told = [_told(entry) for entry in changes[:MAX_CHANGES_TOLD]]
    if len(changes) > MAX_CHANGES_TOLD:
        told.append(_("%(count)s more changes") % {"count": len(changes) - MAX_CHANGES_TOLD})
    return _("%(number)s has changed since you opened it: %(changes)s. Reload it and try again.") % {
        "number": incident.number,
        "changes": "; ".join(told),
    }


def _told(entry: Activity) -> str:
    """ "Sam Lindqvist escalated it to Network operations (27 Nov, 14:02)"."""
    data = entry.data or {}
    if entry.author is not None:
        who = person_name(entry.author)
    elif data.get("via") == "caller_link":
        who = _("the caller")
    elif data.get("via") == "automatic":
        who = _("the automatic closure")
    else:
        who = _("someone")
    what = _what(entry.kind, data)
    return _("%(who)s %(what)s (%(when)s)") % {"who": who, "what": what, "when": when(entry.created_at, "j M, H:i")}


def _what(kind: str, data: dict[str, Any]) -> str:
    def new(name: str) -> Any:
        return (data.get(name) or [None, None])[1]

    if kind == ActivityKind.CONFIRMED:
        return _("confirmed the fix")
    if kind == ActivityKind.ESCALATED:
        return _("escalated it to %(group)s") % {"group": new("assigned_group")}
    if kind == ActivityKind.ACKNOWLEDGED:
        return _("acknowledged it")
    if kind == ActivityKind.ASSIGNED:
        return _("assigned it to %(name)s") % {"name": new("assignee")}
    # A master's affected users grow with its subordinates (decision record 0013).
    if kind == ActivityKind.SUBORDINATE_RECORDED:
        return _("recorded %(number)s under it") % {"number": data.get("subordinate")}
    if kind == ActivityKind.SUBORDINATE_ATTACHED:
        return _("attached %(numbers)s to it") % {"numbers": ", ".join(data.get("subordinates") or [])}
    if kind == ActivityKind.FIELD_CHANGED and data.get("subordinate"):
        return _("counted a call added to %(number)s") % {"number": data["subordinate"]}
    step = data.get("step")
    if step == "classify":
        priority = new("priority")
        return _("classified it as %(category)s, %(priority)s") % {
            "category": new("category"),
            "priority": Priority(priority).label if priority in Priority.values else "",
        }
    if step == "resolve_at_first_line":
        return _("resolved it at first line")
    if step == "resolve":
        return _("resolved it")
    if step == "resolve_with_master":
        return _("resolved it with its master %(master)s") % {"master": data.get("master")}
    if step == "reopen":
        return _("reopened it")
    if step == "close":
        return _("closed it")
    return str(ActivityKind(kind).label).lower() if kind in ActivityKind.values else kind
