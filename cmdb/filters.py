"""django-filter FilterSets: one per list page; the same filters drive the page and its CSV export."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from cmdb.choices import ChangeState, CIClass, CIStatus, Criticality, LocationKind, SupportTier
from cmdb.models import Change, ConfigurationItem, Contact, Location, Service, SupportGroup
from servicedesk.forms import PickedRecordFilter, StorableIsoDateTimeFilter
from servicedesk.sorting import Columns


def service_filter(field_name: str = "service", *, distinct: bool = False) -> PickedRecordFilter:
    """The service, chosen by searching (a select of a thousand services cost 120 ms to render on every page):
    ``?service=<id>``, or ``?service_text=`` for the services whose name holds what was typed. ``distinct`` for a
    many-to-many ``field_name``: a record about two services whose names hold the text is listed once."""
    return PickedRecordFilter(
        label=_("Service"),
        field_name=field_name,
        queryset=Service.objects.all(),
        search_url=reverse_lazy("cmdb:service_search"),
        distinct=distinct,
    )


def yes_no(label: str) -> django_filters.BooleanFilter:
    """A yes/no filter whose empty choice reads "Any" (django-filter's default says "Unknown")."""
    choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
    return django_filters.BooleanFilter(label=label, widget=forms.Select(choices=choices))


def _words(value: str) -> list[str]:
    return [word for word in value.split() if word][:8]


class TextSearchFilterSet(django_filters.FilterSet):
    """A free-text box ``q``: every word must match one of ``search_fields`` (case-insensitive)."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label=_("Search"), method="search")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in _words(value):
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset


class ConfigurationItemFilter(TextSearchFilterSet):
    search_fields = ("name", "serial_number", "asset_tag", "description")
    ci_class = django_filters.MultipleChoiceFilter(label=_("Class"), choices=CIClass.choices)
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=CIStatus.choices)
    location = django_filters.ModelChoiceFilter(label=_("Location"), queryset=Location.objects.all())
    owner_group = django_filters.ModelChoiceFilter(label=_("Owner group"), queryset=SupportGroup.objects.all())
    # Only columns an index reads in order (decision 0047): the name's unique index, the class's (class, status).
    ordering = Columns(name=("name", _("Name")), **{"class": ("ci_class", _("Class"))})

    class Meta:
        model = ConfigurationItem
        fields = ["q", "ci_class", "status", "location", "owner_group", "ordering"]


class ServiceFilter(TextSearchFilterSet):
    search_fields = ("name", "description")
    criticality = django_filters.MultipleChoiceFilter(label=_("Criticality"), choices=Criticality.choices)
    owner_group = django_filters.ModelChoiceFilter(label=_("Owner group"), queryset=SupportGroup.objects.all())
    active = yes_no(_("Active"))

    ordering = Columns(
        name=("name", _("Name")), criticality=("criticality", _("Criticality")), active=("active", _("Active"))
    )

    class Meta:
        model = Service
        fields = ["q", "criticality", "owner_group", "active", "ordering"]


class ContactFilter(TextSearchFilterSet):
    search_fields = ("first_name", "last_name", "email", "department")
    workplace = django_filters.ModelChoiceFilter(label=_("Workplace"), queryset=Location.objects.all())
    department = django_filters.CharFilter(label=_("Department"), lookup_expr="iexact")
    vip = yes_no(_("VIP"))
    active = yes_no(_("Active"))

    ordering = Columns(
        name=(("last_name", "first_name"), _("Name")),
        email=("email", _("E-mail")),
        department=("department", _("Department")),
    )

    class Meta:
        model = Contact
        fields = ["q", "workplace", "department", "vip", "active", "ordering"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A word of digits is (part of) a phone number, however the operator formats it.
        for word in _words(value):
            digits = "".join(ch for ch in word if ch.isdigit())
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            if len(digits) >= 3:
                condition |= Q(phone_digits__contains=digits)
            queryset = queryset.filter(condition)
        return queryset


class LocationFilter(TextSearchFilterSet):
    search_fields = ("name", "address")
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=LocationKind.choices)
    parent = django_filters.ModelChoiceFilter(label=_("Part of"), queryset=Location.objects.all())

    ordering = Columns(name=("name", _("Name")), kind=("kind", _("Kind")))

    class Meta:
        model = Location
        fields = ["q", "kind", "parent", "ordering"]


class SupportGroupFilter(TextSearchFilterSet):
    search_fields = ("name", "email", "description")
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=SupportTier.choices)
    active = yes_no(_("Active"))

    ordering = Columns(name=("name", _("Name")), tier=("tier", _("Tier")))

    class Meta:
        model = SupportGroup
        fields = ["q", "tier", "active", "ordering"]


class ChangeFilter(TextSearchFilterSet):
    search_fields = ("number", "title", "description")
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=ChangeState.choices)
    ci = django_filters.CharFilter(label=_("Configuration item (name)"), field_name="cis__name", lookup_expr="iexact")
    planned_after = StorableIsoDateTimeFilter(label=_("Window ends after"), field_name="planned_end", lookup_expr="gte")
    planned_before = StorableIsoDateTimeFilter(
        label=_("Window starts before"), field_name="planned_start", lookup_expr="lte"
    )

    # The planned window reads the index on (planned_start, planned_end); a number, its unique index.
    ordering = Columns(
        number=("number", _("Number")), planned=("planned_start", _("Planned window")), state=("state", _("State"))
    )

    class Meta:
        model = Change
        fields = ["q", "state", "ci", "planned_after", "planned_before", "ordering"]
