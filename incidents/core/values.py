"""Values of an incident's fields as the journal keeps them (data: labels, codes, ISO times) and as people
read them again (the journal's changes, the audit history)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.choices import SupportTier
from incidents.models import Incident
from knowledge.models import Category
from servicedesk.dateformats import date_format

NOTHING = "—"

# What the journal keeps under keys that are no field of the incident, described as fields so that they read
# like one: the support tier an escalation went to reads as the escalation form offered it.
JOURNAL_FIELDS: dict[str, models.Field] = {
    "tier": models.PositiveSmallIntegerField(gettext_lazy("support tier"), choices=SupportTier.choices),
}


def journal_value(value: Any) -> Any:
    """One value as the journal keeps it: labels of related rows (as they were named then), raw values of
    choices, ISO times."""
    if isinstance(value, Category):
        return value.path_label
    if isinstance(value, AbstractBaseUser):
        return person_name(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def values_of(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """``journal_value`` of each of the fields of ``instance``."""
    return {name: journal_value(getattr(instance, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any], *, always: Iterable[str] = ()) -> dict[str, list[Any]]:
    """``{"field": [old, new]}`` for the fields that changed, and for ``always`` whether or not they did."""
    keep = set(always)
    return {name: [before[name], after[name]] for name in before if name in keep or before[name] != after[name]}


def journal_field(key: str) -> models.Field | None:
    """The field a key of the journal's data names: the incident's, one of ``JOURNAL_FIELDS``, or ``None``."""
    try:
        return Incident._meta.get_field(key)
    except FieldDoesNotExist:
        return JOURNAL_FIELDS.get(key)


def person_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def when(moment: datetime.datetime | None, format_name: str = "DATETIME_FORMAT") -> str:
    """A moment in the desk's time zone, written the portal's one way ("27 Nov 2026, 17:06"); "" for none."""
    return date_format(timezone.localtime(moment), format_name) if moment else ""


def shown(field: models.Field | None, value: Any) -> str:
    """How a stored value of ``field`` (``None`` when the field is unknown) reads: "—" for nothing, yes/no, a
    choice by its label, an ISO time in the desk's time zone; anything else as text. Related rows are the
    caller's to name."""
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and getattr(field, "choices", None) and not field.is_relation:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return when(moment, "SHORT_DATETIME_FORMAT")
    return str(value)
