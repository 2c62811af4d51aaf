"""The managers' dashboard: the figures of a period, each against the period before, in a fixed number of
queries. Which incidents each figure counts, and why a period costs its days rather than its incidents:
decision record 0005."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Aggregate, BigIntegerField, Count, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cmdb.models import SupportGroup
from incidents.choices import OPEN_STATES, ClosureReason, Priority
from incidents.models import CategoryDayFigures, CIDayFigures, DayFigures, Incident, ServiceDayFigures

REPEAT_THRESHOLD = 3
TOP = 5
REPEAT_LIMIT = 10


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median of a column (half the values below, half above)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Period:
    """The days from ``first`` to ``last``, both included, in the desk's time zone; compared with
    ``compared_with``, or else with as many days right before."""

    first: datetime.date
    last: datetime.date
    label: str
    compared_with: Period | None = None

    @property
    def start(self) -> datetime.datetime:
        return _midnight(self.first)

    @property
    def end(self) -> datetime.datetime:
        """The midnight after the last day (excluded)."""
        return _midnight(self.last + datetime.timedelta(days=1))

    @property
    def previous(self) -> Period:
        if self.compared_with is not None:
            return self.compared_with
        length = (self.last - self.first).days + 1
        before = self.first - datetime.timedelta(days=1)
        return Period(before - datetime.timedelta(days=length - 1), before, str(_("the period before")))

    @property
    def days(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


PERIODS = {
    "week": _("This week"),
    "last-week": _("Last week"),
    "month": _("This month"),
    "last-month": _("Last month"),
    "30-days": _("The last 30 days"),
}


def period_key(name: str | None) -> str:
    """The picker's name of a period: ``name`` when it is one, else "week"."""
    return name if name in PERIODS else "week"


