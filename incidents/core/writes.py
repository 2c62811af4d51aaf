"""The one door for writing an incident: lock it, save it with its version, write its journal entry.

Every room's services go through these (decision record 0014): the lock order is the same everywhere (id
order), a form opened at an older version is refused here, the version moves with every change of the
incident, and every journal entry is written by ``journal_write``, which also records the mail a change
queued (``Mailed``) and writes the webhook deliveries the entry is an event for (``incidents.webhooks``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet

from incidents.choices import OPEN_STATES, ActivityKind, Visibility
from incidents.core.stale import ensure_current
from incidents.models import SLA_FIELDS, Activity, Incident, WebhookSubscription
from incidents.webhooks.deliveries import webhooks_write
from servicedesk.actor import acting_through

# What the rules of who may act read of a locked incident, loaded with it.
LOCKED_RELATIONS = ("assigned_group", "assignee", "category", "service_level")


def _locking(related: Iterable[str] = (), *, members: bool = False) -> QuerySet[Incident]:
    # of=("self",): the joined rows may be NULL, and PostgreSQL locks no outer-joined side.
    rows = (
        Incident.objects.select_for_update(of=("self",))
        .select_related(*LOCKED_RELATIONS, *related)
        .defer("search_vector")
    )
    if members:
        rows = rows.prefetch_related(
            Prefetch("assigned_group__members", queryset=get_user_model().objects.order_by("pk"))
        )
    return rows


def incident_lock(
    incident_id: int, *, expected_version: int | None = None, related: Iterable[str] = (), members: bool = False
) -> Incident:
    """The incident, locked until the transaction ends, with ``related`` rows (and the assigned group's
    members) loaded. Raises ``StaleIncident`` when ``expected_version`` is given and is not the incident's."""
    incident = _locking(related, members=members).get(pk=incident_id)
    ensure_current(incident, expected_version)
    return incident


def incident_lock_with_subordinates(
    incident_id: int, *, expected_version: int | None = None
) -> tuple[Incident, list[Incident]]:
    """The incident and its open subordinates (and theirs), locked in id order like every writer of incidents."""
    rows = list(_locking().filter(Q(pk=incident_id) | Q(parent_id=incident_id, state__in=OPEN_STATES)).order_by("pk"))
    incident = next((row for row in rows if row.pk == incident_id), None)
    if incident is None:
        raise Incident.DoesNotExist(f"no incident {incident_id}")
    ensure_current(incident, expected_version)
    subordinates = [row for row in rows if row.pk != incident_id]
    # Subordinates attached while this waited for the lock, and subordinates of subordinates.
    seen, parents = {row.pk for row in rows}, [row.pk for row in rows]
    while parents:
        more = list(_locking().filter(parent_id__in=parents, state__in=OPEN_STATES).exclude(pk__in=seen).order_by("pk"))
        subordinates += more
        seen |= {row.pk for row in more}
        parents = [row.pk for row in more]
    return incident, subordinates


def incidents_lock(incident_ids: Iterable[int]) -> dict[int, Incident]:
    """Several incidents locked in id order (two desks locking the same ones cannot deadlock), by id."""
    rows = Incident.objects.select_for_update().defer("search_vector").filter(pk__in=set(incident_ids)).order_by("pk")
    return {incident.pk: incident for incident in rows}


def incident_save(incident: Incident, fields: Iterable[str]) -> None:
    """Save a locked incident's changed ``fields`` and move its version on.

    The service-level fields go with every save: the clock (``incidents.servicelevels``) sets them in memory
    before. The row was read under the lock, so ``ConcurrentTransitionMixin``'s state check holds.
    """
    incident.version += 1
    incident.save(update_fields=[*dict.fromkeys([*fields, *SLA_FIELDS]), "version", "updated_at"])


@dataclass(frozen=True)
class Mailed:
    """A mail a change queued in the outbox, as the journal records it: to whom, under which subject.

    A notification journaled as an entry of its own (``journal_mailed``) also says what it told: ``notice``
    (its kind), ``text``, its ``visibility`` and any ``details`` for the entry's data. ``unqueued``: the outbox
    rows written for the change to publish itself (``queue=False``), none otherwise.
    """

    recipients: list[str]
    subject: str = ""
    notice: str = ""
    text: str = ""
    visibility: str = Visibility.INTERNAL
    details: dict[str, Any] = field(default_factory=dict)
    unqueued: list[int] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {"recipients": list(self.recipients), **({"subject": self.subject} if self.subject else {})}


def journal_write(
    incident: Incident,
    *,
    by: AbstractBaseUser | None,
    kind: str,
    text: str = "",
    data: dict[str, Any] | None = None,
    visibility: str = Visibility.INTERNAL,
    minutes_spent: int = 0,
    mailed: Mailed | None = None,
    versioned: bool = False,
    subscriptions: Sequence[WebhookSubscription] | None = None,
) -> Activity:
    """Write one journal entry: its author (``None``: the system, or the caller through a link), what
    happened (``kind``, ``text``, ``data``), who may see it, the time spent, the mail it queued (recipients
    and subject in ``data``) and, for a change of the incident (``versioned``), the version it made.

    An entry that is a webhook event (recorded, escalated, resolved, a service level's warning…) writes its
    deliveries with it, sent after commit (``incidents.webhooks.deliveries.webhooks_write``), to ``subscriptions``
    when the caller has them from the configuration it read in this transaction, else to those it reads."""
    through = acting_through()
    entry = Activity.objects.create(
        incident=incident,
        kind=kind,
        author=by,
        text=text,
        data={**(data or {}), **(mailed.as_data() if mailed else {}), **({"through": through} if through else {})},
        visibility=visibility,
        minutes_spent=minutes_spent,
        incident_version=incident.version if versioned else None,
    )
    webhooks_write(entry, subscriptions=subscriptions)
    return entry


def journal_mailed(
    incident: Incident, mailed: Mailed, *, by: AbstractBaseUser | None = None, versioned: bool = False
) -> Activity:
    """Record a notification as an entry of its own: what was told, to whom, under which subject (and, for a
    notice that changed the incident, the version it made)."""
    return journal_write(
        incident,
        by=by,
        kind=ActivityKind.NOTIFICATION,
        text=mailed.text,
        visibility=mailed.visibility,
        data={"notice": mailed.notice, **mailed.details},
        mailed=mailed,
        versioned=versioned,
    )
