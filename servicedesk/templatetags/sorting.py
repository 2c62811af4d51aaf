"""Sortable column headers: ``{% sort_header label "number" %}`` (decision 0047).

The header is a link to the same list sorted by that column (the other way round when it already is), keeping the
filters and leaving the page out; ``aria-sort`` says how the list is sorted now. The tag only writes links: which
columns a list may be sorted by is the FilterSet's ``OrderingFilter`` whitelist, which ignores anything else.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()

ORDERING = "ordering"


@register.simple_tag(takes_context=True)
def sort_header(context: Any, label: Any, field: str, default: str = "") -> str:
    """A ``<th>`` whose link sorts by ``field`` ("number"); ``default`` is the list's own order when the address
    names none ("-reported": newest first)."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    current = query.get(ORDERING) or default
    if current == field:
        state, next_order = "ascending", f"-{field}"
    elif current == f"-{field}":
        state, next_order = "descending", field
    else:
        state, next_order = "", field
    query[ORDERING] = next_order
    sort = format_html(' aria-sort="{}"', state) if state else ""
    return format_html('<th scope="col"{}><a class="sort" href="?{}">{}</a></th>', sort, query.urlencode(), label)
