"""The placeholders of a canned reply, filled for one incident by an explicit substitution: ``{name}`` is looked
up in a fixed table of values, never by ``str.format`` (which would let a reply's text read attributes)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from incidents.choices import OPEN_STATES
from incidents.core.values import when

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _due(incident: Any) -> str:
    """The next service-level target: the response while nobody has answered yet, else the resolution; none
    once the incident is resolved or has no service level."""
    if incident.state not in OPEN_STATES:
        return ""
    due = incident.response_due_at if incident.responded_at is None and incident.response_due_at else None
    due = due or incident.resolution_due_at
    return when(due)


# name -> (what it says, how it is read from the incident and the user writing).
PLACEHOLDERS: dict[str, tuple[Any, Callable[[Any, Any], str]]] = {
    "caller_first_name": (_("the caller's first name"), lambda incident, user: incident.caller.first_name),
    "caller_name": (_("the caller's full name"), lambda incident, user: incident.caller.full_name),
    "number": (_("the incident's number"), lambda incident, user: incident.number),
    "short_description": (_("the incident's short description"), lambda incident, user: incident.short_description),
    "workaround": (_("the workaround given so far"), lambda incident, user: incident.workaround),
    "due": (_("the next service-level target, date and time"), lambda incident, user: _due(incident)),
    "group": (
        _("the assigned support group"),
        lambda incident, user: incident.assigned_group.name if incident.assigned_group_id else "",
    ),
    "my_name": (_("your own name"), lambda incident, user: user.get_full_name() or user.get_username()),
}


def known_placeholders() -> list[str]:
    return [f"{{{name}}}" for name in PLACEHOLDERS]


def check_placeholders(text: str) -> None:
    """Refuse a text naming a placeholder that does not exist, with the list of those that do."""
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(unknown)s. Known placeholders: %(known)s."),
            code="unknown_placeholder",
            params={"unknown": ", ".join(f"{{{name}}}" for name in unknown), "known": ", ".join(known_placeholders())},
        )


def fill_placeholders(text: str, *, incident: Any, user: Any) -> str:
    """The text with each known ``{name}`` replaced by its value for ``incident``; anything else left as written."""

    def value(match: re.Match[str]) -> str:
        entry = PLACEHOLDERS.get(match.group(1))
        return match.group(0) if entry is None else str(entry[1](incident, user) or "")

    return PLACEHOLDER.sub(value, text)
