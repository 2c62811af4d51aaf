"""The journal as people read it: each entry with its author, its changes written out, the mail it sent and its
files; filtered to everything, what the caller sees, or the changes. Built from prefetched rows, no query per
entry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.choices import ActivityKind, Visibility
from incidents.core.values import journal_field, person_name, shown
from incidents.models import Activity, Attachment, Incident

# The timeline's filters: ?show=… and what each keeps.
SHOW_ALL, SHOW_CUSTOMER, SHOW_CHANGES = "all", "customer", "changes"
# Values of ``data`` that are lists but not an [old, new] pair.
LISTS = {"recipients", "subordinates"}
# Keys whose value is itself a list (the CIs' names): a change of one is a pair of lists, and a plain list of
# two is the value as recorded, not a change.
LIST_VALUED = {"cis"}
MAX_RECIPIENTS_SHOWN = 5


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    """A journal entry as the timeline shows it (built from prefetched rows: no query per entry)."""

    entry: Activity
    author: str
    kind_label: str = ""  # the entry's kind in words
    changes: list[Change] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    more_recipients: int = 0
    attachments: list[tuple[Attachment, str]] = field(default_factory=list)
    mail_url: str = ""  # the whole mail a reply came in, one click away
    how: str = ""  # how a person's reply came: by mail, on the status page


def show_filter(value: str | None) -> str:
    """The timeline's filter named by ``?show=``: everything unless it names another."""
    return value if value in {SHOW_CUSTOMER, SHOW_CHANGES} else SHOW_ALL


def timeline(incident: Incident, show: str = SHOW_ALL) -> list[TimelineEntry]:
    """The incident's prefetched journal, filtered: everything, what the caller sees, or the changes."""
    entries = []
    for entry in incident.journal.all():
        if show == SHOW_CUSTOMER and entry.visibility != Visibility.CUSTOMER:
            continue
        if show == SHOW_CHANGES and not _is_change(entry.kind):
            continue
        entries.append(_timeline_entry(incident, entry))
    return entries


def shown_condition(show: str) -> Q:
    """The timeline's filter as a query's condition, for a page of the journal read from the database (the API's):
    what the caller sees, or the changes (a kind this version does not know counts as a change, as above)."""
    if show == SHOW_CUSTOMER:
        return Q(visibility=Visibility.CUSTOMER)
    if show == SHOW_CHANGES:
        not_changes = [kind for kind in ActivityKind if not kind.is_change]
        return ~Q(kind__in=not_changes)
    return Q()


def timeline_entries(incident: Incident, entries: Iterable[Activity]) -> list[TimelineEntry]:
    """Entries of the incident read already (authors and attachments loaded, as ``journal_entries`` does) as the
    timeline shows them; each entry's ``incident`` is this one, read no more (as a prefetch leaves it)."""
    shown = []
    for entry in entries:
        entry.incident = incident
        shown.append(_timeline_entry(incident, entry))
    return shown


def duration(minutes: int) -> str:
    """ "45 min", "2 h", "1 h 25 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}


def _timeline_entry(incident: Incident, entry: Activity) -> TimelineEntry:
    data = entry.data if isinstance(entry.data, dict) else {}
    recipients = [str(address) for address in data.get("recipients") or []]
    return TimelineEntry(
        entry=entry,
        author=_author(entry, data),
        kind_label=entry.get_kind_display(),
        changes=_changes(data),
        recipients=recipients[:MAX_RECIPIENTS_SHOWN],
        more_recipients=max(len(recipients) - MAX_RECIPIENTS_SHOWN, 0),
        attachments=[
            (attachment, reverse("incidents:attachment", args=[incident.number, attachment.pk, attachment.name]))
            for attachment in entry.attachments.all()
        ],
        mail_url=reverse("incidents:inbox_mail", args=[data["mail"]]) if isinstance(data.get("mail"), int) else "",
        how=_how(entry, data),
    )


def _how(entry: Activity, data: dict[str, Any]) -> str:
    """How the entry came when it was not through the portal's pages: a reply by mail, a step through the API."""
    if entry.kind == ActivityKind.CALLER_REPLIED:
        return str(REPLY_WAYS.get(data.get("via"), ""))
    if data.get("through"):
        return _("through %(what)s") % {"what": data["through"]}
    return ""


def _changes(data: dict[str, Any]) -> list[Change]:
    """The entry's changes as people read them; a value that reads the same before and after is no change
    (a priority kept at classification, an entry of an older version that journaled every value)."""
    changes = []
    for key, pair in data.items():
        if not _is_change_pair(key, pair):
            continue
        field = journal_field(key)
        old, new = shown(field, pair[0]), shown(field, pair[1])
        if old != new:
            changes.append(Change(label=_label(field, key), old=old, new=new))
    return changes


def _is_change_pair(key: str, value: Any) -> bool:
    if key in LISTS or not isinstance(value, list) or len(value) != 2:
        return False
    return key not in LIST_VALUED or all(isinstance(side, list) for side in value)


REPLY_WAYS = {"mail": gettext_lazy("by mail"), "status_page": gettext_lazy("on the status page")}


def _author(entry: Activity, data: dict[str, Any]) -> str:
    if entry.author is not None:
        return person_name(entry.author)
    if (entry.kind == ActivityKind.CALLER_REPLIED or data.get("via") == "caller_link") and data.get("from"):
        return str(data["from"])
    if data.get("via") == "caller_link":
        return _("the caller")
    if data.get("via") == "monitoring":
        return _("monitoring")
    return _("the system")


def _is_change(kind: str) -> bool:
    try:
        return ActivityKind(kind).is_change
    except ValueError:  # a kind this version does not know: not a note or mail it knows either
        return True


def _label(field: Any, key: str) -> str:
    if field is not None and hasattr(field, "verbose_name"):
        return str(capfirst(field.verbose_name))
    return str(capfirst(key.replace("_", " ")))


def timeline_filters(incident: Incident, show: str) -> list[dict[str, Any]]:
    page = incident.get_absolute_url()
    fragment = reverse("incidents:journal", args=[incident.number])
    labels = {SHOW_ALL: _("Everything"), SHOW_CUSTOMER: _("Visible to the caller"), SHOW_CHANGES: _("Changes")}
    filters = []
    for value, label in labels.items():
        query = "" if value == SHOW_ALL else f"?show={value}"
        filters.append({"label": label, "page_url": f"{page}{query}", "fragment_url": f"{fragment}{query}",
                        "current": value == show})  # fmt: skip
    return filters
