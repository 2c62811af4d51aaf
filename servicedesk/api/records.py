"""Records edited through their page's ModelForm (the CMDB, the knowledge base), as the API serves them: listed with
the list page's FilterSet a page at a time, read whole with an ETag, created and changed by the page's own form.

A record's ETag is the moment it was last saved (``servicedesk.api.versions.etag_at``); a change sends it back in
``If-Match`` and the form's ``EditConflictGuard`` compares it with the row, locked until the save commits, exactly
as for a page opened at that moment: a change saved since is refused with 412 and the record's current ETag.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import StrictFilterBackend
from servicedesk.api.forms import bound, shape_errors
from servicedesk.api.problems import errors_said, problem_response
from servicedesk.api.schema import IF_MATCH_SAVED, refusals
from servicedesk.api.versions import etag_at, expected_moment
from servicedesk.api.views import ApiViewSet
from servicedesk.forms import storable_moment


def record_permissions(app_label: str, model: str, *, delete: bool = False) -> dict[str, str]:
    """The pages' permissions by method: view to read, add to create, change to change, delete where a page
    deletes."""
    required = {
        "*": f"{app_label}.view_{model}",
        "POST": f"{app_label}.add_{model}",
        "PUT": f"{app_label}.change_{model}",
        "PATCH": f"{app_label}.change_{model}",
    }
    if delete:
        required["DELETE"] = f"{app_label}.delete_{model}"
    return required


def invalid(errors: dict[str, list[str]]) -> Response:
    """400 with the errors by field."""
    return problem_response(status.HTTP_400_BAD_REQUEST, "invalid", errors_said(errors), errors=errors)


def refused(form: forms.BaseForm) -> Response:
    """A form's errors as a 400 problem, worded as the page words them."""
    return invalid(
        {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): [str(message) for message in messages]
            for name, messages in form.errors.items()
        }
    )


def guard_moments(form: forms.BaseForm) -> forms.BaseForm:
    """The form, its moments checked with ``storable_moment`` (on this form's own copies of its fields)."""
    for field in form.fields.values():
        if isinstance(field, forms.DateTimeField):
            field.validators = [*field.validators, storable_moment]
    return form


