"""Reports: the dashboard's figures per service, support group, category or root cause, for any period, as a
table or CSV.

Each figure counts what its dashboard figure counts (``incidents.reporting.dashboard``): reported in the period,
resolved in it (time to resolve, resolution in time, first contact, known error), acknowledged in it, closed
in it (satisfaction). One query per report: the incidents touched by the period, grouped by the dimension,
each figure a filtered aggregate.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from incidents.reporting.dashboard import Period, within

MAX_DAYS = 366


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str | Promise
    key: str
    title: str
    empty: str | Promise


DIMENSIONS = {
    "service": Dimension("service", _("Service"), "service", "service__name", _("No service")),
    "group": Dimension("group", _("Support group"), "assigned_group", "assigned_group__name", _("Service desk")),
    "category": Dimension("category", _("Category"), "category", "category__name", _("Not classified")),
    "cause": Dimension("cause", _("Root cause"), "root_cause", "root_cause__name", _("No root cause given")),
}


@dataclass(frozen=True)
class ReportRow:
    key: int | None
    name: str
    reported: int
    resolved: int
    resolved_in_time: int
    resolutions_measured: int
    mean_time_to_resolve: datetime.timedelta | None
    first_contact: int
    with_known_error: int
    mean_time_to_acknowledge: datetime.timedelta | None
    closed: int
    satisfaction: float | None

    @property
    def resolution_percent(self) -> float | None:
        return _percent(self.resolved_in_time, self.resolutions_measured)

    @property
    def first_contact_percent(self) -> float | None:
        return _percent(self.first_contact, self.resolved)

    @property
    def known_error_percent(self) -> float | None:
        return _percent(self.with_known_error, self.resolved)


COLUMNS = (
    ("reported", _("Reported")),
    ("resolved", _("Resolved")),
    ("resolution_percent", _("Resolved in time (%)")),
    ("mean_time_to_resolve", _("Mean time to resolve")),
    ("mean_time_to_acknowledge", _("Mean time to acknowledge")),
    ("first_contact_percent", _("First contact (%)")),
    ("known_error_percent", _("With a known error (%)")),
    ("closed", _("Closed")),
    ("satisfaction", _("Satisfaction (1-5)")),
)


def period_between(start: datetime.date, end: datetime.date) -> Period:
    """From the start of ``start`` to the end of ``end`` in the desk's time zone (both days included)."""
    return Period(start, end, f"{start:%Y-%m-%d} to {end:%Y-%m-%d}")


def report(*, period: Period, dimension: Dimension) -> list[ReportRow]:
    """One row per service, group or category that the period touched, the most reported first."""
    reported, resolved = within(period, "reported_at"), within(period, "resolved_at")
    acknowledged, closed = within(period, "acknowledged_at"), within(period, "closed_at")
    to_resolve = ExpressionWrapper(F("resolved_at") - F("reported_at"), output_field=DurationField())
    to_acknowledge = ExpressionWrapper(F("acknowledged_at") - F("reported_at"), output_field=DurationField())
    rows = (
        Incident.objects.filter(reported | resolved | acknowledged | closed)
        .values(dimension.key, dimension.title)
        .annotate(
            reported=Count("pk", filter=reported),
            resolved=Count("pk", filter=resolved),
            resolved_in_time=Count("pk", filter=resolved & Q(resolution_met=True)),
            resolutions_measured=Count("pk", filter=resolved & Q(resolution_met__isnull=False)),
            mean_time_to_resolve=Avg(to_resolve, filter=resolved),
            first_contact=Count("pk", filter=resolved & Q(assigned_group__isnull=True)),
            with_known_error=Count("pk", filter=resolved & Q(known_error__isnull=False)),
            mean_time_to_acknowledge=Avg(to_acknowledge, filter=acknowledged),
            closed=Count("pk", filter=closed),
            satisfaction=Avg("satisfaction", filter=closed & Q(satisfaction__isnull=False)),
        )
        .order_by("-reported", dimension.title)
    )
    return [
        ReportRow(
            key=row.pop(dimension.key),
            name=row.pop(dimension.title) or str(dimension.empty),
            **{**row, "satisfaction": round(row["satisfaction"], 2) if row["satisfaction"] is not None else None},
        )
        for row in rows
    ]


# The CSV gives durations as hours with a decimal (a spreadsheet sums them); the page writes them out.
CSV_UNITS = {"mean_time_to_resolve": _("hours"), "mean_time_to_acknowledge": _("hours")}


def csv_header(column: str, label: str) -> str:
    unit = CSV_UNITS.get(column)
    return f"{label} ({unit})" if unit else str(label)


def csv_value(row: ReportRow, column: str) -> str:
    """A cell of the CSV export: durations in hours with one decimal, empty when there is nothing."""
    value = getattr(row, column)
    if value is None:
        return ""
    if isinstance(value, datetime.timedelta):
        return f"{value.total_seconds() / 3600:.1f}"
    return str(value)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
