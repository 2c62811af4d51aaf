"""The lists' filters through the API: the pages' own FilterSets, read a little more strictly.

A page ignores a yes/no filter with another value (``?serious=maybe`` lists everything, as django-filter's
``NullBooleanField`` reads it); a client that sent it made a mistake it should hear about, so the API refuses it
with 400 (the schema says true or false).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

YES_NO = {"", "true", "false", "True", "False", "1", "0"}


class StrictFilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend``, refusing a yes/no filter whose value is neither yes nor no."""

    def get_filterset(self, request: Request, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {
                name: [_("Write true or false.")]
                for name, field in filterset.form.fields.items()
                if isinstance(field, forms.NullBooleanField)
                and any(value not in YES_NO for value in request.query_params.getlist(name))
            }
            if errors:
                raise ValidationError(errors)
        return filterset
