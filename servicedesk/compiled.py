"""A query that every request runs, compiled to SQL once per process instead of on each request."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import F, Lookup, ManyToManyField, Model, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.query import ModelIterable, get_related_populators
from psycopg.pq import TransactionStatus

# A generic plan for the statements of ``planned_once`` (decision 0071); RESET returns to the server's own setting.
_GENERIC_PLAN = "SET plan_cache_mode = force_generic_plan"
_CUSTOM_PLANS = "RESET plan_cache_mode"

# Stands for the value a compiled query is run with, to find its place among the parameters.
ID_PLACEHOLDER = -2_104_583_917  # within a 32-bit id: Django refuses an id out of its range before any SQL
# Stands for the ids of many rows (``AnyOf``).
IDS_PLACEHOLDER = [ID_PLACEHOLDER]
# Stands for a moment: long before any row's, and with microseconds no clock reading is likely to repeat.
MOMENT_PLACEHOLDER = datetime.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=datetime.UTC)


class AnyOf(Lookup):
    """``lhs = ANY(%s)``, the values as one array: one statement whatever their number, prepared once, where ``IN``
    writes a parameter for each value and so makes a statement of its own for every count of them."""

    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [list(value)]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


@dataclass(frozen=True)
class Compiled:
    """A query's SQL and parameters, where each value goes among them, and how Django fills a row: the model's
    columns and their attributes, the converters of the columns, the related objects joined, the annotations'
    columns, and the prefetches (``prefetch_related``) to do on the rows."""

    model: type[Model]
    db: str
    sql: str
    params: tuple[Any, ...]
    positions: tuple[int, ...]
    columns: slice
    init_list: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    klass_info: dict[str, Any]
    select: tuple[Any, ...]
    fetch_mode: Any
    annotations: tuple[tuple[str, int], ...]
    prefetches: tuple[Any, ...]


class CompiledQuery:
    """``build(value)`` as SQL made once, then run for any ``value`` and its rows filled as Django fills them.

    Building the signed-in user's query with its annotated subqueries cost more processor time than running it
    (2.6 ms a request, measured); its SQL differs only in the id. ``build`` must use ``value`` exactly once, and
    nothing else in the query may change between requests (no clock, no setting read at build time). The value is
    an id unless ``placeholder`` says otherwise: a value of the same type that no real row could have. A query of
    several values (a key and the clock) names one placeholder for each in ``placeholders``; ``build``, ``first``
    and ``rows`` then take them in that order. The rows are model instances with their annotations and the related
    objects of ``select_related``, as the queryset would give them (Django's own iterator's steps, from the
    compiler's description of the columns kept with the SQL). The queryset's ``prefetch_related`` lookups are done
    on the rows: by ``rows`` as Django does (their statements built each time); by ``first``, for the one row,
    with a statement compiled once for each foreign key and many-to-many relation (``CompiledRelation``: the
    incident page's seven prefetches took more to build than to run), as Django for the others.
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
        self.relations: tuple[CompiledRelation | str | Prefetch, ...] | None = None

    def first(self, *values: Any) -> Any:
        """The first row for the values with its annotations, related objects and prefetches, or ``None``."""
        compiled = self.compiled or self._compile()
        rows = self._fetch(compiled, values)
        if not rows:
            return None
        row = rows[0]
        if compiled.prefetches:
            if self.relations is None:
                self.relations = tuple(CompiledRelation.of(compiled.model, lookup) for lookup in compiled.prefetches)
            row._prefetched_objects_cache = getattr(row, "_prefetched_objects_cache", {})
            for relation in self.relations:
                if isinstance(relation, CompiledRelation):
                    relation.read(row)
                else:
                    prefetch_related_objects([row], relation)
        return row

    def rows(self, *values: Any) -> list[Any]:
        """Every row for the values, in the queryset's order and within its slice, with their annotations, related
        objects and the queryset's prefetches."""
        compiled = self.compiled or self._compile()
        rows = self._fetch(compiled, values)
        if rows and compiled.prefetches:
            prefetch_related_objects(rows, *compiled.prefetches)
        return rows

    def _fetch(self, compiled: Compiled, values: Sequence[Any]) -> list[Any]:
        """The rows as Django's ``ModelIterable`` fills them, from the SQL compiled once."""
        if len(values) != len(compiled.positions):
            raise TypeError(f"This query takes {len(compiled.positions)} values, not {len(values)}.")
        params = list(compiled.params)
        for position, value in zip(compiled.positions, values, strict=True):
            params[position] = value
        connection = connections[compiled.db]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            results = cursor.fetchall()
        if not results:
            return []
        populators = get_related_populators(
            compiled.klass_info, list(compiled.select), compiled.db, compiled.fetch_mode
        )
        rows = []
        for result in results:
            values_of_row = list(result)
            for position, converters, expression in compiled.converters:
                value = values_of_row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                values_of_row[position] = value
            row = compiled.model.from_db(
                compiled.db, compiled.init_list, values_of_row[compiled.columns], fetch_mode=compiled.fetch_mode
            )
            for populator in populators:
                populator.populate(values_of_row, row)
            for name, position in compiled.annotations:
                setattr(row, name, values_of_row[position])
            rows.append(row)
        return rows

    def _compile(self) -> Compiled:
        queryset = self.build(*self.placeholders)
        if queryset._fields is not None or queryset._iterable_class is not ModelIterable:
            raise ValueError("A compiled query gives model instances: values() and values_list() are not for it.")
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        if any(params.count(placeholder) != 1 for placeholder in self.placeholders):
            raise ValueError("A compiled query must use each of its values exactly once.")
        if compiler.has_extra_select:
            raise ValueError("A compiled query cannot carry extra(select=...): annotate instead.")
        # After ``as_sql`` the compiler describes the columns: the model's, the joined models', the annotations'.
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        columns = slice(fields[0], fields[-1] + 1)
        expressions = [column[0] for column in select[: compiler.col_count]]
        self.compiled = Compiled(
            model=klass_info["model"],
            db=queryset.db,
            sql=sql,
            params=tuple(params),
            positions=tuple(params.index(placeholder) for placeholder in self.placeholders),
            columns=columns,
            init_list=tuple(column[0].target.attname for column in select[columns]),
            converters=tuple(
                (position, tuple(converters), expression)
                for position, (converters, expression) in compiler.get_converters(expressions).items()
            ),
            klass_info=klass_info,
            select=tuple(select),
            fetch_mode=queryset._fetch_mode,
            annotations=tuple(compiler.annotation_col_map.items()),
            prefetches=tuple(queryset._prefetch_related_lookups),
        )
        return self.compiled


class CompiledRelation:
    """A prefetch lookup of one row read by a statement compiled once, its objects put where Django's prefetch
    puts them: a foreign key (or one-to-one) by its id, none when it is empty; a many-to-many's rows by the
    row's id. The lookup may pass through foreign keys already loaded (``select_related``, as the incident's
    ``assigned_group__members``); its queryset (``Prefetch``) keeps its own ``select_related``, ordering,
    deferred fields and prefetches. ``of`` gives the lookup back unchanged when it is of another kind (a reverse
    relation, a ``to_attr``): Django reads those."""

    def __init__(
        self,
        through: tuple[Any, ...],
        field: Any,
        query: CompiledQuery,
        *,
        many: bool,
        of_rows: CompiledQuery | None = None,
    ) -> None:
        self.through, self.field, self.query, self.many, self.of_rows = through, field, query, many, of_rows
        self.queryset: QuerySet[Any] | None = None

    @classmethod
    def of(cls, model: type[Model], lookup: str | Prefetch) -> CompiledRelation | str | Prefetch:
        path, queryset = (lookup.prefetch_through, lookup.queryset) if isinstance(lookup, Prefetch) else (lookup, None)
        if isinstance(lookup, Prefetch) and lookup.to_attr:
            return lookup
        *steps, name = path.split(LOOKUP_SEP)
        through = []
        for step in steps:
            field = model._meta.get_field(step)
            if not (field.concrete and (field.many_to_one or field.one_to_one)):
                return lookup
            through.append(field)
            model = field.related_model
        field = model._meta.get_field(name)
        if isinstance(field, ManyToManyField):
            rows = queryset if queryset is not None else field.related_model._default_manager.all()
            query = CompiledQuery(lambda pk: rows.filter(**{field.related_query_name(): pk}))
            relation = cls(tuple(through), field, query, many=True)
            relation.queryset = rows
            return relation
        if field.concrete and (field.many_to_one or field.one_to_one) and field.target_field.primary_key:
            rows = queryset if queryset is not None else field.related_model._base_manager.all()
            query = CompiledQuery(lambda pk: rows.filter(pk=pk))
            of_rows = CompiledQuery(lambda pks: rows.filter(AnyOf(F("pk"), pks)), placeholder=IDS_PLACEHOLDER)
            return cls(tuple(through), field, query, many=False, of_rows=of_rows)
        return lookup

    def read_rows(self, rows: Sequence[Model]) -> bool:
        """Put the related object of each row in it, all read in one statement (none when no row has one), as
        Django's prefetch of a foreign key does; ``False`` (nothing done) for a relation that is not a foreign key
        of the rows themselves."""
        if self.of_rows is None or self.through:
            return False
        keys = {key for row in rows if (key := getattr(row, self.field.attname)) is not None}
        found = {related.pk: related for related in self.of_rows.rows(sorted(keys))} if keys else {}
        for row in rows:
            self._put(row, found.get(getattr(row, self.field.attname)))
        return True

    def read(self, row: Model) -> None:
        """Put the relation's objects in ``row`` (or in the related object the lookup passes through)."""
        owner: Model | None = row
        for step in self.through:
            if not step.is_cached(owner):
                prefetch_related_objects([row], LOOKUP_SEP.join(field.name for field in self.through))
            owner = step.get_cached_value(owner)
            if owner is None:
                return
        if self.many:
            related = self.query.rows(owner.pk)
            manager = getattr(owner, self.field.name)
            cached = manager._apply_rel_filters(self.queryset._chain())
            cached._result_cache, cached._prefetch_done = related, True
            put_prefetched(owner, self.field.name, cached)
            return
        key = getattr(owner, self.field.attname)
        self._put(owner, self.query.first(key) if key is not None else None)

    def _put(self, owner: Model, found: Model | None) -> None:
        """The foreign key's object in its owner, and the owner in it for a one-to-one, as Django's prefetch does."""
        self.field.set_cached_value(owner, found)
        if found is not None and not self.field.remote_field.multiple:
            self.field.remote_field.set_cached_value(found, owner)


def put_prefetched(owner: Model, cache_name: str, rows: QuerySet[Any]) -> None:
    """``rows`` where Django's prefetch puts a relation's rows, so that ``owner.<relation>.all()`` answers with them
    and without a statement (``cache_name``: the relation's ``cache_name``, its accessor's name)."""
    if not hasattr(owner, "_prefetched_objects_cache"):
        owner._prefetched_objects_cache = {}
    owner._prefetched_objects_cache[cache_name] = rows


class CompiledPrefetches:
    """``prefetch_related`` lookups of a list's rows, each foreign key of theirs read by one statement built once a
    process (``CompiledRelation.read_rows``); the other lookups Django does. ``queryset()`` gives a queryset of the
    model with the lookups whose rows are prefetched so: Django took more processor time to build a list page's five
    relations' statements than to run them."""

    def __init__(self, model: type[Model], *lookups: str | Prefetch) -> None:
        self.model, self.lookups = model, lookups
        self.relations: tuple[CompiledRelation | str | Prefetch, ...] | None = None
        prefetches = self

        class Rows(QuerySet):
            def _prefetch_related_objects(self) -> None:
                prefetches.prefetch(self._result_cache, self._prefetch_related_lookups)
                self._prefetch_done = True

        self.rows_class = Rows

    def queryset(self) -> QuerySet[Any]:
        return self.rows_class(self.model).prefetch_related(*self.lookups)

    def prefetch(self, rows: Sequence[Model], lookups: Sequence[str | Prefetch]) -> None:
        """Django's ``prefetch_related_objects(rows, *lookups)``, the lookups of this object's own (the same
        ``Prefetch``, or a name among them) by their compiled statements."""
        if self.relations is None:
            self.relations = tuple(CompiledRelation.of(self.model, lookup) for lookup in self.lookups)
        rest = []
        for lookup in lookups:
            relation = next(
                (r for own, r in zip(self.lookups, self.relations, strict=True) if _same(own, lookup)), None
            )
            if not (isinstance(relation, CompiledRelation) and relation.read_rows(rows)):
                rest.append(lookup)
        if rest:
            prefetch_related_objects(rows, *rest)


def _same(own: str | Prefetch, lookup: str | Prefetch) -> bool:
    return own is lookup or (isinstance(own, str) and own == lookup)


@contextmanager
def planned_once(cursor: Any) -> Iterator[None]:
    """Run the statements inside on the plan PostgreSQL makes once a connection for any values (a generic plan) rather
    than on one made for each call's values (decision 0071): for a prepared statement that takes longer to plan than
    to run and whose plan does not hang on its values (no partial index that a value must prove to apply).

    Two statements more (a ``SET`` and a ``RESET``). When the statements inside fail in a transaction, the setting is
    left to the transaction's rollback, which undoes it. None on a connection that prepares no statements
    (``DATABASE_PREPARED_STATEMENTS=off``): its values are written into the statements, each planned for its own."""
    if cursor.db.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is None:
        yield
        return
    cursor.execute(_GENERIC_PLAN)
    try:
        yield
    finally:
        if cursor.db.connection.info.transaction_status != TransactionStatus.INERROR:
            cursor.execute(_CUSTOM_PLANS)
