"""The portal's forms as the API's input: a write is validated by the very form its page uses (same fields,
same messages, same checks), and the form's fields are described to the schema as a serializer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request

# Filled by the API from elsewhere than the body: the version (If-Match).
NOT_IN_BODY = ("version",)


def bound(
    form_class: type[forms.BaseForm], request: Request, *, extra: dict[str, Any] | None = None, **kwargs: Any
) -> forms.BaseForm:
    """``form_class`` bound to the request's JSON (or form) body and files, with ``extra`` values the API took
    from elsewhere (the version from If-Match). A list for a field of one value per line is those lines."""
    data: Any = request.data
    if hasattr(data, "getlist"):
        data = data.copy()
        for name, value in (extra or {}).items():
            data[name] = value
    else:
        body = data if isinstance(data, dict) else {}
        data = {name: _lines(form_class, name, value) for name, value in body.items() if value is not None}
        data.update(extra or {})
    return form_class(data, request.FILES or None, **kwargs)


def _lines(form_class: type[forms.BaseForm], name: str, value: Any) -> Any:
    field = form_class.base_fields.get(name)
    if isinstance(value, list) and getattr(field, "many_lines", False):
        return "\n".join(str(item) for item in value)
    return value


def form_serializer(
    form_class: type[forms.BaseForm], name: str, *, hidden: tuple[str, ...] = ()
) -> type[serializers.Serializer]:
    """A serializer with the form's fields, for the schema only: the form validates. A hidden field is the page's
    business, unless named in ``hidden`` (the caller's id, which the page's picker fills in)."""
    fields = {
        field_name: _field(field)
        for field_name, field in form_class.base_fields.items()
        if field_name not in NOT_IN_BODY and (field_name in hidden or not isinstance(field.widget, forms.HiddenInput))
    }
    return type(name, (serializers.Serializer,), fields)


def _field(field: forms.Field) -> serializers.Field:
    common: dict[str, Any] = {"required": field.required, "help_text": str(field.help_text or field.label or "")}
    if getattr(field, "many_lines", False):
        return serializers.ListField(child=serializers.CharField(), **common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False, help_text=common["help_text"])
    if isinstance(field, forms.FileField):
        return serializers.ListField(child=serializers.FileField(), **common)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=_key(field), **common)
    if isinstance(field, forms.ModelChoiceField):
        return _key(field, **common)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(choices=_choices(field), **common)
    if isinstance(field, forms.ChoiceField):
        choices = _choices(field)
        textual = all(isinstance(value, str) for value, _label in choices)
        return serializers.ChoiceField(choices=choices, allow_blank=textual and not field.required, **common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(min_value=field.min_value, max_value=field.max_value, **common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    return serializers.CharField(
        max_length=getattr(field, "max_length", None), allow_blank=not field.required, **common
    )


def _key(field: forms.ModelChoiceField, **common: Any) -> serializers.Field:
    """A record named by its key: the number (``CHG0000123``) where the form takes one, else its id (a ModelForm's
    foreign key names the id field itself)."""
    if field.to_field_name and field.to_field_name not in ("pk", field.queryset.model._meta.pk.name):
        return serializers.CharField(**common)
    return serializers.IntegerField(**common)


def _choices(field: forms.ChoiceField) -> list[tuple[Any, str]]:
    """The choices as ``(value, label)``, groups flattened, the empty choice left out (it is "not sent")."""
    flat: list[tuple[Any, str]] = []
    for value, label in field.choices:
        if isinstance(label, (list, tuple)):
            flat += [(inner, str(inner_label)) for inner, inner_label in label]
        elif value not in ("", None):
            flat.append((value, str(label)))
    return flat


def shape_errors(form_class: type[forms.BaseForm], body: Any) -> dict[str, list[str]]:
    """What in a JSON body no form field could read, by field: an object where a field takes one value, a value
    where it takes a list, a null character PostgreSQL cannot store. The form checks the rest, with its own
    messages; this only keeps a body of the wrong shape from reaching it (a 400, never a 500)."""
    if not isinstance(body, dict):
        return {"non_field_errors": [_("Send a JSON object of the fields.")]}
    errors: dict[str, list[str]] = {}
    for name, value in body.items():
        field = form_class.base_fields.get(name)
        if field is None or value is None:
            continue
        if _has_null_character(value):
            errors[name] = [_("Null characters are not allowed.")]
        elif not isinstance(field, forms.JSONField) and not _shaped_for(field, value):
            errors[name] = [_("Give a list of values.") if _takes_list(field) else _("Give one value, not a list.")]
    return errors


def _takes_list(field: forms.Field) -> bool:
    return getattr(field, "many_lines", False) or isinstance(
        field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)
    )


def _shaped_for(field: forms.Field, value: Any) -> bool:
    if getattr(field, "many_lines", False):
        return isinstance(value, str) or (isinstance(value, list) and all(map(_scalar, value)))
    if _takes_list(field):
        return isinstance(value, list) and all(map(_scalar, value))
    return _scalar(value)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _has_null_character(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_null_character(key) or _has_null_character(item) for key, item in value.items())
    if isinstance(value, list):
        return any(map(_has_null_character, value))
    return False