class PageFilters(StrictFilterBackend):
    """The page's FilterSet, its moments checked as a form's are: a filter is a query, and PostgreSQL refuses an
    offset past 15:59 with an error, not an empty list."""

    def get_filterset(self, request: Request, queryset: QuerySet, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            guard_moments(filterset.form)
        return filterset


class RecordViewSet(mixins.ListModelMixin, ApiViewSet):
    """``list`` with the page's FilterSet, ``retrieve`` with the record's ETag.

    ``serializer_class`` says a record in a list, ``detail_serializer_class`` a record whole; ``get_queryset`` is
    the list's selector, ``get_detail_queryset`` the detail's."""

    detail_serializer_class: type[serializers.Serializer]
    filter_backends = [PageFilters]
    lookup_value_regex = "[^/]+"  # anything to the view, which answers a key that names nothing with a 404 problem
    parser_classes = [JSONParser]

    def get_detail_queryset(self) -> QuerySet:
        return self.get_queryset()

    def get_object(self) -> Any:
        """The record named in the URL, from the detail's queryset (the list's filters do not apply)."""
        return self.named(self.get_detail_queryset())

    def named(self, queryset: QuerySet) -> Any:
        """The record named in the URL, from ``queryset``; 404 when there is none."""
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        record = get_object_or_404(queryset, **{self.lookup_field: key})
        self.check_object_permissions(self.request, record)
        return record

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.record_response(self.get_object())

    def record_response(self, record: Model, status_code: int = status.HTTP_200_OK) -> Response:
        data = self.detail_serializer_class(record, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        response["ETag"] = etag_at(record.updated_at)
        return response


class FormRecordViewSet(RecordViewSet):
    """A ``RecordViewSet`` whose records are also created and changed, by the page's ``form_class``."""

    form_class: type[forms.ModelForm]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.write(request, instance=None)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        moment = expected_moment(request)
        return self.write(request, instance=self.get_object(), moment=moment)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        moment = expected_moment(request)
        return self.write(request, instance=self.get_object(), moment=moment, partial=True)

    def save(self, form: forms.ModelForm) -> Model:
        """What the page does with a valid form (an article's page also notes its author)."""
        return form.save()

    def write(
        self,
        request: Request,
        *,
        instance: Model | None,
        moment: datetime.datetime | None = None,
        partial: bool = False,
    ) -> Response:
        """Validate the body with the page's form and save it, as the page does; a PATCH keeps the fields it does
        not name (the form sees them as they are), a PUT sends them all."""
        if errors := json_body_errors(self.form_class, request):
            return invalid(errors)
        extra: dict[str, Any] = {}
        if instance is not None and moment is not None:
            if partial:
                extra = current_values(self.form_class, instance, leave=request.data.keys())
            extra["loaded_at"] = moment.isoformat()
        # The conflict check locks the row (select_for_update) until the save commits.
        with transaction.atomic():
            form = guard_moments(bound(self.form_class, request, extra=extra, instance=instance))
            if not form.is_valid():
                if instance is not None and form.has_error(NON_FIELD_ERRORS, "conflict"):
                    return stale(instance)
                return refused(form)
            record = self.save(form)
        response = self.record_response(
            self.get_detail_queryset().get(pk=record.pk),
            status.HTTP_200_OK if instance is not None else status.HTTP_201_CREATED,
        )
        if instance is None:
            response["Location"] = response.data["url"]
        return response


def json_body_errors(form_class: type[forms.BaseForm], request: Request) -> dict[str, list[str]]:
    """What in the body no field of the form could read (``shape_errors``); 415 for a body that is not JSON (a
    form body that middleware read first would otherwise look empty)."""
    if request.content_type.split(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaType(request.content_type or _("none"))
    return shape_errors(form_class, request.data)


def current_values(form_class: type[forms.ModelForm], instance: Model, *, leave: Iterable[str]) -> dict[str, Any]:
    """The record's values as its form would be sent them, but for the fields in ``leave``."""
    form = form_class(instance=instance)
    leave = set(leave)
    return {
        name: field.prepare_value(form.initial.get(name, field.initial))
        for name, field in form.fields.items()
        if name not in leave and name != "loaded_at"
    }


def stale(instance: Model) -> Response:
    """412: someone saved the record after the ETag sent was read; nothing is saved; its current ETag."""
    saved = type(instance)._default_manager.filter(pk=instance.pk).values_list("updated_at", flat=True).first()
    return problem_response(
        status.HTTP_412_PRECONDITION_FAILED,
        "stale",
        _("Someone else saved this record after you read it. Nothing was saved: read it again, then make your change."),
        current_etag=etag_at(saved) if saved else None,
    )


def record_schema(
    *,
    noun: str,
    listed: type[serializers.Serializer],
    detail: type[serializers.Serializer],
    write: type[serializers.Serializer] | None = None,
    who_writes: str = "",
) -> Callable[[type], type]:
    """The schema of a ``RecordViewSet``'s operations: their bodies, answers and refusals."""
    views: dict[str, Any] = {
        "list": extend_schema(summary=f"List {noun}s", responses={200: listed, **refusals(400, 403, 404)}),
        "retrieve": extend_schema(summary=f"Read a {noun}", responses={200: detail, **refusals(403, 404)}),
    }
    if write is not None:
        views |= {
            "create": extend_schema(
                summary=f"Create a {noun}",
                description=f"Validated by the page's form. {who_writes}",
                request=write,
                responses={201: detail, **refusals(400, 403, 415)},
            ),
            "update": extend_schema(
                summary=f"Change a {noun}",
                description=f"Every field, validated by the page's form. {who_writes}",
                request=write,
                parameters=[IF_MATCH_SAVED],
                responses={200: detail, **refusals(400, 403, 404, 412, 415, 428)},
            ),
            "partial_update": extend_schema(
                summary=f"Change some fields of a {noun}",
                description=f"The fields sent; the others stay as they are. {who_writes}",
                request=write,
                parameters=[IF_MATCH_SAVED],
                responses={200: detail, **refusals(400, 403, 404, 412, 415, 428)},
            ),
        }
    return extend_schema_view(**views)
