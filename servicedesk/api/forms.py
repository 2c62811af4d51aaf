"""The portal's forms as the API's input: a write is validated by the very form its page uses (same fields,
same messages, same checks), and the form's fields are described to the schema as a serializer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
    # ``bound`` leaves a null out, and a field left out is empty: null empties a field that may be empty.
    common["allow_null"] = not field.required
    if getattr(field, "many_lines", False):
        # A blank line is skipped, as on the page.
        return serializers.ListField(child=serializers.CharField(allow_blank=True), **common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False, allow_null=True, help_text=common["help_text"])
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
    """What in a JSON body is not of the JSON type the schema gives its field (``form_serializer``), by field: a
    text where it takes a number, an object where it takes a text, a null character PostgreSQL cannot store. The form
    checks the rest, with its own messages; this keeps a body of the wrong shape from reaching it, where ``true``
    would pass for the record with id 1 and an object for its text (a 400, never a 500)."""
    if not isinstance(body, dict):
        return {"non_field_errors": [_("Send a JSON object of the fields.")]}
    errors: dict[str, list[str]] = {}
    for name, value in body.items():
        field = form_class.base_fields.get(name)
        if field is None or value is None:
            continue
        kind = _json_kind(field)
        if _has_null_character(value):
            errors[name] = [_("Null characters are not allowed.")]
        elif not _is_a(kind, value):
            errors[name] = [str(_SAY[kind])]
    return errors


_SAY = {
    "boolean": gettext_lazy("Give true or false."),
    "integer": gettext_lazy("Give a whole number."),
    "string": gettext_lazy("Give a text."),
    "lines": gettext_lazy("Give a list of texts."),
    "integers": gettext_lazy("Give a list of whole numbers."),
    "strings": gettext_lazy("Give a list of texts."),
}


def _json_kind(field: forms.Field) -> str:
    """The JSON type ``_field`` describes a form field with."""
    if isinstance(field, (forms.JSONField, forms.FileField)):
        return "any"
    if getattr(field, "many_lines", False):
        return "lines"
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.ModelChoiceField):
        key = "string" if isinstance(_key(field), serializers.CharField) else "integer"
        return key + "s" if isinstance(field, forms.ModelMultipleChoiceField) else key
    if isinstance(field, forms.ChoiceField):
        key = "integer" if _choices(field) and all(_whole(value) for value, _label in _choices(field)) else "string"
        return key + "s" if isinstance(field, forms.MultipleChoiceField) else key
    if isinstance(field, forms.IntegerField):
        return "integer"
    return "string"


def _is_a(kind: str, value: Any) -> bool:
    if kind == "any":
        return True
    if kind == "lines":
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value))
    if kind.endswith("s"):
        return isinstance(value, list) and all(_is_a(kind[:-1], item) for item in value)
    return {"boolean": isinstance(value, bool), "integer": _whole(value), "string": isinstance(value, str)}[kind]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _has_null_character(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_null_character(key) or _has_null_character(item) for key, item in value.items())
    if isinstance(value, list):
        return any(map(_has_null_character, value))
    return False