def period_named(name: str | None, *, now: datetime.datetime | None = None) -> Period:
    """A period of the picker, in the desk's time zone; "this week" when the name is unknown. Weeks start on
    Monday; "this week" and "this month" run to today and are compared with the whole week or month before."""
    today = timezone.localdate(now or timezone.now())
    day = datetime.timedelta(days=1)
    monday = today - today.weekday() * day
    month = today.replace(day=1)
    last_month = (month - day).replace(day=1)
    month_before = (last_month - day).replace(day=1)
    weeks = (
        Period(monday - 7 * day, monday - day, str(_("last week"))),
        Period(monday - 14 * day, monday - 8 * day, str(_("the week before"))),
    )
    months = (
        Period(last_month, month - day, str(_("last month"))),
        Period(month_before, last_month - day, str(_("the month before"))),
    )
    spans = {
        "week": (monday, today, weeks[0]),
        "last-week": (weeks[0].first, weeks[0].last, weeks[1]),
        "month": (month, today, months[0]),
        "last-month": (months[0].first, months[0].last, months[1]),
        "30-days": (today - 29 * day, today, None),
    }
    key = period_key(name)
    first, last, compared_with = spans[key]
    return Period(first, last, str(PERIODS[key]), compared_with)


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``, and the same share in the period before (``None`` when nothing to count)."""

    part: int
    whole: int
    previous_part: int
    previous_whole: int

    @classmethod
    def of(cls, now: DayTotals, before: DayTotals, part: str, whole: str) -> Share:
        return cls(now[part], now[whole], before[part], before[whole])

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.whole, 1) if self.whole else None

    @property
    def previous_percent(self) -> float | None:
        return round(100 * self.previous_part / self.previous_whole, 1) if self.previous_whole else None


@dataclass(frozen=True)
class Mean:
    value: datetime.timedelta | None
    previous: datetime.timedelta | None

    @classmethod
    def of(cls, now: DayTotals, before: DayTotals, microseconds: str, count: str) -> Mean:
        def mean(totals: DayTotals) -> datetime.timedelta | None:
            n = totals[count]
            return datetime.timedelta(microseconds=round(totals[microseconds] / n)) if n else None

        return cls(mean(now), mean(before))


@dataclass(frozen=True)
class Dashboard:
    period: Period
    serious_now: list[Incident]
    backlog_by_priority: list[tuple[int, str, int]]
    backlog_by_group: list[tuple[int | None, str, int]]
    response: Share
    resolution: Share
    mean_time_to_acknowledge: Mean
    mean_time_to_resolve: Mean
    first_contact: Share
    known_error: Share
    satisfaction: tuple[float | None, int]
    top_services: list[tuple[int, str, int]]
    top_cis: list[tuple[int, str, int]]
    closures: dict[str, int]
    closed_early: list[tuple[str, int]]
    satisfaction_by_phone: tuple[float | None, int]
    root_causes: list[tuple[str, int]]
    classification: list[tuple[str, int, int]]
    median_logging_seconds: float | None
    repeat_cis: list[tuple[int, str, int]]
    trend: list[tuple[datetime.date, int, int]]


def dashboard(period: Period) -> Dashboard:
    """Every figure of the dashboard for ``period`` (a fixed number of queries)."""
    now, before = _day_totals(period)
    cis = _counted(CIDayFigures, "ci", period, REPEAT_LIMIT)
    closed = _closed(period)
    backlog = _backlog()
    return Dashboard(
        period=period,
        serious_now=list(
            Incident.objects.filter(state__in=OPEN_STATES, serious=True)
            .select_related("service", "assigned_group")
            .defer("search_vector", "symptoms")
            .order_by("priority", "reported_at")[:20]
        ),
        backlog_by_priority=_backlog_by_priority(backlog),
        backlog_by_group=_backlog_by_group(backlog),
        response=Share.of(now, before, "responses_in_time", "responses_measured"),
        resolution=Share.of(now, before, "resolutions_in_time", "resolutions_measured"),
        mean_time_to_acknowledge=Mean.of(now, before, "acknowledge_microseconds", "acknowledged"),
        mean_time_to_resolve=Mean.of(now, before, "resolve_microseconds", "resolved"),
        first_contact=Share.of(now, before, "first_contact", "resolved"),
        known_error=Share.of(now, before, "with_known_error", "resolved"),
        satisfaction=(
            round(now["satisfaction_sum"] / now["satisfaction_count"], 2) if now["satisfaction_count"] else None,
            now["satisfaction_count"],
        ),
        top_services=_counted(ServiceDayFigures, "service", period, TOP),
        top_cis=cis[:TOP],
        closures={
            "closed": now["closed"],
            "confirmed": now["confirmed"],
            "automatic": now["closed_automatically"],
            "reopened": now["reopened"],
        },
        closed_early=[(str(reason.label), closed[reason.value]) for reason in ClosureReason],
        satisfaction_by_phone=(
            round(closed["phone_sum"] / closed["phone_count"], 2) if closed["phone_count"] else None,
            closed["phone_count"],
        ),
        root_causes=_root_causes(period),
        classification=_classification(period),
        median_logging_seconds=_median_logging(period),
        repeat_cis=[row for row in cis if row[2] >= REPEAT_THRESHOLD],
        trend=[(day["day"], day["reported"], day["resolved"]) for day in now.days],
    )


class DayTotals:
    """The figures of each day of a period (``days``: column to number, with ``"day"``), and their sums by
    column (``totals["closed"]``)."""

    def __init__(self, days: list[dict[str, Any]]) -> None:
        self.days = days

    def __getitem__(self, column: str) -> int:
        return sum(day[column] for day in self.days)


DAY_COLUMNS = [
    field.name
    for field in DayFigures._meta.concrete_fields
    if isinstance(field, BigIntegerField) and not field.primary_key
]


def _day_totals(period: Period) -> tuple[DayTotals, DayTotals]:
    """The period's and the period before's day figures, in one query: each day's rows summed (the rows
    changes added since the last compaction with the rest); a day without rows counts 0."""
    previous = period.previous
    rows = {
        row["day"]: row
        for row in DayFigures.objects.filter(
            Q(day__range=(period.first, period.last)) | Q(day__range=(previous.first, previous.last))
        )
        .values("day")
        .annotate(**{column: Sum(column) for column in DAY_COLUMNS})
        .order_by()
    }
    zeros = dict.fromkeys(DAY_COLUMNS, 0)
    return (
        DayTotals([rows.get(day) or {"day": day, **zeros} for day in period.days]),
        DayTotals([rows.get(day) or {"day": day, **zeros} for day in previous.days]),
    )


def within(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _backlog() -> dict[tuple[int | None, int], int]:
    """The open incidents per (group, priority): one index-only scan of ``incidents_open_queue_keys``, aggregated
    before anything is joined to it (the names are read apart, for a few dozen groups)."""
    rows = (
        Incident.objects.filter(state__in=OPEN_STATES)
        .values_list("assigned_group", "priority")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(group, priority): n for group, priority, n in rows}


def _backlog_by_priority(backlog: dict[tuple[int | None, int], int]) -> list[tuple[int, str, int]]:
    totals = Counter()
    for (_group, priority), n in backlog.items():
        totals[priority] += n
    return [(priority.value, str(priority.label), totals[priority.value]) for priority in Priority]


def _backlog_by_group(backlog: dict[tuple[int | None, int], int]) -> list[tuple[int | None, str, int]]:
    """Per group, the most first, then by name; the incidents no group holds, the service desk's, last of equals."""
    totals = Counter()
    for (group, _priority), n in backlog.items():
        totals[group] += n
    # Every group's name, whatever the backlog: a fixed number of queries (a desk has dozens of groups, not more).
    names = dict(SupportGroup.objects.values_list("pk", "name"))
    rows = [(group, names.get(group), n) for group, n in totals.items()]
    rows.sort(key=lambda row: (-row[2], row[1] is None, row[1] or ""))
    return [(group, name or str(_("Service desk")), n) for group, name, n in rows]


