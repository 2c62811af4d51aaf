"""The ledger of an incident's clock, as its page shows it: what each target used, stretch by stretch."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import OPEN_STATES
from incidents.models import Incident
from incidents.servicelevels.calendar import CalendarSpec, Stretch, ledger, ledger_total
from incidents.servicelevels.clock import load_clock


@dataclass(frozen=True)
class TargetLedger:
    """One target's ledger: the stretches of its clock up to its end, what they add up to, and the outcome."""

    target: str
    label: str
    minutes: int | None
    due_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    met: bool | None
    stretches: list[Stretch]
    used: datetime.timedelta

    @property
    def used_minutes(self) -> int:
        return int(self.used.total_seconds() // 60)

    @property
    def percent(self) -> int | None:
        return round(100 * self.used_minutes / self.minutes) if self.minutes else None


def incident_ledgers(
    incident: Incident, *, now: datetime.datetime | None = None
) -> tuple[CalendarSpec | None, list[TargetLedger]]:
    """The calendar that applies and the response and resolution ledgers of an incident (three queries)."""
    now = now or timezone.now()
    clock = load_clock(incident)
    if clock.spec is None:
        return None, []
    resolved_at = next((event.at for event in reversed(clock.events) if event.kind == "stopped"), None)
    if incident.state in OPEN_STATES:
        resolved_at = None
    ledgers = []
    for target, label, ended_at, due_at, met in (
        ("response", _("Response"), incident.responded_at, incident.response_due_at, incident.response_met),
        ("resolution", _("Resolution"), resolved_at, incident.resolution_due_at, incident.resolution_met),
    ):
        stretches = ledger(clock.spec, clock.events, end=min(ended_at or now, now))
        ledgers.append(
            TargetLedger(
                target=target,
                label=label,
                minutes=clock.minutes(target) if clock.target else None,
                due_at=due_at,
                ended_at=ended_at,
                met=met,
                stretches=stretches,
                used=ledger_total(stretches),
            )
        )
    return clock.spec, ledgers
