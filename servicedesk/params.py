"""Whole numbers read from a request, kept to the range of the column they are looked up in
(docs/decisions/0020-bad-input.md): a number PostgreSQL cannot hold is treated as no number, never sent."""

from __future__ import annotations

import re

# PostgreSQL's bigint (ids) and integer (versions, counts) limits.
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,30}")


def int_param(value: str | None, *, minimum: int = 1, maximum: int = BIGINT_MAX) -> int | None:
    """The value as an int when it is one (ASCII digits, an optional sign) between ``minimum`` and ``maximum``;
    otherwise ``None``, as if it had not been given."""
    text = (value or "").strip()
    if not WHOLE_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
