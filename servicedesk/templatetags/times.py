"""Moments in templates.

``{{ moment|machine_time }}``: a moment as a ``<time datetime>`` attribute takes it. Django's ``date:'c'`` writes
microseconds, which HTML's date and time syntax does not allow (a second's fraction has at most three digits); the
page shows the moment to the minute anyway.

``{{ moment|short_datetime }}``: what ``date:"SHORT_DATETIME_FORMAT"`` writes, in a third of the time
(``servicedesk.dateformats``); the lists show one or two moments in every row.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from servicedesk.dateformats import date_format

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
    return date_format(moment, "SHORT_DATETIME_FORMAT")
