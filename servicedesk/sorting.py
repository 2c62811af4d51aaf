"""The lists' sortable columns (decision 0047): a FilterSet's ``ordering`` whitelist, each column sorting by one
model field or several (a contact's last, then first name), with the id as the last key so that rows of equal
value (a service's criticality, a contact's department) keep one order from page to page. ``{% sort_header %}``
(servicedesk/templatetags/sorting.py) writes the headers' links."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import pretty_name
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import BaseCSVField


def _descending(label: Any) -> str:
    return gettext("%s (descending)") % label


class Ordering(django_filters.OrderingFilter):
    """``OrderingFilter`` whose "… (descending)" choices are said in the language of the request that shows them:
    django-filter writes them once, when the FilterSet's class is made, in the language of that moment."""

    def build_choices(self, fields: dict[str, str], labels: dict[str, Any]) -> list[tuple[str, Any]]:
        ascending = [
            (param, labels.get(field) or labels.get(param) or _(pretty_name(param))) for field, param in fields.items()
        ]
        descending = [(f"-{param}", lazy(_descending, str)(label)) for param, label in ascending]
        return [choice for pair in zip(ascending, descending, strict=True) for choice in pair]


class _ColumnsField(BaseCSVField):
    """``?ordering=,,`` names no column: refused as any other value that is not a choice (the API says 400, a page
    keeps its own order)."""

    def clean(self, value: Any) -> Any:
        if value and not all(value):
            raise ValidationError(_("Name a column to sort by."), code="invalid_choice")
        return super().clean(value)


class Columns(Ordering):
    """``Columns(name=(("last_name", "first_name"), _("Name")), department=("department", _("Department")))``:
    ``?ordering=name`` or ``-name`` sorts by those fields; anything else is not a choice: refused by the API,
    ignored by a page."""

    base_field_class = _ColumnsField

    def __init__(self, **columns: tuple[str | tuple[str, ...], Any]) -> None:
        self.columns = {param: (field,) if isinstance(field, str) else field for param, (field, _) in columns.items()}
        super().__init__(
            label=_("Sort by"),
            fields=tuple((fields[0], param) for param, fields in self.columns.items()),
            field_labels={param: label for param, (_field, label) in columns.items()},
        )

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        params = [param for param in value or () if param]
        if not params:
            return qs
        ordering = []
        for param in params:
            descending = param.startswith("-")
            ordering += [f"-{field}" if descending else field for field in self.columns[param.lstrip("-")]]
        return qs.order_by(*ordering, "pk")
