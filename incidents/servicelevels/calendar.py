"""Business time: pure arithmetic over a calendar (no database, no clock: ``now`` is passed in), the due times
of a service level and the clock's ledger; only ``calendar_spec`` reads the database (decision record 0006)."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.db.models.functions import JSONObject

from incidents.models import BusinessCalendar, Holiday, WorkingPeriod

ZERO = datetime.timedelta(0)
ONE_DAY = datetime.timedelta(days=1)
# How far ahead a due time is searched: a calendar whose holidays cover years is a configuration error.
HORIZON_DAYS = 3 * 366


class NoBusinessTime(ValueError):
    """The calendar has no working time in the horizon searched (no periods, or holidays all along)."""


@dataclass(frozen=True)
class CalendarSpec:
    """A business calendar as the arithmetic needs it: ``periods`` are ``(weekday, start, end)`` in local
    time (Monday is 0), ``holidays`` local dates."""

    time_zone: str
    periods: tuple[tuple[int, datetime.time, datetime.time], ...]
    holidays: frozenset[datetime.date] = frozenset()
    name: str = ""
    pk: int | None = None
    _by_weekday: dict[int, tuple[tuple[datetime.time, datetime.time], ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        by_weekday: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
        for weekday, start, end in self.periods:
            if end > start:
                by_weekday.setdefault(weekday, []).append((start, end))
        object.__setattr__(self, "_by_weekday", {day: tuple(sorted(spans)) for day, spans in by_weekday.items()})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def has_working_time(self) -> bool:
        return bool(self._by_weekday)

    def day_intervals(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The working time of one local day as UTC instants, merged and in order (none on a holiday)."""
        if day in self.holidays:
            return []
        zone = self.zone
        merged: list[list[datetime.datetime]] = []
        for start, end in self._by_weekday.get(day.weekday(), ()):
            begins = wall_instant(day, start, zone)
            # A period to the day's last instant (23:59:59.999999, as a round-the-clock calendar writes it) ends at
            # midnight: otherwise each night would drop a microsecond, and a target across it would come one later.
            ends = (
                wall_instant(day + ONE_DAY, datetime.time.min, zone)
                if end == datetime.time.max
                else wall_instant(day, end, zone)
            )
            if ends <= begins:  # a period inside the hour the clocks skip
                continue
            if merged and begins <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], ends)
            else:
                merged.append([begins, ends])
        return [(begins, ends) for begins, ends in merged]


