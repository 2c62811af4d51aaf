"""Correcting an incident after recording: its details, and the known error, problem or change linked to it."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cmdb.models import Change, ConfigurationItem, Location, Service
from incidents.choices import ActivityKind, Channel, State
from incidents.core.checks import Errors, raise_if
from incidents.core.gate import ensure_gate_open, gate_open
from incidents.core.stale import ensure_current
from incidents.core.values import journal_value
from incidents.core.writes import incident_lock, incident_save, journal_write
from incidents.models import Incident, may_handle
from incidents.recording.tasks import incident_words_written
from incidents.servicelevels import clock
from knowledge.models import KnownError, Problem

# The details the desk (or the group working it) may correct after recording; impact and urgency change
# through classification and re-evaluation, the state through the lifecycle.
DETAIL_FIELDS = ("short_description", "symptoms", "channel", "service", "location", "affected_users")


def may_edit(incident: Incident, user: AbstractBaseUser) -> bool:
    """Who may correct an incident's details now: the page's button and form (``incident_update`` decides again)."""
    return incident.state != State.CLOSED and gate_open(incident, "update_details") and may_handle(incident, user)


def may_link(incident: Incident, user: AbstractBaseUser) -> bool:
    """Who may link a known error, a problem or a change to the incident now: the review panel's buttons."""
    return incident.state != State.CLOSED and gate_open(incident, "link") and may_handle(incident, user)


@transaction.atomic
def incident_update(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    expected_version: int,
    short_description: str,
    symptoms: str,
    channel: str,
    service: Service | None,
    location: Location | None,
    affected_users: int,
    cis: Sequence[ConfigurationItem],
) -> Incident:
    """Correct an incident's details: what the caller said, where, which service and CIs.

    The service desk and the members of the assigned group may; a closed incident is history and is not
    changed. The form's ``expected_version`` must still be the incident's: a stale form raises
    ``StaleIncident`` with what changed since. Each changed field is journaled with its old
    and new value (nothing is written when nothing changed). Raises ``PermissionDenied`` and
    ``ValidationError`` (by field); nothing is written then.
    """
    incident = incident_lock(incident_id, related=["service", "location"], members=True)
    ensure_gate_open(incident, "update_details")
    if not may_handle(incident, by):
        raise PermissionDenied(
            _("Only the service desk or the group working on %(number)s may change its details.")
            % {"number": incident.number}
        )
    ensure_current(incident, expected_version)
    if incident.state == State.CLOSED:
        raise ValidationError(_("%(number)s is closed: its details are history.") % {"number": incident.number})
    errors: Errors = {}
    if not short_description.strip():
        errors["short_description"] = [_("Say in a few words what is wrong.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how the call came in.")]
    if affected_users < 1:
        errors["affected_users"] = [_("At least the caller is affected.")]
    raise_if(errors)

    wanted = {
        "short_description": short_description.strip(),
        "symptoms": symptoms.strip(),
        "channel": channel,
        "service": service,
        "location": location,
        "affected_users": affected_users,
    }
    changes = {
        name: [journal_value(getattr(incident, name)), journal_value(value)]
        for name, value in wanted.items()
        if getattr(incident, name) != value
    }
    old_cis = sorted(ci.name for ci in incident.cis.all())
    new_cis = sorted(ci.name for ci in cis)
    if old_cis != new_cis:
        changes["cis"] = [old_cis, new_cis]
    if not changes:
        return incident
    for name, value in wanted.items():
        setattr(incident, name, value)
    if "service" in changes:
        changes |= clock.clock_recompute(incident=incident, reason=_("The service changed."))
    incident_save(incident, DETAIL_FIELDS)
    if "cis" in changes:
        incident.cis.set(cis)
    if "short_description" in changes or "symptoms" in changes:
        incident_words_written(incident_id=incident.pk)
    journal_write(incident, by=by, kind=ActivityKind.FIELD_CHANGED, data=changes, versioned=True)
    return incident


@transaction.atomic
def incident_link(*, by: AbstractBaseUser, incident_id: int, target: KnownError | Problem | Change) -> Incident:
    """Link a known error, a problem or a change to the incident (from its review panel), journaled.

    One of each kind: linking another replaces the link, and the journal keeps both. The desk and the
    group working on it may; a closed incident is history. Raises ``PermissionDenied`` or
    ``ValidationError`` (already linked, closed); nothing is written then.
    """
    field = LINK_FIELDS[type(target)]
    incident = incident_lock(incident_id, related=[field], members=True)
    ensure_gate_open(incident, "link")
    # Problem management (support and managers) links the incidents of a problem it raises.
    manages_problems = isinstance(target, Problem) and by.has_perm("knowledge.change_problem")
    if not (may_handle(incident, by) or manages_problems):
        raise PermissionDenied(
            _("Only the service desk or the group working on %(number)s may link records to it.")
            % {"number": incident.number}
        )
    if incident.state == State.CLOSED:
        raise ValidationError(_("%(number)s is closed: its links are history.") % {"number": incident.number})
    current = getattr(incident, field)
    if current == target:
        raise ValidationError(_("%(target)s is already linked.") % {"target": target.number})
    setattr(incident, field, target)
    incident_save(incident, [field])
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.LINKED,
        text=str(target),
        data={field: [str(current) if current else None, str(target)]},
        versioned=True,
    )
    return incident


LINK_FIELDS = {KnownError: "known_error", Problem: "problem", Change: "change"}
