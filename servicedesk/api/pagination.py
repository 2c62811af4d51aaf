"""Lists a page at a time by a cursor: no count of every row, the same speed on the thousandth page as on the
first, and no row skipped or repeated when rows are added while a client pages through."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

PAGE_SIZE = 50
LARGEST_PAGE = 200


class CursorPages(CursorPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = LARGEST_PAGE

    def get_page_size(self, request: Request) -> int:
        """``page_size`` from 1 up (more than ``LARGEST_PAGE`` is that many); anything else is a 400, not a
        silent default."""
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not asked.isascii() or not asked.isdigit() or int(asked) < 1:
            raise ValidationError({self.page_size_query_param: [_("Give a whole number from 1.")]})
        return min(int(asked), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    f"Rows a page (default {self.page_size}; more than {self.max_page_size} is {self.max_page_size})."
                )
        return parameters

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
