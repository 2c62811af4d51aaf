"""Template filters of the dashboard's figures: durations and shares read at a glance."""

from __future__ import annotations

import datetime

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def span(value: datetime.timedelta | float | None) -> str:
    """A duration (or seconds) as "2 d 3 h", "4 h 10 min", "45 min", "30 s"; "—" when there is none."""
    if value is None:
        return "—"
    seconds = round(value.total_seconds() if isinstance(value, datetime.timedelta) else value)
    if seconds < 60:
        return _("%(seconds)d s") % {"seconds": seconds}
    minutes = seconds // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:g} %"


@register.filter
def service_link(links: object, service_id: int) -> str:
    return links.service(service_id)


@register.filter
def ci_link(links: object, name: str) -> str:
    return links.ci(name)


@register.filter
def priority_link(links: object, priority: int) -> str:
    return links.priority(priority)


@register.filter
def group_link(links: object, group_id: int | None) -> str:
    return links.group(group_id)
