"""Business-time arithmetic (``incidents.service_levels``): examples by hand, then properties with hypothesis."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from incidents.servicelevels.calendar import (
    CalendarSpec,
    ClockMoment,
    NoBusinessTime,
    add_business_time,
    business_time_between,
    clock_position,
    is_working_time,
    ledger,
    ledger_total,
    wall_instant,
    working_intervals,
)

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


def office(zone: str = "Europe/Amsterdam", holidays=(), periods=None) -> CalendarSpec:
    periods = periods or [(day, datetime.time(8), datetime.time(18)) for day in range(5)]
    return CalendarSpec(time_zone=zone, periods=tuple(periods), holidays=frozenset(holidays), name="Office hours")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=AMSTERDAM)


def test_four_hours_from_friday_afternoon_run_into_monday():
    assert add_business_time(office(), at(2026, 11, 27, 16), 4 * H) == at(2026, 11, 30, 10)


def test_a_target_that_ends_at_closing_time_is_due_at_closing_time():
    assert add_business_time(office(), at(2026, 11, 27, 8), 10 * H) == at(2026, 11, 27, 18)


def test_time_recorded_at_night_starts_counting_in_the_morning():
    assert add_business_time(office(), at(2026, 11, 25, 22), 15 * M) == at(2026, 11, 26, 8, 15)


def test_a_day_to_its_last_instant_runs_on_into_the_next_without_losing_any_time():
    always = office(periods=[(day, datetime.time.min, datetime.time.max) for day in range(7)])
    start = at(2026, 12, 6, 23, 56, 38, 294495)

    assert add_business_time(always, start, 10 * M) == start + 10 * M
    assert business_time_between(always, start, start + 3 * 24 * H) == 3 * 24 * H
    assert is_working_time(always, at(2026, 12, 7, 0, 0))


def test_holidays_do_not_count():
    spec = office(holidays=[datetime.date(2026, 12, 25)])
    assert add_business_time(spec, at(2026, 12, 24, 17), 2 * H) == at(2026, 12, 28, 9)
    assert business_time_between(spec, at(2026, 12, 24, 0), at(2026, 12, 29, 0)) == 20 * H


def test_a_day_of_clocks_going_forward_keeps_its_wall_clock_hours():
    # 29 March 2026: Europe/Amsterdam goes from 02:00 to 03:00; a period 01:00-04:00 on that Sunday is
    # two real hours long.
    spec = office(periods=[(6, datetime.time(1), datetime.time(4))])
    assert business_time_between(spec, at(2026, 3, 28), at(2026, 3, 30)) == 2 * H
    assert add_business_time(spec, at(2026, 3, 29, 0), 90 * M) == at(2026, 3, 29, 3, 30)


def test_a_day_of_clocks_going_back_keeps_its_wall_clock_hours():
    # 25 October 2026: 03:00 becomes 02:00 again; a period 01:00-04:00 is four real hours long.
    spec = office(periods=[(6, datetime.time(1), datetime.time(4))])
    assert business_time_between(spec, at(2026, 10, 24), at(2026, 10, 26)) == 4 * H


def test_overlapping_periods_count_once():
    spec = office(periods=[(0, datetime.time(8), datetime.time(12)), (0, datetime.time(10), datetime.time(14))])
    assert business_time_between(spec, at(2026, 11, 30), at(2026, 12, 1)) == 6 * H


def test_a_calendar_without_working_time_refuses_a_due_time():
    with pytest.raises(NoBusinessTime):
        add_business_time(CalendarSpec(time_zone="UTC", periods=()), at(2026, 1, 1), H)


def test_the_clock_pauses_and_the_ledger_adds_up():
    events = [
        ClockMoment(at(2026, 11, 26, 17), "started"),
        ClockMoment(at(2026, 11, 27, 9), "paused", "Waiting for the caller's log files"),
        ClockMoment(at(2026, 11, 27, 11), "resumed"),
    ]
    spec = office()
    position = clock_position(spec, events)
    assert position.used_before == 2 * H
    assert position.running_since == at(2026, 11, 27, 11)
    # Four business hours in all: two before the pause, two after it.
    assert position.moment_at(spec, 4 * H) == at(2026, 11, 27, 13)
    stretches = ledger(spec, events, end=at(2026, 11, 27, 13))
    assert [stretch.kind for stretch in stretches] == ["ran", "outside", "ran", "paused", "ran"]
    assert stretches[3].reason == "Waiting for the caller's log files"
    assert ledger_total(stretches) == 4 * H


def test_an_incident_resolved_while_paused_shows_the_pause_up_to_the_resolution():
    events = [
        ClockMoment(at(2026, 11, 26, 9), "started"),
        ClockMoment(at(2026, 11, 26, 10), "paused", "Which laptop?"),
        ClockMoment(at(2026, 11, 26, 11), "stopped"),
    ]
    stretches = ledger(office(), events, end=at(2026, 11, 27, 12))
    assert [(stretch.kind, stretch.end) for stretch in stretches] == [
        ("ran", at(2026, 11, 26, 10)),
        ("paused", at(2026, 11, 26, 11)),
    ]


# --- properties ---------------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


@st.composite
def calendars(draw) -> CalendarSpec:
    periods = []
    for _ in range(draw(st.integers(1, 8))):
        # At least an hour a period: with a minute a week, a target of days would take years.
        start = draw(st.integers(0, 22 * 60))
        end = draw(st.integers(start + 60, 24 * 60 - 1))
        as_time = lambda minutes: datetime.time(minutes // 60, minutes % 60)  # noqa: E731
        periods.append((draw(st.integers(0, 6)), as_time(start), as_time(end)))
    if not periods:
        periods = [(0, datetime.time(9), datetime.time(17))]
    holidays = draw(st.frozensets(st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)), max_size=30))
    return CalendarSpec(time_zone=draw(st.sampled_from(ZONES)), periods=tuple(periods), holidays=holidays)


# hypothesis takes naive bounds and gives aware datetimes in the zones of ``timezones``.
instants = st.datetimes(
    min_value=datetime.datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime.datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(datetime.UTC),
)
durations = st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(hours=48))


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations)
def test_adding_then_measuring_gives_the_duration_back(spec, start, duration):
    due = add_business_time(spec, start, duration)
    assert due >= start
    assert business_time_between(spec, start, due) == duration


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, instants, instants)
def test_measuring_is_additive(spec, a, b, c):
    a, b, c = sorted([a, b, c])
    assert business_time_between(spec, a, b) + business_time_between(spec, b, c) == business_time_between(spec, a, c)


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations.filter(bool))
@example(
    # A Sunday period that spans the night clocks go back in Amsterdam (25 Oct 2026, 03:00 CEST -> 02:00 CET).
    spec=CalendarSpec(time_zone="Europe/Amsterdam", periods=((6, datetime.time(2, 1), datetime.time(3, 20)),)),
    start=datetime.datetime(2026, 10, 24, 0, 0, tzinfo=datetime.UTC),
    duration=datetime.timedelta(hours=1, minutes=58),
)
def test_nothing_counts_outside_working_hours(spec, start, duration):
    due = add_business_time(spec, start, duration)
    # The due time lies in a working period, or ends one.
    assert is_working_time(spec, due - datetime.timedelta(microseconds=1))
    zone = spec.zone
    for begins, ends in working_intervals(spec, start, due):
        middle = (begins + (ends - begins) / 2).astimezone(zone)
        assert middle.date() not in spec.holidays
        # Compared as instants in UTC, not as wall-clock times: on the night clocks go back, 02:30 comes twice
        # (and Python compares two times of one zone by their wall clocks).
        instant = middle.astimezone(datetime.UTC)
        assert any(
            weekday == middle.weekday()
            and datetime.datetime.combine(middle.date(), period_start, zone).astimezone(datetime.UTC)
            <= instant
            <= datetime.datetime.combine(middle.date(), period_end, zone).astimezone(datetime.UTC)
            for weekday, period_start, period_end in spec.periods
        )


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, durations, durations)
def test_adding_twice_is_adding_the_sum(spec, start, first, second):
    assert add_business_time(spec, add_business_time(spec, start, first), second) == add_business_time(
        spec, start, first + second
    )


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(days=10)))
def test_a_stretch_outside_every_working_period_counts_nothing(spec, start, length):
    # Between the end of one working interval and the start of the next, nothing counts.
    intervals = working_intervals(spec, start)
    _first_begins, first_ends = next(intervals)
    next_begins, _next_ends = next(intervals)
    assert business_time_between(spec, first_ends, next_begins) == datetime.timedelta(0)
    gap_point = min(first_ends + length, next_begins)
    assert business_time_between(spec, first_ends, gap_point) == datetime.timedelta(0)


def test_a_period_across_the_skipped_hour_ends_when_the_clocks_jump():
    # 30 March 2025, Amsterdam: at 02:00 the clocks jump to 03:00, so 02:55 is never shown.
    night_shift = CalendarSpec(time_zone="Europe/Amsterdam", periods=((6, datetime.time(1, 5), datetime.time(2, 55)),))
    sunday = datetime.date(2025, 3, 30)

    assert wall_instant(sunday, datetime.time(2, 55), night_shift.zone) == at(
        2025, 3, 30, 3
    )  # the jump: 03:00 summer time
    assert business_time_between(night_shift, at(2025, 3, 30), at(2025, 3, 31)) == datetime.timedelta(minutes=55)
