"""Impact analysis: which CIs and business services are affected when a CI fails, and what a service rests on.

A relationship reads "source <kind> target": when the target fails, the source is affected. Every walk of
the graph is one recursive SQL statement, breadth first, each CI visited once (decision record 0012)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from cmdb.choices import CIClass, CIStatus, Criticality
from cmdb.models import Change, ConfigurationItem
from servicedesk.compiled import IDS_PLACEHOLDER, MOMENT_PLACEHOLDER, AnyOf, CompiledQuery

CI_CLASS_LABELS = dict(CIClass.choices)
CI_STATUS_LABELS = dict(CIStatus.choices)
CRITICALITY_LABELS = dict(Criticality.choices)
# The most critical services first: Criticality lists its values from low to critical.
CRITICALITY_ORDER = list(reversed(Criticality.values))


@dataclass(frozen=True, slots=True)
class CINode:
    """A configuration item reached in a walk of the CMDB, ``depth`` relationships away from where it began.

    ``parent_id`` is the CI one step nearer the start that it was reached from (``None`` at depth 0).
    When several lead to it, the one with the smallest id is kept, so the answer does not change from one
    call to the next.
    """

    id: int
    name: str
    ci_class: str
    status: str
    depth: int
    parent_id: int | None

    def get_ci_class_display(self) -> str:
        return str(CI_CLASS_LABELS.get(self.ci_class, self.ci_class))

    def get_status_display(self) -> str:
        return str(CI_STATUS_LABELS.get(self.status, self.status))

    @property
    def status_badge(self) -> str:
        """The badge colour of the CI's status, as on the CI's own page."""
        return CIStatus(self.status).colour if self.status in CI_STATUS_LABELS else "muted"

    def get_absolute_url(self) -> str:
        return reverse("cmdb:ci_detail", args=[self.id])


@dataclass(frozen=True, slots=True)
class AffectedService:
    """A business service that a failing CI affects.

    ``depth`` is the number of relationships between the failed CI and the nearest CI the service is
    built from (0 when the service is built from the failed CI itself). ``path`` is that chain of CIs,
    from the failed CI to the one the service is built from (``via``).
    """

    id: int
    name: str
    criticality: str
    depth: int
    path: tuple[CINode, ...]

    @property
    def via(self) -> CINode:
        """The CI the service is built from through which the failure reaches it."""
        return self.path[-1]

    def get_criticality_display(self) -> str:
        return str(CRITICALITY_LABELS.get(self.criticality, self.criticality))

    @property
    def criticality_badge(self) -> str:
        return Criticality(self.criticality).colour if self.criticality in CRITICALITY_LABELS else "muted"

    def get_absolute_url(self) -> str:
        return reverse("cmdb:service_detail", args=[self.id])


@dataclass(frozen=True, slots=True)
class CIWalk:
    """The CIs found by a walk of the CMDB, in the order to show them, at most the requested number.

    ``truncated`` says that there were more than that; a page says so instead of listing them all.
    Iterate over it, or take its ``len``, as over a list.
    """

    nodes: tuple[CINode, ...]
    truncated: bool

    def __iter__(self) -> Iterator[CINode]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __bool__(self) -> bool:
        return bool(self.nodes)


# --- The SQL ---------------------------------------------------------------------------------------
#
# ``levels`` holds one row per depth: ``ids``, the CIs first reached at that depth, sorted; ``parents``,
# for each of them, the CI of the previous level it was reached from; ``seen``, every CI reached so far.
# A step reads the links of the whole previous level in one index scan (``= ANY``) and keeps the CIs not
# seen yet (an anti-join), so every CI is entered once. On a big graph this is two to four times
# faster than the textbook ``UNION`` of (ci, depth) rows, which enters a CI again for every depth at
# which some path reaches it. The walk stops at ``max_depth``, when a level finds nothing new, or once more than
# ``max_seen`` CIs are known (a page shows a bounded number anyway; NULL: no bound).
# ``{near}`` is the column of the CI a step arrives at, ``{far}`` the one it comes from.

_LEVELS = """
levels(depth, ids, parents, seen) AS (
    SELECT 0, start.ids, array_fill(NULL::bigint, ARRAY[cardinality(start.ids)]), start.ids
    FROM start
    UNION ALL
    SELECT l.depth + 1, step.ids, step.parents, l.seen || step.ids
    FROM levels AS l
    CROSS JOIN LATERAL (
        SELECT array_agg(found.id ORDER BY found.id) AS ids, array_agg(found.parent ORDER BY found.id) AS parents
        FROM (
            SELECT r.{near} AS id, min(r.{far}) AS parent
            FROM cmdb_relationship AS r
            WHERE r.{far} = ANY(l.ids)
              AND NOT EXISTS (SELECT FROM unnest(l.seen) AS s(id) WHERE s.id = r.{near})
            GROUP BY r.{near}
        ) AS found
    ) AS step
    WHERE l.depth < %(max_depth)s
      AND (%(max_seen)s::bigint IS NULL OR cardinality(l.seen) <= %(max_seen)s::bigint)
      AND step.ids IS NOT NULL
)"""

_FROM_ONE_CI = "start(ids) AS (SELECT ARRAY[%(ci_id)s::bigint])"
_FROM_SERVICE = """start(ids) AS (
    SELECT coalesce(array_agg(sc.configurationitem_id ORDER BY sc.configurationitem_id), '{}')
    FROM cmdb_service_cis AS sc
    WHERE sc.service_id = %(service_id)s
)"""
_DOWNSTREAM_LEVELS = _LEVELS.format(near="source_id", far="target_id")
_UPSTREAM_LEVELS = _LEVELS.format(near="target_id", far="source_id")

_NODES = """
SELECT ci.id, ci.name, ci.ci_class, ci.status, l.depth, n.parent
FROM levels AS l
CROSS JOIN LATERAL unnest(l.ids, l.parents) AS n(id, parent)
JOIN cmdb_configurationitem AS ci ON ci.id = n.id
WHERE l.depth >= %(min_depth)s
ORDER BY l.depth, ci.name, ci.id
LIMIT %(limit)s
"""

# The services are found from the CIs they are built from, level by level (an index scan per level,
# not a probe per CI); for each, the nearest such CI (then the smallest id) is the one the path leads
# to. The path is walked back through ``parents``: the ids of a level are sorted, so ``width_bucket``
# (a binary search) finds a CI's place in its level, whatever the size of the level.
_SERVICES = """,
hits AS (
    SELECT DISTINCT ON (sc.service_id) sc.service_id, l.depth, sc.configurationitem_id AS ci_id
    FROM levels AS l
    JOIN cmdb_service_cis AS sc ON sc.configurationitem_id = ANY(l.ids)
    JOIN cmdb_service AS s ON s.id = sc.service_id
    WHERE s.active
    ORDER BY sc.service_id, l.depth, sc.configurationitem_id
),
walk(service_id, depth, ci_id) AS (
    SELECT service_id, depth, ci_id FROM hits
    UNION ALL
    SELECT w.service_id, w.depth - 1, here.parents[width_bucket(w.ci_id, here.ids)]
    FROM walk AS w
    JOIN levels AS here ON here.depth = w.depth
    WHERE w.depth > 0
)
SELECT s.id, s.name, s.criticality, h.depth,
    array_agg(ci.id ORDER BY w.depth), array_agg(ci.name ORDER BY w.depth),
    array_agg(ci.ci_class ORDER BY w.depth), array_agg(ci.status ORDER BY w.depth)
