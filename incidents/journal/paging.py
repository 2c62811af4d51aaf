"""The journal on the incident page a page at a time: the newest entries, then older ones on demand, read by keyset
on (time, id) from the oldest entry shown, so that a journal of hundreds of entries costs what one of ten does
(decision record 0040), shown newest or oldest first as the reader chose (decision record 0050)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, Subquery
from django.urls import reverse

from incidents import selectors
from incidents.journal.timeline import (
    SHOW_ALL,
    SHOW_CHANGES,
    SHOW_CUSTOMER,
    TimelineEntry,
    shown_condition,
    timeline_entries,
)
from incidents.models import Activity, Incident
from servicedesk.compiled import CompiledQuery

JOURNAL_PAGE_SIZE = 50
# An id of more digits than a bigint holds is no entry's (and would not fit the statement's parameter).
MAX_ID_DIGITS = 18


def _newest(show: str) -> CompiledQuery:
    return CompiledQuery(
        lambda incident_id: (
            selectors.journal_entries()
            .filter(shown_condition(show), incident_id=incident_id)
            .order_by("-created_at", "-id")[: JOURNAL_PAGE_SIZE + 1]
        )
    )


# The newest page under each filter, the one every incident page shows: its statement built once a process
# (servicedesk.compiled), as Django built it on every page.
_NEWEST = {show: _newest(show) for show in (SHOW_ALL, SHOW_CUSTOMER, SHOW_CHANGES)}


@dataclass(frozen=True)
class JournalPage:
    """Entries of the journal as the timeline shows them, in the reader's order; ``older``: the entry to read on
    from (the oldest shown) when older ones are left, else ``None``."""

    entries: list[TimelineEntry]
    older: int | None


def journal_page(
    incident: Incident,
    *,
    show: str = SHOW_ALL,
    before: int | None = None,
    size: int | None = None,
    newest_first: bool = True,
) -> JournalPage:
    """The newest ``size`` (``JOURNAL_PAGE_SIZE``) entries of the incident's journal that the filter ``show``
    keeps, older than the entry ``before`` when given (an entry of another incident has nothing before it): at most
    two statements, the entries with their authors and their files, however long the journal and however far back.
    The page is the same in either order: ``newest_first`` only turns it round for the reader."""
    size = size or JOURNAL_PAGE_SIZE
    if before is None and size == JOURNAL_PAGE_SIZE and show in _NEWEST:
        newest = _NEWEST[show].rows(incident.pk)
    else:
        rows = selectors.journal_entries().filter(shown_condition(show), incident=incident)
        if before is not None:
            # The keyset is the timeline's order, (created_at, id); the cursor names an entry, whose time is read here.
            anchor = Subquery(Activity.objects.filter(pk=before, incident=incident).values("created_at")[:1])
            rows = rows.filter(Q(created_at__lt=anchor) | Q(created_at=anchor, pk__lt=before))
        newest = list(rows.order_by("-created_at", "-id")[: size + 1])
    shown = newest[:size]
    older = shown[-1].pk if len(newest) > size else None
    return JournalPage(entries=timeline_entries(incident, shown if newest_first else shown[::-1]), older=older)


def journal_cursor(value: str | None) -> int | None:
    """``?before=`` as the id of an entry; anything else (missing, not a whole number) is none: the newest entries,
    as an unknown ``?show=`` shows everything."""
    if value and value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        return int(value)
    return None


def older_links(incident: Incident, *, show: str, older: int | None) -> dict[str, str] | None:
    """The "Show older entries" control's addresses: the older entries alone for htmx, and the incident page that
    shows them instead of the newest for a browser without JavaScript (``None`` when nothing is older)."""
    if older is None:
        return None
    query = urlencode({**({} if show == SHOW_ALL else {"show": show}), "before": older})
    fragment = reverse("incidents:journal", args=[incident.number])
    return {"page_url": f"{incident.get_absolute_url()}?{query}#journal", "fragment_url": f"{fragment}?{query}"}


def newest_url(incident: Incident, *, show: str) -> str:
    """The incident page with the newest entries of the journal, under the same filter."""
    query = "" if show == SHOW_ALL else f"?{urlencode({'show': show})}"
    return f"{incident.get_absolute_url()}{query}#journal"
