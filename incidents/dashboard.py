"""The managers' dashboard: the figures of a period, each against the period before, in a fixed number of
queries.

Which incidents a figure counts is part of its definition, said here once:

- *reported* in the period: volume, the trend, the top services and CIs, the time to log a call;
- *acknowledged* in the period: mean time to acknowledge (from the report);
- *responded* / *resolved* in the period: response and resolution compliance (the service level's
  ``response_met`` / ``resolution_met``, recorded when it happened);
- *resolved* in the period: mean time to resolve, first-contact resolution (resolved while no support
  group had it: by the desk, with or without a known error), share resolved with a known error;
- *closed* in the period: satisfaction, how closures happened, classification quality (the category at
  classification against the root cause at closure);
- *open now*: serious incidents, the backlog by priority and by group.

Repeat incidents: configuration items with ``REPEAT_THRESHOLD`` or more incidents reported in the period
are problem candidates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Aggregate, Avg, Count, DurationField, ExpressionWrapper, F, FloatField, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem, Service
from incidents.choices import OPEN_STATES, ActivityKind, Priority
from incidents.models import Activity, Incident

REPEAT_THRESHOLD = 3


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median of a column (half the values below, half above)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


TOP = 5


@dataclass(frozen=True)
class Period:
    """From ``start`` (included) to ``end`` (excluded)."""

    start: datetime.datetime
    end: datetime.datetime
    label: str

    @property
    def previous(self) -> Period:
        length = self.end - self.start
        return Period(self.start - length, self.start, str(_("the period before")))

    @property
    def days(self) -> list[datetime.date]:
        first = timezone.localtime(self.start).date()
        last = timezone.localtime(self.end - datetime.timedelta(microseconds=1)).date()
        return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


PERIODS = {
    "week": _("This week"),
    "last-week": _("Last week"),
    "month": _("This month"),
    "last-month": _("Last month"),
    "30-days": _("The last 30 days"),
}


def period_named(name: str | None, *, now: datetime.datetime | None = None) -> Period:
    """A period of the picker, in the desk's time zone; "this week" when the name is unknown."""
    now = timezone.localtime(now or timezone.now())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = midnight - datetime.timedelta(days=midnight.weekday())
    month = midnight.replace(day=1)
    previous_month = (month - datetime.timedelta(days=1)).replace(day=1)
    spans = {
        "week": (week, now),
        "last-week": (week - datetime.timedelta(days=7), week),
        "month": (month, now),
        "last-month": (previous_month, month),
        "30-days": (midnight - datetime.timedelta(days=29), now),
    }
    key = name if name in spans else "week"
    start, end = spans[key]
    return Period(start, max(end, start + datetime.timedelta(seconds=1)), str(PERIODS[key]))


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``, and the same share in the period before (``None`` when nothing to count)."""

    part: int
    whole: int
    previous_part: int
    previous_whole: int

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
    classification: list[tuple[str, int, int]]
    median_logging_seconds: float | None
    repeat_cis: list[tuple[int, str, int]]
    trend: list[tuple[datetime.date, int, int]]


def dashboard(period: Period) -> Dashboard:
    """Every figure of the dashboard for ``period`` (a fixed number of queries)."""
    return Dashboard(
        period=period,
        serious_now=list(
            Incident.objects.filter(state__in=OPEN_STATES, serious=True)
            .select_related("service", "assigned_group")
            .defer("search_vector", "symptoms")
            .order_by("priority", "reported_at")[:20]
        ),
        backlog_by_priority=_backlog_by_priority(),
        backlog_by_group=_backlog_by_group(),
        response=_share(period, "responded_at", Q(response_met=True), Q(response_met__isnull=False)),
        resolution=_share(period, "resolved_at", Q(resolution_met=True), Q(resolution_met__isnull=False)),
        mean_time_to_acknowledge=_mean(period, "acknowledged_at"),
        mean_time_to_resolve=_mean(period, "resolved_at"),
        first_contact=_share(period, "resolved_at", Q(assigned_group__isnull=True)),
        known_error=_share(period, "resolved_at", Q(known_error__isnull=False)),
        satisfaction=_satisfaction(period),
        top_services=_top(period, Service),
        top_cis=_top(period, ConfigurationItem),
        closures=_closures(period),
        classification=_classification(period),
        median_logging_seconds=_median_logging(period),
        repeat_cis=_repeat_cis(period),
        trend=_trend(period),
    )


def within(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _backlog_by_priority() -> list[tuple[int, str, int]]:
    rows = dict(
        Incident.objects.filter(state__in=OPEN_STATES).values_list("priority").annotate(n=Count("*")).order_by()
    )
    return [(priority.value, str(priority.label), rows.get(priority.value, 0)) for priority in Priority]


def _backlog_by_group() -> list[tuple[int | None, str, int]]:
    rows = (
        Incident.objects.filter(state__in=OPEN_STATES)
        .values_list("assigned_group", "assigned_group__name")
        .annotate(n=Count("*"))
        .order_by("-n", "assigned_group__name")
    )
    return [(group, name or str(_("Service desk")), count) for group, name, count in rows]


def _share(period: Period, moment: str, part: Q, whole: Q | None = None) -> Share:
    whole = whole if whole is not None else Q()
    previous = period.previous
    # One range from the start of the period before to the end of this one (they meet): an index range scan,
    # where an OR of the two ranges made PostgreSQL read the whole index. The moment is counted (never null in
    # the period) rather than the id, so the partial index per moment answers alone (bench/dashboard.py).
    counts = Incident.objects.filter(within(Period(previous.start, period.end, ""), moment)).aggregate(
        part=Count(moment, filter=within(period, moment) & whole & part),
        whole=Count(moment, filter=within(period, moment) & whole),
        previous_part=Count(moment, filter=within(previous, moment) & whole & part),
        previous_whole=Count(moment, filter=within(previous, moment) & whole),
    )
    return Share(**counts)


def _mean(period: Period, moment: str) -> Mean:
    previous = period.previous
    duration = ExpressionWrapper(F(moment) - F("reported_at"), output_field=DurationField())
    means = Incident.objects.filter(within(Period(previous.start, period.end, ""), moment)).aggregate(
        value=Avg(duration, filter=within(period, moment)),
        previous=Avg(duration, filter=within(previous, moment)),
    )
    return Mean(**means)


def _satisfaction(period: Period) -> tuple[float | None, int]:
    found = Incident.objects.filter(within(period, "closed_at"), satisfaction__isnull=False).aggregate(
        mean=Avg("satisfaction"), count=Count("*")
    )
    return (round(found["mean"], 2) if found["mean"] is not None else None, found["count"])


def _top(period: Period, model: type) -> list[tuple[int, str, int]]:
    """The ``TOP`` services or CIs with the most incidents reported in the period."""
    return list(_counted(period, model)[:TOP])


def _counted(period: Period, model: type) -> QuerySet:
    """``(pk, name, n)`` per service or CI with incidents reported in the period, most first, then by name.

    Grouped from the incidents of the period (for CIs, their links) rather than counted per service or CI: a
    filtered count per service or CI joins every incident ever recorded (seconds at a million incidents)."""
    if model is ConfigurationItem:
        return (
            Incident.cis.through.objects.filter(
                incident__reported_at__gte=period.start, incident__reported_at__lt=period.end
            )
            .values_list("configurationitem", "configurationitem__name")
            .annotate(n=Count("*"))
            .order_by("-n", "configurationitem__name")
        )
    return (
        Incident.objects.filter(within(period, "reported_at"), service__isnull=False)
        .values_list("service", "service__name")
        .annotate(n=Count("*"))
        .order_by("-n", "service__name")
    )


def _closures(period: Period) -> dict[str, int]:
    counts = Incident.objects.filter(within(period, "closed_at")).aggregate(
        closed=Count("*"),
        confirmed=Count("closed_at", filter=Q(confirmed_at__isnull=False)),
        automatic=Count("closed_at", filter=Q(closed_automatically=True)),
    )
    counts["reopened"] = Activity.objects.filter(
        within(period, "created_at"), kind=ActivityKind.STATE_CHANGED, data__step="reopen"
    ).count()
    return counts


def _classification(period: Period) -> list[tuple[str, int, int]]:
    """Per category at classification: incidents closed in the period, and how many closed under another
    root cause."""
    rows = (
        Incident.objects.filter(within(period, "closed_at"), category__isnull=False)
        .values_list("category__name")
        .annotate(closed=Count("*"), changed=Count("closed_at", filter=~Q(root_cause_category=F("category"))))
        .order_by("-changed", "-closed", "category__name")
    )
    return list(rows)


def _median_logging(period: Period) -> float | None:
    found = Incident.objects.filter(within(period, "reported_at"), logging_seconds__isnull=False).aggregate(
        median=Median("logging_seconds")
    )
    return found["median"]


def _repeat_cis(period: Period) -> list[tuple[int, str, int]]:
    return list(_counted(period, ConfigurationItem).filter(n__gte=REPEAT_THRESHOLD)[:10])


def _trend(period: Period) -> list[tuple[datetime.date, int, int]]:
    """Per day of the period: incidents reported and incidents resolved."""
    reported = dict(
        Incident.objects.filter(within(period, "reported_at"))
        .annotate(day=TruncDate("reported_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(n=Count("*"))
        .order_by()
    )
    resolved = dict(
        Incident.objects.filter(within(period, "resolved_at"))
        .annotate(day=TruncDate("resolved_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(n=Count("*"))
        .order_by()
    )
    return [(day, reported.get(day, 0), resolved.get(day, 0)) for day in period.days]


def cluster(period: Period, ci_id: int) -> QuerySet[Incident]:
    """The incidents on one CI reported in the period: the cluster a problem is raised from."""
    return Incident.objects.filter(within(period, "reported_at"), cis=ci_id).defer("search_vector")
