"""The service-level badge of an incident in the lists and on its page: met, missed, paused, time left or overdue.

Tags rather than included templates: the incident list and the queue show one in every row, and two nested
includes a row cost more than the row's own fields.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from incidents.core.values import when
from incidents.models import Incident

register = template.Library()


@register.simple_tag(takes_context=True)
def sla_cell(context: template.Context, incident: Incident) -> str:
    """The SLA column of a list: "—" without targets; met or missed once closed; paused while the caller is
    awaited; else the time left to (or overdue of) the response while there was none, then of the resolution."""
    if not incident.service_level_id or not incident.resolution_due_at:
        return "—"
    if not incident.is_open:
        return _closed(incident.resolution_met)
    if incident.awaiting_caller_since:
        return format_html(
            '<span class="badge badge-info sla-paused" title="{}">{}</span>',
            incident.awaiting_caller_reason,
            _("paused"),
        )
    if not incident.responded_at and incident.response_due_at:
        return sla_due(context, incident.response_due_at, incident.response_warning_stage, _("response"))
    return sla_due(context, incident.resolution_due_at, incident.resolution_warning_stage, _("resolution"))


@register.simple_tag(takes_context=True)
def sla_due(context: template.Context, due: datetime.datetime, stage: int, what: str) -> str:
    """Time left to ``due`` (green, amber from the first warning stage) or overdue (red, as from the second)."""
    now = context.get("sla_now") or timezone.now()
    title = f"{what} {when(due, 'SHORT_DATETIME_FORMAT')}"
    if due <= now or stage >= 2:
        text = _("%(what)s overdue %(late)s") % {"what": what, "late": timesince(due, now)}
        return format_html('<span class="badge badge-bad sla-bad" title="{}">{}</span>', title, text)
    colour = "badge-warn sla-warn" if stage >= 1 else "badge-ok sla-ok"
    text = _("%(what)s: %(left)s left") % {"what": what, "left": timeuntil(due, now)}
    return format_html('<span class="badge {}" title="{}">{}</span>', colour, title, text)


def _closed(met: Any) -> str:
    if met is True:
        return format_html('<span class="badge badge-ok sla-ok">{}</span>', _("met"))
    if met is False:
        return format_html('<span class="badge badge-bad sla-bad">{}</span>', _("missed"))
    return "—"
