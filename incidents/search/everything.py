"""Words searched in every kind of record the user may see, a short ranked list of each kind.

Each kind is searched the way its own page searches it, so that the header finds what the page would:
incidents by their words or the common words their typos stand for (``incidents.filters.text_query``), the
knowledge base by ``knowledge.search`` (every word, then any word and the meaning), callers and CIs by
``cmdb.selectors`` (names with typos forgiven, e-mail, phone digits, serial numbers). One query a kind; none for
a kind the user may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchRank
from django.db.models import F, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cmdb.selectors import ci_search, contact_search
from incidents.choices import OPEN_STATES
from incidents.filters import ALL, text_query
from incidents.models import Incident
from incidents.search.numbers import NumberedRecord, numbered_record, typed_number
from knowledge.search import FoundBy, knowledge_search

MAX_CHARS = 200
GROUP_LIMIT = 5
# Incidents are ranked among the newest that match: ranking every match of a common word ("printer") would
# read the search vectors of tens of thousands of incidents at a million.
RANKED_INCIDENTS = 500


@dataclass(frozen=True, slots=True)
class Hit:
    url: str
    label: str  # a number, or a name where the kind has no number
    title: str
    note: str | Promise = ""  # the state, a kind of match, a workplace: what tells two hits apart


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    title: str | Promise
    hits: tuple[Hit, ...]
    more_url: str  # the kind's own page, searching the same words


@dataclass(frozen=True, slots=True)
class SiteSearchResults:
    text: str
    number: str | None  # the number the text is, found or not
    record: NumberedRecord | None  # the record of that number, when it exists and may be seen
    groups: tuple[Group, ...]  # the kinds with a hit, in a fixed order

    def __bool__(self) -> bool:
        return self.record is not None or bool(self.groups)


def site_search(*, text: str, user: AbstractBaseUser, limit: int = GROUP_LIMIT) -> SiteSearchResults:
    """The record a number names, and the records of each kind ``user`` may see that hold the words."""
    text = " ".join(text[:MAX_CHARS].split())
    number = typed_number(text) if text else None
    record = numbered_record(number, user) if number else None
    groups = []
    if text and not (record and not text.isdigit()):  # "INC0001349" names one record; "1349" may be a phone too
        for search in _KINDS:
            groups += [group for group in search(text, limit, user) if group.hits]
    return SiteSearchResults(text=text, number=number, record=record, groups=tuple(groups))


def _url(name: str, **query: str) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


def _incidents(text: str, limit: int, user: AbstractBaseUser) -> list[Group]:
    if not user.has_perm("incidents.view_incident"):
        return []
    query = text_query(text)
    newest = Incident.objects.filter(search_vector=query).order_by("-id").values("id")[:RANKED_INCIDENTS]
    incidents = (
        Incident.objects.filter(id__in=newest)
        .annotate(rank=SearchRank(F("search_vector"), query), open=Q(state__in=OPEN_STATES))
        .only("number", "short_description", "state", "priority")
        .order_by("-open", "-rank", "-id")[:limit]
    )
    hits = [Hit(i.get_absolute_url(), i.number, i.short_description, i.get_state_display()) for i in incidents]
    return [Group("incidents", _("Incidents"), tuple(hits), _url("incidents:incident_list", q=text, state=ALL))]


def _knowledge(text: str, limit: int, user: AbstractBaseUser) -> list[Group]:
    if not user.has_perm("knowledge.view_knownerror"):
        return []
    found = knowledge_search(text=text, limit=limit)
    more = _url("knowledge:search", q=text)
    known_errors = [
        Hit(ke.get_absolute_url(), ke.number, ke.title, _notes(_how(ke), "" if ke.published else _("draft")))
        for ke in found.known_errors
    ]
    problems = [
        Hit(p.get_absolute_url(), p.number, p.title, _notes(p.get_state_display(), _how(p))) for p in found.problems
    ]
    articles = [Hit(a.get_absolute_url(), a.get_kind_display(), a.title, _how(a)) for a in found.articles]
    return [
        Group("known-errors", _("Known errors"), tuple(known_errors), more),
        Group("problems", _("Problems"), tuple(problems), more),
        Group("articles", _("Articles"), tuple(articles), more),
    ]


def _how(record: object) -> str:
    """Which kind of match a knowledge record is, unless it holds every word."""
    found_by = record.found_by
    return "" if found_by in (FoundBy.EVERY_WORD, FoundBy.NUMBER) else str(found_by.label)


def _notes(*notes: object) -> str:
    return " · ".join(str(note) for note in notes if note)


def _contacts(text: str, limit: int, user: AbstractBaseUser) -> list[Group]:
    if not user.has_perm("cmdb.view_contact"):
        return []
    hits = [
        Hit(c.get_absolute_url(), c.full_name, c.email, c.workplace.name if c.workplace else "")
        for c in contact_search(text=text, limit=limit)
    ]
    return [Group("contacts", _("Callers"), tuple(hits), _url("cmdb:contact_list", q=text))]


def _cis(text: str, limit: int, user: AbstractBaseUser) -> list[Group]:
    if not user.has_perm("cmdb.view_configurationitem"):
        return []
    hits = [
        Hit(ci.get_absolute_url(), ci.name, ci.get_ci_class_display(), ci.location.name if ci.location else "")
        for ci in ci_search(text=text, limit=limit)
    ]
    return [Group("cis", _("Configuration items"), tuple(hits), _url("cmdb:ci_list", q=text))]


# The kinds in the order the results show them; each searches only when the user may see it.
_KINDS: tuple[Callable[[str, int, AbstractBaseUser], list[Group]], ...] = (_incidents, _knowledge, _contacts, _cis)
