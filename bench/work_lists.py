"""Benchmark of the work lists that read open incidents: the support queue, the desk's work list, the live backlog.

Run it with ``uv run python bench/work_lists.py`` (``--help`` lists the options). It works in the benchmarks' own
database (see ``bench/README.md``), on the incidents of the similar-incident benchmark (``bench/incidents_similar.py``:
a million over three years, about 3% open, about half of them escalated to one of 30 groups), loading them with COPY
first when they are not there.

It times each statement as the pages run them: the queue's tab counts, its pager's count and first page of 25
(``incidents.worklists.queues``) for a member of the busiest group (the one with the most incidents ever
assigned), the desk's counts and first page (``incidents.worklists.desk``), and the dashboard's live backlog
by priority and by group (``incidents.reporting.dashboard``). ``--explain`` shows each statement under
``EXPLAIN (ANALYZE, BUFFERS)``.
"""

from __future__ import annotations

from collections.abc import Callable

import harness
from incidents_similar import ensure_loaded

PAGE = 25


def member_of_busiest_group() -> object:
    """A support member of the group with the most incidents ever assigned (created once)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from cmdb.models import SupportGroup

    group = SupportGroup.objects.annotate(n=Count("incidents")).order_by("-n").only("pk").first()
    user, _ = get_user_model().objects.get_or_create(username="bench-support", defaults={"first_name": "Bench"})
    user.support_groups.set([group])
    return user


def cases(user: object) -> dict[str, Callable[[], int]]:
    """Each statement the pages run, as a call returning the rows (or the count) it found."""
    from incidents.reporting import dashboard
    from incidents.worklists import desk, queues
    from servicedesk.pages import KeysFirstPaginator

    def page_of(rows: object) -> int:
        # As the queue and the desk's work list page them: the count, the page's ids, its rows and their relations.
        return len(list(KeysFirstPaginator(rows, PAGE).get_page(1).object_list))

    unacknowledged, group = queues.tab_named("unacknowledged"), queues.tab_named("group")
    return {
        "queue: tab counts": lambda: queues.queue_counts(user)["group"],
        "queue: count, not acknowledged": lambda: queues.queue(user, unacknowledged).count(),
        "queue: page 1, not acknowledged": lambda: page_of(queues.queue(user, unacknowledged)),
        "queue: count, the group's": lambda: queues.queue(user, group).count(),
        "queue: page 1, the group's": lambda: page_of(queues.queue(user, group)),
        "desk: tab counts": lambda: sum(desk.worklist_counts(owner_id=None).values()),
        "desk: count, to classify": lambda: desk.worklist(tab=desk.TABS[0], owner_id=None).count(),
        "desk: page 1, to classify": lambda: page_of(desk.worklist(tab=desk.TABS[0], owner_id=None)),
        "dashboard: live backlog": lambda: len(dashboard._backlog_by_group(dashboard._backlog())),
    }


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", runs=(30, "timed runs per case"), incidents=True)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) each statement")
    args = parser.parse_args(argv)

    harness.setup("incidents")
    ensure_loaded(reload=args.reload, seed=args.seed, incidents=args.incidents)
    user = member_of_busiest_group()
    ever, still_open = harness.fetch_one(
        "SELECT count(*), count(*) FILTER (WHERE state IN ('recorded', 'classified', 'investigating'))"
        " FROM incidents_incident WHERE assigned_group_id IN"
        " (SELECT supportgroup_id FROM cmdb_supportgroup_members WHERE user_id = %s)",
        [user.pk],
    )
    print(f"The busiest group: {ever:,} incidents ever assigned, {still_open:,} open. {harness.server_version()[:16]}")
    print(f"{args.runs} warm runs per case: median / p95 / max in ms; rows or count found")
    for label, call in cases(user).items():
        measured = harness.time_runs(call, runs=args.runs)
        print(f"{label:<36} {measured.spread().slashed()}   {measured.results[0]:>9,}")
    if args.explain:
        for label, call in cases(user).items():
            print(f"EXPLAIN (ANALYZE, BUFFERS), {label}:")
            harness.explain(call, buffers=True)


if __name__ == "__main__":
    main()
