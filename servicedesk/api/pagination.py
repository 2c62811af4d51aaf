"""Lists a page at a time by a cursor: no count of every row, the same speed on the thousandth page as on the
first, and no row skipped or repeated when rows are added while a client pages through."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination

PAGE_SIZE = 50
LARGEST_PAGE = 200


class CursorPages(CursorPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = LARGEST_PAGE

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # DRF says "nullable", which OpenAPI 3.1 no longer knows: a last page's null ``next`` must validate.
        described = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            described["properties"][link] = {
                "type": ["string", "null"],
                "format": "uri",
                "description": "The page after this one (null on the last)"
                if link == "next"
                else "The page before this one (null on the first)",
            }
        return described


def cursor_pages(*ordering: str) -> type[CursorPages]:
    """Pages in this order. The first field decides where a page starts: a unique one that does not change (an
    id, a number, a unique name) keeps the cursor a plain index probe; ties on it are counted in the cursor."""
    return type("CursorPages", (CursorPages,), {"ordering": ordering})
