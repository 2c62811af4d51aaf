"""A record's number however it is typed ("1349", "inc 1349", "PRB1000", "ke-0001000"), and the record it names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from cmdb.models import Change
from incidents.models import Incident
from knowledge.models import KnownError, Problem

# A prefix (or none: an incident), separators, leading zeros, then the digits.
_NUMBER = re.compile(r"(INC|PRB|KE|CHG)?[\s#-]*0*(\d{1,12})", re.IGNORECASE)
WIDTH = 7  # servicedesk.numbers.SequenceNumber's


@dataclass(frozen=True, slots=True)
class Kind:
    model: type[models.Model]
    permission: str


KINDS: dict[str, Kind] = {
    "INC": Kind(Incident, "incidents.view_incident"),
    "PRB": Kind(Problem, "knowledge.view_problem"),
    "KE": Kind(KnownError, "knowledge.view_knownerror"),
    "CHG": Kind(Change, "cmdb.view_change"),
}


@dataclass(frozen=True, slots=True)
class NumberedRecord:
    number: str
    title: str
    url: str


def typed_number(text: str) -> str | None:
    """The record number ``text`` is, in its stored form ("1349" → "INC0001349"), or ``None`` for words."""
    match = _NUMBER.fullmatch(text.strip())
    if not match:
        return None
    prefix = (match[1] or "INC").upper()
    return f"{prefix}{int(match[2]):0{WIDTH}d}"


def numbered_record(number: str, user: AbstractBaseUser) -> NumberedRecord | None:
    """The record of that number if it exists and ``user`` may see its kind: one query, none without the right."""
    kind = KINDS[number.rstrip("0123456789")]
    if not user.has_perm(kind.permission):
        return None
    title_field = "short_description" if kind.model is Incident else "title"
    record = kind.model.objects.filter(number=number).only("number", title_field).first()
    if record is None:
        return None
    return NumberedRecord(number=number, title=getattr(record, title_field), url=record.get_absolute_url())