FROM hits AS h
JOIN cmdb_service AS s ON s.id = h.service_id
JOIN walk AS w ON w.service_id = h.service_id
JOIN cmdb_configurationitem AS ci ON ci.id = w.ci_id
GROUP BY s.id, h.depth
ORDER BY array_position(%(criticality_order)s, s.criticality::text), h.depth, s.name, s.id
"""

# Only this module's own fragments are put together here; every value travels as a parameter.
_DOWNSTREAM = f"WITH RECURSIVE {_FROM_ONE_CI},{_DOWNSTREAM_LEVELS}{_NODES}"
_UPSTREAM = f"WITH RECURSIVE {_FROM_ONE_CI},{_UPSTREAM_LEVELS}{_NODES}"
_SERVICE_TREE = f"WITH RECURSIVE {_FROM_SERVICE},{_UPSTREAM_LEVELS}{_NODES}"
_AFFECTED_SERVICES = f"WITH RECURSIVE {_FROM_ONE_CI},{_DOWNSTREAM_LEVELS}{_SERVICES}"


# --- The selectors ---------------------------------------------------------------------------------


def affected_services(*, ci_id: int, max_depth: int = 10) -> list[AffectedService]:
    """The active business services affected when the CI fails, the most critical and the nearest first.

    A service is affected when it is built from the CI or from a CI downstream of it, at most
    ``max_depth`` relationships away. Each carries that distance and the chain of CIs between the
    failed CI and the one it is built from. One query, whatever the size of the CMDB.
    """
    _check_positive(max_depth=max_depth, allow_zero=True)
    params = {"ci_id": ci_id, "max_depth": max_depth, "max_seen": None, "criticality_order": CRITICALITY_ORDER}
    with connection.cursor() as cursor:
        cursor.execute(_AFFECTED_SERVICES, params)
        rows = cursor.fetchall()
    services = []
    for service_id, name, criticality, depth, ids, names, classes, statuses in rows:
        path = tuple(
            CINode(
                id=ids[i],
                name=names[i],
                ci_class=classes[i],
                status=statuses[i],
                depth=i,
                parent_id=ids[i - 1] if i else None,
            )
            for i in range(len(ids))
        )
        services.append(AffectedService(id=service_id, name=name, criticality=criticality, depth=depth, path=path))
    return services


def downstream_cis(*, ci_id: int, max_depth: int = 10, limit: int = 1000) -> CIWalk:
    """The CIs affected when the CI fails, nearest first: those that depend on it, directly or not.

    At most ``limit`` of them (the nearest, then by name), at most ``max_depth`` relationships away;
    the CI itself is not among them. One query.
    """
    return _walk(_DOWNSTREAM, {"ci_id": ci_id}, max_depth=max_depth, limit=limit, start_size=1, min_depth=1)


def upstream_cis(*, ci_id: int, max_depth: int = 10, limit: int = 1000) -> CIWalk:
    """The CIs this CI depends on, directly or not, nearest first: where to look for the cause of its failure.

    At most ``limit`` of them (the nearest, then by name), at most ``max_depth`` relationships away;
    the CI itself is not among them. One query.
    """
    return _walk(_UPSTREAM, {"ci_id": ci_id}, max_depth=max_depth, limit=limit, start_size=1, min_depth=1)


def service_tree(*, service_id: int, max_depth: int = 6, limit: int = 500) -> CIWalk:
    """The CIs a business service is built from, and what they depend on, as a tree to show indented.

    The CIs the service is built from directly are the roots (depth 0); below each CI come the CIs it
    depends on that were not already shown nearer the top, so each CI appears once, at its smallest
    depth, under the CI it was first reached from. The nodes are in display order (each CI followed by
    its subtree, siblings by name). At most ``limit`` CIs, at most ``max_depth`` relationships below
    the roots; a bigger graph is cut at the deepest levels and reported as ``truncated``. One query.
    """
    walk = _walk(_SERVICE_TREE, {"service_id": service_id}, max_depth=max_depth, limit=limit, start_size=0, min_depth=0)
    return CIWalk(nodes=_depth_first(walk.nodes), truncated=walk.truncated)


def changes_on_cis(*, ci_ids: Iterable[int], start: datetime.datetime, end: datetime.datetime) -> QuerySet[Change]:
    """The changes to any of the CIs that were or will be carried out around a time window, latest first.

    A change counts when its planned window overlaps ``start`` to ``end`` (both included) or when it was
    implemented within it; that is how the desk finds "changed in the last 72 hours or planned in the
    next 24" for a failing CI and what it depends on. Each change comes with all the CIs it touches
    (``change.cis.all()``, by name). Two queries when evaluated: the changes, then their CIs.
    """
    if end < start:
        raise ValueError("The window must not end before it starts.")
    ids = list(ci_ids)
    if not ids:
        return Change.objects.none()
    return _in_window(ids, *_window(start, end))


# The desk's rule of thumb: what changed in the last three days, or is about to change tomorrow.
RECENT_CHANGES = datetime.timedelta(hours=72)
UPCOMING_CHANGES = datetime.timedelta(hours=24)


def changes_around(*, ci_ids: Iterable[int], moment: datetime.datetime) -> list[Change]:
    """The changes on these CIs from 72 hours before ``moment`` to 24 hours after (``changes_on_cis``), from a
    statement built once a process: the incident page and the logging page read them for every incident's CIs."""
    ids = sorted(set(ci_ids))
    if not ids:
        return []
    return _AROUND.rows(ids, *_window(moment - RECENT_CHANGES, moment + UPCOMING_CHANGES))


