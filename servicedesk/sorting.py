"""The lists' sortable columns (decision 0047): a FilterSet's ``ordering`` whitelist, each column sorting by one
model field or several (a contact's last, then first name), with the id as the last key so that rows of equal
value (a service's criticality, a contact's department) keep one order from page to page. ``{% sort_header %}``
(servicedesk/templatetags/sorting.py) writes the headers' links."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


class Columns(django_filters.OrderingFilter):
    """``Columns(name=(("last_name", "first_name"), _("Name")), department=("department", _("Department")))``:
    ``?ordering=name`` or ``-name`` sorts by those fields; anything else is not a choice, and is ignored."""

    def __init__(self, **columns: tuple[str | tuple[str, ...], Any]) -> None:
        self.columns = {param: (field,) if isinstance(field, str) else field for param, (field, _) in columns.items()}
        super().__init__(
            label=_("Sort by"),
            fields=tuple((fields[0], param) for param, fields in self.columns.items()),
            field_labels={param: label for param, (_field, label) in columns.items()},
        )

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        ordering = []
        for param in value:
            descending = param.startswith("-")
            ordering += [f"-{field}" if descending else field for field in self.columns[param.lstrip("-")]]
        return qs.order_by(*ordering, "pk")
