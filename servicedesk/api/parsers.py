"""The API's JSON bodies, held to the input guard's rule (``servicedesk.input_guard``, decision 0020), which reads
query strings and form bodies but cannot see inside JSON: a control character in a member's name, or one other than
tab, newline and carriage return in a string, is refused with 400 before any form or lookup reads it (PostgreSQL
refuses a NUL in text with an error, which was a 500)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from servicedesk.input_guard import CONTROL, CONTROL_IN_VALUE


class GuardedJSONParser(JSONParser):
    """DRF's ``JSONParser``, refusing control characters as the input guard does for forms."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if has_control_characters(data):
            raise ParseError(_("control character in the JSON body"))
        return data


def has_control_characters(data: Any) -> bool:
    """Whether any name or string in ``data`` holds a character the input guard refuses (walked without recursion,
    however deep the body nests)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if any(CONTROL.search(str(name)) for name in item):
                return True
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and CONTROL_IN_VALUE.search(item):
            return True
    return False