def _counted(model: type, key: str, period: Period, limit: int) -> list[tuple[int, str, int]]:
    """``(pk, name, n)`` of the ``limit`` services or CIs with the most incidents reported in the period, most
    first, then by name.

    The day rows are summed per service or CI first and only the leaders (with whoever ties with the last of
    them) are joined to their names: a month has some 20,000 CIs with incidents, and joining each to its name
    before sorting read the whole CMDB (bench/dashboard.py). Django has no ``FETCH FIRST ... WITH TIES``."""
    figures, named = model._meta, model._meta.get_field(key).related_model._meta
    column = figures.get_field(key).column
    # The names in the statement are the models' own tables and columns, never input.
    sql = f"""
        SELECT leaders.key, named.name, leaders.n FROM (
            SELECT {column} AS key, sum(reported) AS n FROM {figures.db_table}
             WHERE day BETWEEN %s AND %s GROUP BY {column} HAVING sum(reported) > 0
             ORDER BY n DESC FETCH FIRST %s ROWS WITH TIES
        ) AS leaders JOIN {named.db_table} AS named ON named.{named.pk.column} = leaders.key
        ORDER BY leaders.n DESC, named.name LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.first, period.last, limit, limit])
        return [(pk, name, int(n)) for pk, name, n in cursor.fetchall()]


def _classification(period: Period) -> list[tuple[str, int, int]]:
    """Per category at classification: incidents closed in the period, and how many closed under another
    root cause."""
    return list(
        CategoryDayFigures.objects.filter(day__range=(period.first, period.last))
        .values_list("category__name")
        .annotate(closed=Sum("closed"), changed=Sum("changed"))
        .filter(closed__gt=0)
        .order_by("-changed", "-closed", "category__name")
    )


def _closed(period: Period) -> dict[str, int]:
    """Of the incidents closed in the period: how many the desk closed early, per reason, and the ratings the
    desk recorded for callers by phone (kept apart from the callers' own). One index-only scan of
    ``incidents_closed``, whatever the number of incidents."""
    return Incident.objects.filter(within(period, "closed_at")).aggregate(
        phone_sum=Coalesce(Sum("satisfaction_by_phone"), 0),
        phone_count=Count("satisfaction_by_phone"),
        **{reason: Count("pk", filter=Q(closure_reason=reason)) for reason in ClosureReason.values},
    )


def _root_causes(period: Period) -> list[tuple[str, int]]:
    """The incidents closed in the period per root cause, the commonest first; those closed automatically
    (no cause given) last."""
    rows = (
        Incident.objects.filter(within(period, "closed_at"))
        .values_list("root_cause__name")
        .annotate(closed=Count("pk"))
        .order_by("-closed", "root_cause__name")
    )
    return [(name or str(_("None given (closed automatically)")), closed) for name, closed in rows]


def _median_logging(period: Period) -> float | None:
    """Not a sum of days: read from the period's incidents (index-only on ``incidents_reported_figures``)."""
    found = Incident.objects.filter(within(period, "reported_at"), logging_seconds__isnull=False).aggregate(
        median=Median("logging_seconds")
    )
    return found["median"]


def cluster(period: Period, ci_id: int) -> QuerySet[Incident]:
    """The incidents on one CI reported in the period: the cluster a problem is raised from."""
    return Incident.objects.filter(within(period, "reported_at"), cis=ci_id).defer("search_vector")