def _window(start: datetime.datetime, end: datetime.datetime) -> tuple[datetime.datetime, ...]:
    """``_in_window``'s moments for the window from ``start`` to ``end``, in the order it takes them."""
    return end, start, start, end


def _in_window(
    ci_ids: list[int], planned_before: datetime.datetime, planned_after: datetime.datetime,
    implemented_from: datetime.datetime, implemented_to: datetime.datetime,
) -> QuerySet[Change]:  # fmt: skip
    touches = Change.cis.through.objects.filter(AnyOf(F("configurationitem_id"), ci_ids), change_id=OuterRef("pk"))
    in_window = Q(planned_start__lte=planned_before, planned_end__gte=planned_after) | Q(
        implemented_at__gte=implemented_from, implemented_at__lte=implemented_to
    )
    return (
        Change.objects.filter(in_window, Exists(touches))
        .prefetch_related(Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name")))
        .order_by("-planned_start", "-id")
    )


# ``changes_on_cis`` as ``changes_around`` asks it, its SQL made once (each moment of the window a placeholder of its
# own: each is a value of its own in the statement).
_AROUND = CompiledQuery(
    _in_window,
    placeholders=(
        IDS_PLACEHOLDER,
        *(MOMENT_PLACEHOLDER + datetime.timedelta(microseconds=step) for step in range(4)),
    ),
)


# --- Helpers ---------------------------------------------------------------------------------------


def _walk(
    sql: str, params: dict[str, object], *, max_depth: int, limit: int, start_size: int, min_depth: int
) -> CIWalk:
    _check_positive(max_depth=max_depth, allow_zero=True)
    _check_positive(limit=limit)
    # One node more than asked for tells whether there were more; the walk itself may stop as soon as
    # it knows that many (plus the start, when the start is not shown).
    params = {
        **params,
        "max_depth": max_depth,
        "max_seen": limit + start_size,
        "limit": limit + 1,
        "min_depth": min_depth,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    nodes = tuple(
        CINode(id=ci, name=name, ci_class=ci_class, status=status, depth=depth, parent_id=parent)
        for ci, name, ci_class, status, depth, parent in rows[:limit]
    )
    return CIWalk(nodes=nodes, truncated=len(rows) > limit)


def _depth_first(nodes: Sequence[CINode]) -> tuple[CINode, ...]:
    """The nodes of a breadth-first walk (by depth, then name) reordered so that each precedes its subtree."""
    children: dict[int | None, list[CINode]] = {}
    for node in nodes:  # already by name within a depth, so each list of children is by name too
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[CINode] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.id, [])))
    return tuple(ordered)


def _check_positive(*, allow_zero: bool = False, **values: int) -> None:
    for name, value in values.items():
        if value < 0 or (value == 0 and not allow_zero):
            raise ValueError(f"{name} must be {'zero or more' if allow_zero else 'one or more'}, not {value}.")
