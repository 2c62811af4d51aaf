"""What a page of a list says of the pages around it, in the schema as OpenAPI 3.1 reads it."""

from __future__ import annotations

from typing import Any


def nullable_links(schema: dict[str, Any]) -> dict[str, Any]:
    """DRF's paginated schema with its ``next`` and ``previous`` links as 3.1 spells "a string or null": DRF writes
    3.0's ``nullable``, which a 3.1 validator ignores, so that the last page's ``null`` would not match."""
    for name in ("next", "previous"):
        link = schema["properties"][name]
        if link.pop("nullable", False):
            link["type"] = [link["type"], "null"]
    return schema
