"""What people write on an incident: internal work notes (with files), customer updates mailed to the people
kept informed, and the workaround. Who may write, and why the serious-incident gate does not hold the journal: decision
record 0010."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.callers.mails import caller_journal_entry
from incidents.callers.people import people_of, reachable
from incidents.choices import OPEN_STATES, ActivityKind, State, Visibility
from incidents.core.checks import Errors, check_minutes, raise_if
from incidents.core.gate import ensure_gate_open
from incidents.core.writes import incident_lock, incident_lock_with_subordinates, incident_save, journal_write
from incidents.journal.attachments import CheckedFile, check_files, store_files
from incidents.models import Activity, Incident, may_handle
from incidents.servicelevels import handoffs

MAX_TEXT = 10_000


# --- who may write ------------------------------------------------------------------------------------


def ensure_may_write(incident: Incident, user: Any) -> None:
    """Raise ``PermissionDenied`` with the reason for anyone who may not write in the incident's journal: all
    but the desk and the assigned group's members (``may_handle``, which the page's forms follow too)."""
    if may_handle(incident, user):
        return
    if incident.assigned_group_id is None:
        message = _("Only the service desk writes in the journal of %(number)s; managers and support groups read it.")
    else:
        message = _(
            "Only the service desk and members of %(group)s, the assigned group, write in the journal of "
            "%(number)s; managers and other groups read it."
        )
    raise PermissionDenied(message % {"number": incident.number, "group": getattr(incident.assigned_group, "name", "")})


# --- the services -------------------------------------------------------------------------------------


@transaction.atomic
def incident_add_note(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    text: str,
    minutes_spent: int = 0,
    files: Sequence[File] = (),
) -> Activity:
    """Write an internal work note on an incident, with the time spent and files attached.

    Changes nothing on the incident itself (no version bump). Raises ``PermissionDenied`` for anyone but
    the desk and the assigned group's members, ``ValidationError`` for a closed incident, an empty text,
    time off the scale or a refused file (``files``: one message per file); nothing is written or stored
    then. Sends nothing.
    """
    incident = incident_lock(incident_id)
    ensure_may_write(incident, by)
    _ensure_journal_open(incident)
    ensure_gate_open(incident, "add_note")
    errors = _entry_errors(text, minutes_spent)
    checked: list[CheckedFile] = []
    try:
        checked = check_files(files)
    except ValidationError as error:
        errors["files"] = error.messages
    raise_if(errors)
    handoffs.acknowledge_first(incident, by=by, via="note")

    entry = journal_write(incident, by=by, kind=ActivityKind.NOTE, text=text.strip(), minutes_spent=minutes_spent)
    store_files(entry, checked)
    return entry


@transaction.atomic
def incident_send_update(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    text: str,
    minutes_spent: int = 0,
    to_subordinates: bool = False,
) -> list[Activity]:
    """Send the caller a customer update by e-mail and journal it as a customer-visible entry.

    With ``to_subordinates`` the same text also goes to the callers of the incident's open subordinates,
    each journaled on its own subordinate. Returns the entries written, this incident's first; each
    entry's ``data`` holds the ``recipients`` and the ``subject``. Raises ``PermissionDenied`` for anyone
    but the desk and the assigned group's members, ``ValidationError`` for a closed incident, an empty
    text, time off the scale, a caller without an e-mail address or no open subordinate to send to.
    Sends one mail per incident after the commit.
    """
    if to_subordinates:
        incident, subordinates = incident_lock_with_subordinates(incident_id)
    else:
        incident, subordinates = incident_lock(incident_id), []
    ensure_may_write(incident, by)
    _ensure_journal_open(incident)
    ensure_gate_open(incident, "send_update")
    people = people_of(incident)
    errors = _entry_errors(text, minutes_spent)
    if not reachable(people):
        errors["__all__"] = [
            _("%(name)s, the caller, has no e-mail address: phone them and write a work note instead.")
            % {"name": people[0].name}
        ]
    if to_subordinates and not subordinates:
        errors["to_subordinates"] = [_("%(number)s has no open subordinates.") % {"number": incident.number}]
    raise_if(errors)
    handoffs.acknowledge_first(incident, by=by, via="update")

    text = text.strip()
    update = partial(
        _write_customer_entry, kind=ActivityKind.CUSTOMER_UPDATE, what=gettext_lazy("Update"), by=by, text=text
    )
    entries = [
        update(
            incident,
            minutes_spent=minutes_spent,
            data={"subordinates": [sub.number for sub in subordinates]} if subordinates else {},
        )
    ]
    entries += [update(subordinate, minutes_spent=0, data={"master": incident.number}) for subordinate in subordinates]
    return entries


def incident_write_entry(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    kind: str,
    text: str,
    minutes_spent: int = 0,
    to_subordinates: bool = False,
    files: Sequence[File] = (),
) -> list[Activity]:
    """The journal's composer, whichever way it is sent (the page, the API): a customer update
    (``incident_send_update``, its entries) or a work note (``incident_add_note``, its one entry)."""
    if kind == ActivityKind.CUSTOMER_UPDATE:
        return incident_send_update(
            by=by, incident_id=incident_id, text=text, minutes_spent=minutes_spent, to_subordinates=to_subordinates
        )
    return [incident_add_note(by=by, incident_id=incident_id, text=text, minutes_spent=minutes_spent, files=files)]


@transaction.atomic
def incident_provide_workaround(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    workaround: str,
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Activity:
    """Record a workaround on an open incident (``Incident.workaround``) and mail it to the caller.

    Bumps the version; the customer-visible journal entry holds the old and new workaround in ``data``
    with the recipients. Raises ``StaleIncident`` when the incident changed since ``expected_version``,
    ``PermissionDenied`` for anyone but the desk and the assigned group's members, ``ValidationError``
    for an incident that is not open, an empty or unchanged workaround or time off the scale. Mails the
    caller after the commit when they have an address (the entry says when they have none).
    """
    incident = incident_lock(incident_id, expected_version=expected_version)
    ensure_may_write(incident, by)
    ensure_gate_open(incident, "provide_workaround")
    if incident.state not in OPEN_STATES:
        raise ValidationError(
            _("%(number)s is %(state)s: a workaround is for an open incident.")
            % {"number": incident.number, "state": str(State(incident.state).label).lower()},
            code="state",
        )
    workaround = workaround.strip()
    errors: Errors = {}
    if not workaround:
        errors["workaround"] = [_("Describe the workaround: what the caller can do until the fault is fixed.")]
    elif len(workaround) > MAX_TEXT:
        errors["workaround"] = [_("Keep the workaround under %(max)s characters.") % {"max": MAX_TEXT}]
    elif workaround == incident.workaround:
        errors["workaround"] = [_("This is already the workaround of %(number)s.") % {"number": incident.number}]
    check_minutes(errors, minutes_spent)
    raise_if(errors)
    handoffs.acknowledge_first(incident, by=by, via="workaround")

    before = incident.workaround
    incident.workaround = workaround
    incident_save(incident, ["workaround"])
    return _write_customer_entry(
        incident,
        kind=ActivityKind.WORKAROUND,
        what=gettext_lazy("Workaround"),
        by=by,
        text=workaround,
        minutes_spent=minutes_spent,
        data={"workaround": [before, workaround]},
        versioned=True,
    )


# --- helpers ------------------------------------------------------------------------------------------


def _ensure_journal_open(incident: Incident) -> None:
    if incident.state == State.CLOSED:
        raise ValidationError(
            _("%(number)s is closed and its journal complete; if the fault is back, record a new call.")
            % {"number": incident.number},
            code="closed",
        )


def _entry_errors(text: str, minutes_spent: int) -> Errors:
    errors: Errors = {}
    if not text.strip():
        errors["text"] = [_("Write the text of the entry.")]
    elif len(text.strip()) > MAX_TEXT:
        errors["text"] = [_("Keep the entry under %(max)s characters.") % {"max": MAX_TEXT}]
    check_minutes(errors, minutes_spent)
    return errors


def _write_customer_entry(
    incident: Incident,
    *,
    kind: ActivityKind,
    what: str | Promise,
    by: AbstractBaseUser,
    text: str,
    minutes_spent: int,
    data: dict[str, Any],
    versioned: bool = False,
) -> Activity:
    """A customer-visible entry, with its mail to each of the incident's people who has an address (recipients
    and subject on the entry either way)."""
    mailed = caller_journal_entry(incident, kind=kind.value, what=what, text=text)
    return journal_write(
        incident,
        by=by,
        kind=kind,
        text=text,
        data=data,
        visibility=Visibility.CUSTOMER,
        minutes_spent=minutes_spent,
        mailed=mailed,
        versioned=versioned,
    )
