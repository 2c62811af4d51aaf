"""Benchmark of the incident page in-process: its statements, their cost in PostgreSQL, and the page through Django.

Run it with ``uv run python bench/incident_page.py`` (``--help`` lists the options; ``--incidents 1000000`` for
the million). It works on the HTTP benchmark's data (``bench/http_pages.py``: the similar-incident benchmark's
incidents with 2 to 4 journal entries each, 11% open), loaded when they are not there, and signs its desk user in
with Django's test client: every middleware and the template run, no HTTP and no gunicorn.

For sampled open incidents and incidents in any state it prints the page's time (median, 95th percentile), the
statements it runs, and for each statement of the incident's own reading (the selector, decision record 0040)
PostgreSQL's planning and execution time under ``EXPLAIN ANALYZE`` (medians), with the one join of eighteen
tables it replaced for comparison. Then the page of one incident given
a journal of ``--journal`` entries (written in a transaction rolled back afterwards), and the page of its older
entries: a long journal must cost what a short one does.
"""

from __future__ import annotations

import os
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence

import harness
import http_pages


def statement_kind(sql: str) -> str:
    """A statement the ORM wrote named by the table of its first column (the through table of a many-to-many)."""
    found = re.match(r'\s*SELECT\s+(?:DISTINCT\s+)?\(?"(\w+)"\.', sql)
    return found.group(1) if found else sql.split()[0]


def planned(sql: str) -> tuple[float, float]:
    """PostgreSQL's planning and execution time of one SELECT, in ms."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, SUMMARY) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
    planning = next(line for line in lines if line.startswith("Planning Time"))
    execution = next(line for line in lines if line.startswith("Execution Time"))
    return float(planning.split()[2]), float(execution.split()[2])


def selector_costs(numbers: Sequence[str]) -> dict[str, list[tuple[float, float]]]:
    """Planning and execution of each statement reading an incident as its page does, by the table it reads (the
    first: the incident with its four relations)."""
    from incidents import selectors

    costs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for number in numbers:
        read = harness.captured_statements(lambda number=number: selectors.incident_detail().get(number=number))
        for position, sql in enumerate(read):
            kind = "the incident, 4 joins" if position == 0 else statement_kind(sql)
            costs[kind].append(planned(sql))
    return costs


def one_join_costs(numbers: Sequence[str]) -> list[tuple[float, float]]:
    """Planning and execution of the statement the page read the incident with before decision record 0040: one
    join of eighteen tables (the relations it shows, the category's and the category at closure's two parents)."""
    from incidents.models import Incident
    from incidents.selectors import minutes_spent_total

    joined = (
        Incident.objects.defer("search_vector")
        .select_related("caller__workplace", "location", "service", "desk_owner", "assigned_group", "parent")
        .select_related("service_level", "category__parent__parent", "root_cause_category__parent__parent")
        .select_related("assignee", "known_error", "change", "problem")
        .annotate(minutes_spent_total=minutes_spent_total())
    )
    return [planned(harness.captured_statements(lambda n=n: joined.get(number=n))[0]) for n in numbers]


def page_spread(get: Callable[[str], object], paths: Sequence[str], runs: int) -> harness.Spread:
    return harness.time_each(list(paths) * runs, get, warm_up=min(5, len(paths))).spread()


def long_journal(client: object, number: str, entries: int, runs: int) -> None:
    """The page of incident ``number`` with ``entries`` more notes, and its first page of older entries."""
    from django.utils import timezone

    from incidents.models import Activity, Incident

    incident = Incident.objects.get(number=number)
    now = timezone.now()
    with harness.rolled_back():
        Activity.objects.bulk_create(
            Activity(incident=incident, kind="note", text=f"Note {n}", created_at=now) for n in range(entries)
        )
        path = f"/incidents/{number}/"
        page = client.get(path).content.decode()
        older = re.search(r'data-hx-get="([^"]+before=\d+)"', page)
        fragment = older.group(1).replace("&amp;", "&") if older else ""
        counted = len(harness.captured_statements(lambda: client.get(path)))
        alone = page_spread(client.get, [path], runs * 10)
        print(f"page with {incident.journal.count():,} journal entries:  {alone.labelled()}   statements: {counted}")
        if fragment:
            fetched = len(harness.captured_statements(lambda: client.get(fragment, headers={"HX-Request": "true"})))
            spread = page_spread(lambda path: client.get(path, headers={"HX-Request": "true"}), [fragment], runs * 10)
            print(f"its older entries (htmx):             {spread.labelled()}   statements: {fetched}")


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", incidents=http_pages.INCIDENTS)
    parser.add_argument("--samples", type=int, default=40, help="incidents of each kind (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="rounds through the samples (default %(default)s)")
    parser.add_argument("--journal", type=int, default=500, help="entries of the long journal (default %(default)s)")
    args = parser.parse_args(argv)

    users = http_pages.in_process(reload=args.reload, seed=args.seed, incidents=args.incidents)
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=users["desk"]))
    print(f"{http_pages.describe()}\n{http_pages.machine()}; {harness.server_version().split(' on ')[0]}")
    for label, open_only in (("open incidents", True), ("any state", False)):
        numbers = http_pages.sample_numbers(args.samples, seed=args.seed, open_only=open_only)
        paths = [f"/incidents/{number}/" for number in numbers]
        counted = [len(harness.captured_statements(lambda path=path: client.get(path))) for path in paths]
        alone = page_spread(client.get, paths, args.runs)
        print(f"\nincident page, {label}: {alone.labelled()}   statements: mean {statistics.mean(counted):.1f}")
        print("  the incident's reading, by statement: planning / execution ms (medians over the samples)")
        for kind, costs in [
            *selector_costs(numbers).items(),
            ("before: one join of 18 tables", one_join_costs(numbers)),
        ]:
            planning = statistics.median(cost[0] for cost in costs)
            execution = statistics.median(cost[1] for cost in costs)
            print(f"    {kind:<32} {planning:6.2f} / {execution:5.2f}   ({len(costs)} of {len(numbers)} pages)")
    print()
    long_journal(client, http_pages.sample_numbers(1, seed=args.seed, open_only=True)[0], args.journal, args.runs)
    print(f"Load average (1 min): {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
