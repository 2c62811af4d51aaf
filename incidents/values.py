"""How a stored value of an incident's field reads for people: the journal's changes and the audit history
keep values as data (choices by their code, times as ISO text); both pages write them out through here."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

NOTHING = "—"


def shown(field: models.Field | None, value: Any) -> str:
    """``value`` of ``field`` (``None`` when the field is unknown): "—" for nothing, yes/no, a choice by its
    label, an ISO time in the desk's time zone; anything else as text. Related rows are the caller's to name."""
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
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return str(value)
