"""The incident list and the queue as spreadsheets: exactly the rows their filters select, in their order.

The columns are what the lists show plus what a manager's spreadsheet needs (impact, urgency, the targets and
when they were met). Rows are read ``CHUNK_SIZE`` at a time with their relations prefetched per chunk, so an
export costs one query for its rows and one per relation per chunk, never one per row; past
``settings.EXPORT_ROW_CAP`` rows it is refused before anything is read (decision record 0046).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.models import ConfigurationItem
from incidents.core.values import person_name
from incidents.models import Incident
from servicedesk.spreadsheets import spreadsheet_download

CHUNK_SIZE = 2000


class ExportTooLarge(Exception):
    """More rows than an export may hold: nothing was read."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        super().__init__(
            _("More than %(cap)s incidents match: narrow the filters to export them.") % {"cap": f"{cap:,}"}
        )


@dataclass(frozen=True)
class Column:
    label: Any
    value: Callable[[Incident], Any]
    time: bool = False  # a time: its header names the time zone the values are in


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("yes") if value else _("no"))


def _name(user: Any) -> str:
    return person_name(user) if user is not None else ""


def _str(value: Any) -> str:
    return "" if value is None else str(value)


COLUMNS = (
    Column(gettext_lazy("Number"), lambda i: i.number),
    Column(gettext_lazy("Short description"), lambda i: i.short_description),
    Column(gettext_lazy("State"), lambda i: i.get_state_display()),
    Column(gettext_lazy("Priority"), lambda i: i.get_priority_display()),
    Column(gettext_lazy("Impact"), lambda i: i.get_impact_display()),
    Column(gettext_lazy("Urgency"), lambda i: i.get_urgency_display()),
    Column(gettext_lazy("Serious"), lambda i: _yes_no(i.serious)),
    Column(gettext_lazy("Caller"), lambda i: i.caller.full_name),
    Column(gettext_lazy("Service"), lambda i: _str(i.service)),
    Column(gettext_lazy("Configuration items"), lambda i: "; ".join(ci.name for ci in i.cis.all())),
    Column(gettext_lazy("Group"), lambda i: _str(i.assigned_group)),
    Column(gettext_lazy("Assignee"), lambda i: _name(i.assignee)),
    Column(gettext_lazy("Master incident"), lambda i: i.parent.number if i.parent else ""),
    Column(gettext_lazy("Reported"), lambda i: i.reported_at, time=True),
    Column(gettext_lazy("Acknowledged"), lambda i: i.acknowledged_at, time=True),
    Column(gettext_lazy("Response due"), lambda i: i.response_due_at, time=True),
    Column(gettext_lazy("Responded"), lambda i: i.responded_at, time=True),
    Column(gettext_lazy("Response in time"), lambda i: _yes_no(i.response_met)),
    Column(gettext_lazy("Resolution due"), lambda i: i.resolution_due_at, time=True),
    Column(gettext_lazy("Resolved"), lambda i: i.resolved_at, time=True),
    Column(gettext_lazy("Resolution in time"), lambda i: _yes_no(i.resolution_met)),
    Column(gettext_lazy("Closed"), lambda i: i.closed_at, time=True),
)


def export_header() -> list[str]:
    """The columns' names; a time's names the active time zone ("Reported (Europe/Berlin)")."""
    zone = timezone.get_current_timezone_name()
    return [f"{column.label} ({zone})" if column.time else str(column.label) for column in COLUMNS]


def export_rows(queryset: QuerySet[Incident]) -> Iterator[list[Any]]:
    """The rows of ``queryset`` in its order, read in chunks with every column's relation prefetched."""
    # The list's own prefetches are replaced by the same ones and the CIs, which only the export shows.
    rows = queryset.prefetch_related(None).prefetch_related(
        "caller",
        "service",
        "assigned_group",
        "assignee",
        Prefetch("parent", queryset=Incident.objects.only("id", "number", "state")),
        Prefetch("cis", queryset=ConfigurationItem.objects.only("id", "name").order_by("name")),
    )
    for incident in rows.iterator(chunk_size=CHUNK_SIZE):
        yield [column.value(incident) for column in COLUMNS]


def check_export_size(queryset: QuerySet[Incident]) -> None:
    """Raise ``ExportTooLarge`` when ``queryset`` holds more than ``settings.EXPORT_ROW_CAP`` rows (one query,
    which stops counting one row past the cap)."""
    cap = settings.EXPORT_ROW_CAP
    if queryset.order_by().values("pk")[: cap + 1].count() > cap:
        raise ExportTooLarge(cap)


def incident_export(
    queryset: QuerySet[Incident], *, fmt: str, stem: str, title: str
) -> StreamingHttpResponse | FileResponse:
    """The incidents of ``queryset`` as a ``fmt`` download named ``stem`` and the date. Raises ``ExportTooLarge``
    past the cap and ``ValueError`` for an unknown format."""
    check_export_size(queryset)
    return spreadsheet_download(fmt, stem=stem, title=title, header=export_header(), rows=export_rows(queryset))
