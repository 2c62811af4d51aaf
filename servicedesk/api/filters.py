"""The lists' filters through the API: the pages' own FilterSets, read a little more strictly.

A page ignores a yes/no filter with another value (``?serious=maybe`` lists everything, as django-filter's
``NullBooleanField`` reads it); a client that sent it made a mistake it should hear about, so the API refuses it
with 400 (the schema says true or false), and so is an empty one (``?status=``), which a page's form sends for
"any" and the schema allows for none. A page's sortable columns (``ordering``) are left out: the API's lists
come in the order of their cursor (``servicedesk.api.pagination``), which a sort would only contradict.
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

YES_NO = {"", "true", "false", "True", "False", "1", "0"}


@functools.cache
def _without_ordering(filterset_class: type[FilterSet]) -> type[FilterSet]:
    unsorted = type(f"Api{filterset_class.__name__}", (filterset_class,), {})
    unsorted.base_filters = {name: f for name, f in filterset_class.base_filters.items() if name != "ordering"}
    return unsorted


class StrictFilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` without the pages' sorting, refusing an empty filter and a yes/no filter whose value
    is neither yes nor no."""

    def get_filterset_class(self, view: Any, queryset: Any = None) -> type[FilterSet] | None:
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is None or "ordering" not in filterset_class.base_filters:
            return filterset_class
        return _without_ordering(filterset_class)

    def get_filterset(self, request: Request, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {
                name: [_("Write true or false.")]
                for name, field in filterset.form.fields.items()
                if isinstance(field, forms.NullBooleanField)
                and any(value not in YES_NO for value in request.query_params.getlist(name))
            }
            # A page's form sends its empty boxes (``?status=``), meaning "any"; a client leaves the filter out.
            errors |= {
                name: [_("Give a value, or leave the filter out.")]
                for name in filterset.form.fields
                if name not in errors and any(value == "" for value in request.query_params.getlist(name))
            }
            if errors:
                raise ValidationError(errors)
        return filterset
