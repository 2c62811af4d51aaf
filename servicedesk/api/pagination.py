"""Lists a page at a time by a cursor: no count of every row, the same speed on the thousandth page as on the
first, and no row skipped or repeated when rows are added while a client pages through; a page size that is a
whole number or refused; the links to the pages around as OpenAPI 3.1 reads them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

PAGE_SIZE = 50
LARGEST_PAGE = 200


def nullable_links(schema: dict[str, Any]) -> dict[str, Any]:
    """DRF's paginated schema with its ``next`` and ``previous`` links as 3.1 spells "a string or null": DRF writes
    3.0's ``nullable``, which a 3.1 validator ignores, so that the last page's ``null`` would not match."""
    for name in ("next", "previous"):
        link = schema["properties"][name]
        if link.pop("nullable", False):
            link["type"] = [link["type"], "null"]
    return schema


class StrictPageSize:
    """Mixed into a DRF paginator: ``page_size`` is a whole number from 1 (more than the most is the most), or a
    400; DRF would quietly take the default for anything else, and a client would never learn its mistake."""

    page_size: int
    page_size_query_param: str
    max_page_size: int

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise serializers.ValidationError({self.page_size_query_param: [_("Give a whole number from 1.")]})
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)  # type: ignore[misc]
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = _("How many on a page, at most %(max)s.") % {"max": self.max_page_size}
        return parameters


class CursorPages(StrictPageSize, CursorPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = LARGEST_PAGE

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return nullable_links(super().get_paginated_response_schema(schema))


def cursor_pages(*ordering: str) -> type[CursorPages]:
    """Pages in this order. The first field decides where a page starts: a unique one that does not change (an
    id, a number, a unique name) keeps the cursor a plain index probe; ties on it are counted in the cursor."""
    return type("CursorPages", (CursorPages,), {"ordering": ordering})
