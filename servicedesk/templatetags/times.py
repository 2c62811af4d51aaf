"""Moments in templates.

``{{ moment|machine_time }}``: a moment as a ``<time datetime>`` attribute takes it. Django's ``date:'c'`` writes
microseconds, which HTML's date and time syntax does not allow (a second's fraction has at most three digits); the
page shows the moment to the minute anyway.

``{{ moment|short_datetime }}``: what ``date:"SHORT_DATETIME_FORMAT"`` writes, in a third of the time. Django
splits the format into its letters on every call, 40 of its 60 microseconds; the lists show one or two moments in
every row.
"""

from __future__ import annotations

import datetime
import functools

from django import template
from django.utils import timezone
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.formats import get_format

register = template.Library()


@register.filter
def machine_time(moment: datetime.datetime | None) -> str:
    """The moment in the current time zone, to the second, in ISO 8601 (``2026-12-01T14:00:00+01:00``)."""
    if not moment:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(microsecond=0).isoformat()


@register.filter(expects_localtime=True)
def short_datetime(moment: datetime.datetime | None) -> str:
    """The moment as ``date:"SHORT_DATETIME_FORMAT"`` writes it, in the current language."""
    if not isinstance(moment, datetime.datetime):
        return ""
    return formatted(moment, get_format("SHORT_DATETIME_FORMAT"))


def formatted(moment: datetime.datetime, date_format: str) -> str:
    """``django.utils.dateformat.format(moment, date_format)``, the format's pieces split once a process."""
    data = DateFormat(moment)
    return "".join(str(getattr(data, piece)()) if letter else piece for letter, piece in _pieces(date_format))


@functools.cache
def _pieces(date_format: str) -> tuple[tuple[bool, str], ...]:
    """The format's letters (``True``) and the text between them (``False``), as Django's formatter splits them."""
    pieces = []
    for i, piece in enumerate(re_formatchars.split(date_format)):
        if i % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, re_escaped.sub(r"\1", piece)))
    return tuple(pieces)