def wall_instant(day: datetime.date, time: datetime.time, zone: datetime.tzinfo) -> datetime.datetime:
    """The instant (UTC) at which a wall clock in ``zone`` shows ``time`` on ``day``.

    A time the clocks skip (02:30 on the night summer time starts) is passed at the jump itself, so it is
    the instant of the jump: a working period that ends at 02:55 that night ends when the clock jumps from
    02:00 to 03:00. A time shown twice (the night summer time ends) is its first showing.
    """
    wall = datetime.datetime.combine(day, time, tzinfo=zone)
    instant = wall.astimezone(datetime.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    # Between the two readings of a skipped time (fold=1 before the jump, fold=0 after) lies the jump: the
    # first whole second with the new offset.
    low = int(wall.replace(fold=1).astimezone(datetime.UTC).timestamp())
    high = int(instant.timestamp())
    before = datetime.datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.datetime.fromtimestamp(middle, zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return datetime.datetime.fromtimestamp(high, datetime.UTC)


def working_intervals(
    spec: CalendarSpec, start: datetime.datetime, end: datetime.datetime | None = None
) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """The working intervals that overlap ``[start, end)`` (``end=None``: without end, up to the horizon),
    clipped to it, in order, as UTC instants."""
    _aware(start)
    zone = spec.zone
    # A day before the local date of ``start``: a period of the previous local day cannot reach into it
    # (periods end the day they start), but the UTC offset may put ``start`` before its local day begins.
    day = start.astimezone(zone).date() - ONE_DAY
    last = (end.astimezone(zone).date() + ONE_DAY) if end is not None else day + datetime.timedelta(HORIZON_DAYS)
    previous_end: datetime.datetime | None = None
    while day <= last:
        for begins, ends in spec.day_intervals(day):
            if previous_end is not None and begins < previous_end:  # never count an instant twice
                begins = previous_end
            if ends <= begins:
                continue
            previous_end = ends
            begins, ends = max(begins, start), ends if end is None else min(ends, end)
            if ends > begins:
                yield begins, ends
        day += ONE_DAY


def business_time_between(spec: CalendarSpec, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """The business time from ``start`` to ``end`` (negative when ``end`` comes first)."""
    if end < start:
        return -business_time_between(spec, end, start)
    total = ZERO
    for begins, ends in working_intervals(spec, start, end):
        total += ends - begins
    return total


def add_business_time(spec: CalendarSpec, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
    """The instant at which ``duration`` of business time has passed since ``start`` (UTC).

    Raises ``NoBusinessTime`` when the calendar has no working time, ``ValueError`` for a negative duration.
    """
    if duration < ZERO:
        raise ValueError("Business time is added, never subtracted.")
    if duration == ZERO:
        return start.astimezone(datetime.UTC)
    if not spec.has_working_time:
        raise NoBusinessTime(f"The calendar {spec.name or spec.pk} has no working periods.")
    remaining = duration
    for begins, ends in working_intervals(spec, start):
        if remaining <= ends - begins:
            return begins + remaining
        remaining -= ends - begins
    raise NoBusinessTime(f"The calendar {spec.name or spec.pk} has no working time within {HORIZON_DAYS} days.")


def is_working_time(spec: CalendarSpec, moment: datetime.datetime) -> bool:
    """Whether the clock of this calendar runs at ``moment``."""
    return any(begins <= moment < ends for begins, ends in working_intervals(spec, moment, moment + ONE_DAY))


def _aware(moment: datetime.datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("Business time works on aware datetimes only.")


# --- the clock of one incident ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockMoment:
    """A clock event as the arithmetic sees it (``incidents.models.ClockEvent`` without the database)."""

    at: datetime.datetime
    kind: str
    reason: str = ""


@dataclass(frozen=True)
class ClockPosition:
    """Where an incident's clock stands: business time used in the stretches that ended, and since when it
    runs now (``None``: paused or stopped)."""

    used_before: datetime.timedelta
    running_since: datetime.datetime | None
    paused_since: datetime.datetime | None = None
    pause_reason: str = ""

    def used(self, spec: CalendarSpec, now: datetime.datetime) -> datetime.timedelta:
        if self.running_since is None or now <= self.running_since:
            return self.used_before
        return self.used_before + business_time_between(spec, self.running_since, now)

    def moment_at(self, spec: CalendarSpec, used: datetime.timedelta) -> datetime.datetime | None:
        """When the clock will have used ``used`` business time; ``None`` while paused or stopped (unless
        it is used already, which has no single moment either)."""
        if self.running_since is None or used < self.used_before:
            return None
        return add_business_time(spec, self.running_since, used - self.used_before)


RUNS = {"started", "resumed"}
HALTS = {"paused", "stopped"}


def clock_position(
    spec: CalendarSpec, events: Iterable[ClockMoment], *, until: datetime.datetime | None = None
) -> ClockPosition:
    """The clock's position after ``events`` (in time order), counting only events before ``until``."""
    used, running_since, paused_since, reason = ZERO, None, None, ""
    for event in events:
        if until is not None and event.at > until:
            break
        if event.kind in RUNS and running_since is None:
            running_since, paused_since, reason = event.at, None, ""
        elif event.kind in HALTS and running_since is not None:
            used += business_time_between(spec, running_since, event.at)
            running_since = None
            if event.kind == "paused":
                paused_since, reason = event.at, event.reason
    return ClockPosition(used, running_since, paused_since, reason)


@dataclass(frozen=True)
class Stretch:
    """A line of the ledger: the clock ``ran`` (business time), stood still ``outside`` business hours, or
    was ``paused`` (with the reason); ``counted`` is the business time it added."""

    kind: str
    start: datetime.datetime
    end: datetime.datetime
    counted: datetime.timedelta
    reason: str = ""

    @property
    def minutes(self) -> int:
        return int(self.counted.total_seconds() // 60)


def ledger(spec: CalendarSpec, events: Iterable[ClockMoment], *, end: datetime.datetime) -> list[Stretch]:
    """The stretches of the clock from its start up to ``end`` (the response, the resolution, or now).

    The business time of the stretches adds up to what the due times were computed from, so anyone can
    check the figure by hand.
    """
    stretches: list[Stretch] = []
    running_since: datetime.datetime | None = None
    paused: tuple[datetime.datetime, str] | None = None

    def run(begins: datetime.datetime, ends: datetime.datetime) -> None:
        cursor = begins
        for work_begins, work_ends in working_intervals(spec, begins, ends):
            if work_begins > cursor:
                stretches.append(Stretch("outside", cursor, work_begins, ZERO))
            stretches.append(Stretch("ran", work_begins, work_ends, work_ends - work_begins))
            cursor = work_ends
        if ends > cursor:
            stretches.append(Stretch("outside", cursor, ends, ZERO))

    for event in events:
        if event.at > end:
            break
        if event.kind in RUNS:
            if paused is not None:
                stretches.append(Stretch("paused", paused[0], event.at, ZERO, paused[1]))
                paused = None
            running_since = running_since or event.at
        elif event.kind in HALTS and running_since is not None:
            run(running_since, event.at)
            running_since = None
            if event.kind == "paused":
                paused = (event.at, event.reason)
        elif event.kind == "stopped" and paused is not None:  # resolved while waiting on the caller
            stretches.append(Stretch("paused", paused[0], event.at, ZERO, paused[1]))
            paused = None
    if running_since is not None and end > running_since:
        run(running_since, end)
    elif paused is not None and end > paused[0]:
        stretches.append(Stretch("paused", paused[0], end, ZERO, paused[1]))
    return stretches


def ledger_total(stretches: Iterable[Stretch]) -> datetime.timedelta:
    return sum((stretch.counted for stretch in stretches), ZERO)


# --- loading ------------------------------------------------------------------------------------------


def calendar_spec(calendar_id: int) -> CalendarSpec:
    """A business calendar, its working periods and holidays, in one query."""
    return spec_from_row(_calendar_rows().filter(pk=calendar_id).get())


def calendar_specs() -> dict[int, CalendarSpec]:
    """Every business calendar by id, with its working periods and holidays, in one query."""
    return {row["pk"]: spec_from_row(row) for row in _calendar_rows()}


def _calendar_rows() -> Any:
    return BusinessCalendar.objects.annotate(
        period_rows=ArraySubquery(
            WorkingPeriod.objects.filter(calendar=OuterRef("pk"))
            .order_by("weekday", "start")
            .values(row=JSONObject(weekday="weekday", start="start", end="end"))
        ),
        holiday_dates=ArraySubquery(Holiday.objects.filter(calendar=OuterRef("pk")).values("date")),
    ).values("pk", "name", "time_zone", "period_rows", "holiday_dates")


def spec_from_row(row: dict[str, Any]) -> CalendarSpec:
    return CalendarSpec(
        time_zone=row["time_zone"],
        periods=tuple(
            (
                period["weekday"],
                datetime.time.fromisoformat(period["start"]),
                datetime.time.fromisoformat(period["end"]),
            )
            for period in row["period_rows"]
        ),
        holidays=frozenset(row["holiday_dates"]),
        name=row["name"],
        pk=row["pk"],
    )
