"""The incident list's filters: state, priority, service, CI, caller, group, serious, text; sortable.

The list opens on the open incidents (``state=open``; ``state=all`` for every one). The search box takes an
incident's number however it is typed ("1349", "inc1349", "INC0001349"), found through the unique index on
the number whatever the other filters say, or words, each also found as the common word it may be a typo of
(``incidents.words``, as the similar-incident panel does).
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cmdb.filters import service_filter, yes_no
from cmdb.models import SupportGroup
from cmdb.selectors import groups_of
from incidents.choices import OPEN_STATES, Priority, State
from incidents.models import Incident
from incidents.words import analyse, forgiving_tsquery
from knowledge.models import SEARCH_CONFIG
from knowledge.textsearch import search_tokens
from servicedesk.forms import ShortModelChoiceFilter, StorableIsoDateTimeFilter
from servicedesk.sorting import Ordering

# "1349", "inc1349", "INC 0001349": a number and nothing else, with or without the prefix and the zeros.
_NUMBER = re.compile(r"(?:inc[\s-]*)?0*(\d{1,12})", re.IGNORECASE)
OPEN, ALL = "open", "all"


def incident_number(text: str) -> str | None:
    """The incident number a search stands for ("1349" → "INC0001349"), or ``None`` for a text search."""
    match = _NUMBER.fullmatch(text.strip())
    return f"INC{int(match[1]):07d}" if match else None


def text_query(text: str) -> SearchQuery:
    """The words of ``text`` (web-search syntax), or the common words that its misspelt ones stand for: one
    query, on the planner's statistics only."""
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    tokens = search_tokens(text)
    corrected = forgiving_tsquery(analyse(tokens)[0]) if tokens else None
    if corrected:
        query |= SearchQuery(corrected, search_type="raw", config=SEARCH_CONFIG)
    return query


def text_search(queryset: QuerySet[Incident], text: str) -> QuerySet[Incident]:
    """The incidents with the words of ``text``, or their corrections (``text_query``)."""
    return queryset.filter(search_vector=text_query(text))


def hidden_moment(field_name: str, lookup_expr: str) -> StorableIsoDateTimeFilter:
    return StorableIsoDateTimeFilter(field_name=field_name, lookup_expr=lookup_expr, widget=forms.HiddenInput)


class OneOfSelect(forms.SelectMultiple):
    """One choice on the page (a plain select), several taken from an address (``?state=a&state=b``)."""

    allow_multiple_selected = False


class StateFilter(django_filters.MultipleChoiceFilter):
    """The open incidents (recorded, classified, investigating), all, or those in one state."""

    def __init__(self, **kwargs: Any) -> None:
        choices = [(OPEN, _("Open")), (ALL, _("All")), (_("Only"), State.choices)]
        super().__init__(choices=choices, widget=OneOfSelect, **kwargs)

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        chosen = set(value or [OPEN])
        if ALL in chosen:
            return qs
        states = {state for choice in chosen for state in (OPEN_STATES if choice == OPEN else [choice])}
        # In the lifecycle's order: the open states then read as the partial indexes' condition, to the letter.
        return qs.filter(state__in=[state for state in State if state in states])


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search", widget=forms.TextInput(attrs={"placeholder": _("A number, or words")})
    )
    state = StateFilter(label=_("State"))
    # A column of the incident: no join to repeat rows, so no DISTINCT (which made PostgreSQL sort every match).
    priority = django_filters.MultipleChoiceFilter(label=_("Priority"), choices=Priority.choices, distinct=False)
    service = service_filter()
    ci = django_filters.CharFilter(label=_("Configuration item (name)"), field_name="cis__name", lookup_expr="iexact")
    caller = django_filters.CharFilter(label=_("Caller (e-mail)"), field_name="caller__email", lookup_expr="iexact")
    assigned_group = ShortModelChoiceFilter(label=_("Group"), queryset=SupportGroup.objects.all())
    serious = yes_no(_("Serious"))
    # The dashboard's figures link here with these; hidden in the form, kept as the other filters change.
    reported_from = hidden_moment("reported_at", "gte")
    reported_to = hidden_moment("reported_at", "lt")
    resolved_from = hidden_moment("resolved_at", "gte")
    resolved_to = hidden_moment("resolved_at", "lt")
    closed_from = hidden_moment("closed_at", "gte")
    closed_to = hidden_moment("closed_at", "lt")
    no_group = django_filters.BooleanFilter(field_name="assigned_group", lookup_expr="isnull", widget=forms.HiddenInput)
    with_known_error = django_filters.BooleanFilter(
        field_name="known_error", lookup_expr="isnull", exclude=True, widget=forms.HiddenInput
    )
    ordering = Ordering(
        label=_("Sort by"),
        fields=(("reported_at", "reported"), ("priority", "priority"), ("number", "number")),
        field_labels={"reported": _("Reported"), "priority": _("Priority"), "number": _("Number")},
    )

    class Meta:
        model = Incident
        fields = ["q", "state", "priority", "service", "ci", "caller", "assigned_group", "serious", "ordering"]

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        # Opened without a state, the list shows the open incidents, and its state filter says so.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.getlist("state"):
            data.setlist("state", [OPEN])
        super().__init__(data, *args, **kwargs)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # A number names one incident: it is found in any state, whatever else is filtered.
        number = incident_number(self.form.cleaned_data.get("q") or "")
        return queryset.filter(number=number) if number else super().filter_queryset(queryset)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        number = incident_number(value)
        return queryset.filter(number=number) if number else text_search(queryset, value)


class QueueFilter(django_filters.FilterSet):
    """The queue's filters: text, priority, service, and one of the user's own groups."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    # A column of the incident: no join to repeat rows, so no DISTINCT (which made PostgreSQL sort every match).
    priority = django_filters.MultipleChoiceFilter(label=_("Priority"), choices=Priority.choices, distinct=False)
    service = service_filter()
    assigned_group = ShortModelChoiceFilter(label=_("Group"), queryset=SupportGroup.objects.none())

    class Meta:
        model = Incident
        fields = ["q", "priority", "service", "assigned_group"]

    def __init__(self, *args: object, user: object = None, groups: list | None = None, **kwargs: object) -> None:
        """``groups``: the rows of ``groups_of(user)`` when the page has read them already."""
        super().__init__(*args, **kwargs)
        if user is not None:
            self.filters["assigned_group"].queryset = groups_of(user)
        if groups is not None:
            self.form.fields["assigned_group"].records = groups

    search = IncidentFilter.search
