"""The coloured badge of a state, a priority or a level: ``{% badge label colour %}``.

A tag rather than an included template because lists show two or three in every row, and an include costs
a context push and a template render each (the incident list spent more on them than on its statements).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def badge(label: Any, colour: str = "") -> str:
    """``<span class="badge badge-{colour}">{label}</span>``, muted when no colour is given."""
    return format_html('<span class="badge badge-{}">{}</span>', colour or "muted", label)
