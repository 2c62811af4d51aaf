"""A query that every request runs, compiled to SQL once per process instead of on each request."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.query import RawQuerySet

# Stands for the value a compiled query is run with, to find its place among the parameters.
ID_PLACEHOLDER = -2_104_583_917  # within a 32-bit id: Django refuses an id out of its range before any SQL
# Stands for a moment: long before any row's, and with microseconds no clock reading is likely to repeat.
MOMENT_PLACEHOLDER = datetime.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=datetime.UTC)

# The model, the SQL and its parameters, where each value goes among them, and the prefetches.
type Compiled = tuple[type[Model], str, tuple[Any, ...], tuple[int, ...], tuple[Any, ...]]


class CompiledQuery:
    """``build(value)`` as SQL made once, then run for any ``value`` as a raw query.

    Building the signed-in user's query with its annotated subqueries cost more processor time than running it
    (2.6 ms a request, measured); its SQL differs only in the id. ``build`` must use ``value`` exactly once, and
    nothing else in the query may change between requests (no clock, no setting read at build time). The value is
    an id unless ``placeholder`` says otherwise: a value of the same type that no real row could have. A query of
    several values (a key and the clock) names one placeholder for each in ``placeholders``; ``build``, ``first``
    and ``rows`` then take them in that order. The queryset's ``prefetch_related`` lookups are kept and run on the
    rows (those statements are built each time); ``select_related`` is not (a raw query fills one model): annotate
    the related fields the rows need instead.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        placeholder: Any = ID_PLACEHOLDER,
        placeholders: tuple[Any, ...] | None = None,
    ) -> None:
        self.build = build
        self.placeholders = placeholders or (placeholder,)
        self.compiled: Compiled | None = None

    def first(self, *values: Any) -> Any:
        """The first row for the values as a model instance with its annotations, or ``None``."""
        rows = list(self.rows(*values))
        return rows[0] if rows else None

    def rows(self, *values: Any) -> RawQuerySet[Any]:
        """Every row for the values, in the queryset's order and within its slice, as model instances with their
        annotations, and the queryset's prefetches done when the rows are read."""
        model, sql, params, positions, prefetches = self.compiled or self._compile()
        if len(values) != len(positions):
            raise TypeError(f"This query takes {len(positions)} values, not {len(values)}.")
        filled = list(params)
        for position, value in zip(positions, values, strict=True):
            filled[position] = value
        rows = model._default_manager.raw(sql, filled)
        return rows.prefetch_related(*prefetches) if prefetches else rows

    def _compile(self) -> Compiled:
        queryset = self.build(*self.placeholders)
        if queryset.query.select_related:
            raise ValueError("A compiled query cannot follow select_related: annotate the related fields instead.")
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        params = list(params)
        if any(params.count(placeholder) != 1 for placeholder in self.placeholders):
            raise ValueError("A compiled query must use each of its values exactly once.")
        positions = tuple(params.index(placeholder) for placeholder in self.placeholders)
        self.compiled = (queryset.model, sql, tuple(params), positions, tuple(queryset._prefetch_related_lookups))
        return self.compiled
