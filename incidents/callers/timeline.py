"""The journal as an incident's people read it on the status page: only what was written for them, newest
first, a page at a time. The desk speaks for its staff (no staff names); a person is named only by their name,
never by their address."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.choices import ActivityKind, State, Visibility
from incidents.models import Activity, Incident

PAGE_SIZE = 50
MAX_PAGE = 200  # 10,000 entries back: further than any caller reads, and the offset stays cheap
# The notifications written for the people themselves: the operator's message to everyone affected, the question.
NOTICES_SHOWN = ("users", "awaiting_answer")

TITLES = {
    ActivityKind.CUSTOMER_UPDATE: gettext_lazy("Update"),
    ActivityKind.WORKAROUND: gettext_lazy("Workaround"),
    ActivityKind.CONFIRMED: gettext_lazy("Fix confirmed"),
    ActivityKind.CALLER_REPLIED: gettext_lazy("Reply"),
    ActivityKind.CALL_ADDED: gettext_lazy("Call added"),
}
STATE_TITLES = {
    State.RESOLVED: gettext_lazy("Resolved"),
    State.INVESTIGATING: gettext_lazy("Reopened"),
    State.CLOSED: gettext_lazy("Closed"),
}
NOTICE_TITLES = {"users": gettext_lazy("Message to everyone affected"), "awaiting_answer": gettext_lazy("Question")}
REPLY_WAYS = {"mail": gettext_lazy("by mail"), "status_page": gettext_lazy("on the status page")}


@dataclass(frozen=True)
class CallerEntry:
    """One entry as a person reads it: what happened, who wrote, when, the text and the files' names."""

    title: str
    author: str
    at: datetime.datetime
    text: str
    files: list[str]

    @property
    def iso(self) -> str:
        """For ``<time datetime>``: to the second, in the desk's time zone."""
        return timezone.localtime(self.at).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class CallerJournal:
    entries: list[CallerEntry]
    page: int
    has_older: bool

    @property
    def older_page(self) -> int | None:
        return self.page + 1 if self.has_older else None

    @property
    def newer_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None


def caller_page_number(value: str | None) -> int:
    """``?page=``: 1 unless it names a later page within reach."""
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def caller_journal(incident: Incident, *, person_key: str, page: int = 1) -> CallerJournal:
    """One page of the entries the incident's people may see, for the person whose key is ``person_key`` (who
    may read their own address). Two queries, whatever the page holds."""
    start = (page - 1) * PAGE_SIZE
    rows = list(_newest_first(incident)[start : start + PAGE_SIZE + 1])
    entries = [_entry(row, person_key) for row in rows[:PAGE_SIZE]]
    return CallerJournal(entries=entries, page=page, has_older=len(rows) > PAGE_SIZE)


def caller_journal_printed(incident: Incident, *, limit: int) -> tuple[list[CallerEntry], bool]:
    """The newest ``limit`` entries the incident's people may see, oldest first, as a printout shows them to
    anyone (no one's own address), and whether older ones were left out. Two queries."""
    rows = list(_newest_first(incident)[: limit + 1])
    return [_entry(row, "") for row in reversed(rows[:limit])], len(rows) > limit


def _newest_first(incident: Incident) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(incident=incident, visibility=Visibility.CUSTOMER)
        .filter(~Q(kind=ActivityKind.NOTIFICATION) | Q(data__notice__in=NOTICES_SHOWN))
        .order_by("-created_at", "-id")
        .prefetch_related("attachments")
    )


def _entry(entry: Activity, person_key: str) -> CallerEntry:
    data = entry.data if isinstance(entry.data, dict) else {}
    resumed = entry.kind == ActivityKind.FIELD_CHANGED and data.get("step") == "resume"
    return CallerEntry(
        title=_title(entry, data),
        author=_author(entry, data, person_key),
        at=entry.created_at,
        # The resumption names whoever answered, maybe by address; its title says all the others need.
        text="" if resumed else entry.text,
        files=[attachment.name for attachment in entry.attachments.all()],
    )


def _title(entry: Activity, data: dict[str, Any]) -> str:
    if entry.kind == ActivityKind.NOTIFICATION:
        return str(NOTICE_TITLES.get(data.get("notice"), _("Message")))
    if entry.kind == ActivityKind.CALLER_REPLIED and data.get("via") in REPLY_WAYS:
        return _("Reply %(way)s") % {"way": REPLY_WAYS[data["via"]]}
    if entry.kind == ActivityKind.STATE_CHANGED:
        state = data.get("state")
        new = state[1] if isinstance(state, list) and len(state) == 2 else None
        return str(STATE_TITLES.get(new, _("Update")))
    if entry.kind == ActivityKind.FIELD_CHANGED and data.get("step") == "resume":
        return _("Answer received: the work goes on")
    return str(TITLES.get(entry.kind, _("Update")))


def _author(entry: Activity, data: dict[str, Any], person_key: str) -> str:
    if entry.author_id is not None:
        return _("Service desk")
    if entry.kind == ActivityKind.CALLER_REPLIED:
        name = str(data.get("from") or data.get("caller") or "")
        own = bool(person_key) and data.get("person") == person_key
        # A person added by address alone is named by it: someone else's address stays theirs.
        return name if name and (own or "@" not in name) else _("Someone kept informed")
    if data.get("via") == "caller_link" and data.get("step") != "resume":
        name = str(data.get("from") or "")
        return name if name and "@" not in name else _("The caller")
    return _("Service desk")
