"""Benchmark of what a signed-in request costs in Python: the fixed cost of every page, and the everyday pages'.

Run it with ``uv run python bench/request_cost.py`` (``--help`` lists the options; ``--incidents 1000000`` for the
million). It works on the HTTP benchmark's data (``bench/http_pages.py``: 100,000 incidents by default, 2 to 4
journal entries each, 11% open), loaded when they are not there, signs each role's user in with Django's test
client and requests each page ``--requests`` times through every middleware, the context processors and the
templates (no HTTP, no gunicorn): the home page (a signed-in page that runs no query of its own: what every page
pays before its view), the incident list, a search in words, the support queue, the desk's work list, the page of
an open incident (200 of them in turn, each with its stored vector) and that of an incident of any state (200 too).

For each page it prints the median wall time and the median processor time of the process
(``time.process_time``) per request in ms, and the statements one request runs. The processor time is what the
Python costs; the rest of the wall time is mostly waiting for PostgreSQL. ``--profile PAGE`` prints instead the
functions that took the most time over the requests of that page (cProfile, sorted by cumulative time).
``--relations`` prints instead what reading the relations of a list's page of 25 open incidents costs, by Django's
prefetch and by the statements built once a process (decision record 0070), in turn on the same rows.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import time
from collections.abc import Callable, Sequence

import harness
import http_pages

OPEN_PAGES = 200


def pages(open_numbers: Sequence[str], any_numbers: Sequence[str]) -> list[tuple[str, str, list[str]]]:
    """(what, who, the paths it cycles through) of every page timed."""
    return [
        ("home (no query of its own)", "desk", ["/"]),
        ("incident list, open", "desk", ["/incidents/"]),
        ("search “VPN connection”, every state", "desk", ["/incidents/?q=VPN+connection&state=all"]),
        ("support queue", "support", ["/queues/"]),
        ("desk's work list", "desk", ["/incidents/desk/"]),
        ("incident page (open)", "desk", [f"/incidents/{number}/" for number in open_numbers]),
        ("incident page (any state)", "desk", [f"/incidents/{number}/" for number in any_numbers]),
    ]


def measured(get: Callable[[str], object], paths: Sequence[str], requests: int) -> tuple[float, float]:
    """Median wall and processor ms of ``requests`` requests cycling through ``paths``, after a warm-up round."""
    for path in paths[:5]:
        get(path)
    walls, cpus = [], []
    for n in range(requests):
        path = paths[n % len(paths)]
        wall, cpu = time.perf_counter(), time.process_time()
        get(path)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def checked(client: object) -> Callable[[str], object]:
    """GET with ``client``, refusing anything but a 200: a redirect to the sign-in page would time nothing."""

    def get(path: str) -> object:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        return response

    return get


def profiled(get: Callable[[str], object], paths: Sequence[str], requests: int, lines: int) -> None:
    for path in paths[:5]:
        get(path)
    profile = cProfile.Profile()
    profile.enable()
    for n in range(requests):
        get(paths[n % len(paths)])
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)


def relations(requests: int) -> None:
    """The processor time of a list page's relations, Django's prefetch and the compiled statements in turn."""
    from django.db.models import prefetch_related_objects

    from incidents import selectors
    from incidents.choices import OPEN_STATES

    rows_of_page = selectors.incident_list().filter(state__in=OPEN_STATES)
    lookups = rows_of_page._prefetch_related_lookups
    ways = {
        "Django's prefetch": lambda rows: prefetch_related_objects(rows, *lookups),
        "built once (CompiledPrefetches)": lambda rows: selectors.LIST_ROWS.prefetch(rows, lookups),
    }
    spent: dict[str, list[float]] = {name: [] for name in ways}
    for n in range(requests * len(ways) + 10):
        name = list(ways)[n % len(ways)]
        rows = list(rows_of_page.prefetch_related(None)[:25])
        cpu = time.process_time()
        ways[name](rows)
        if n >= 10:  # after a warm-up round
            spent[name].append((time.process_time() - cpu) * 1000)
    rows = [[name, f"{statistics.median(times):.2f}"] for name, times in spent.items()]
    print(http_pages.table(["a list's five relations, 25 rows (median)", "CPU ms"], rows))


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", incidents=http_pages.INCIDENTS)
    parser.add_argument("--requests", type=int, default=200, help="requests of each page (default %(default)s)")
    parser.add_argument("--only", help="time only the pages whose name starts with this (e.g. 'support')")
    parser.add_argument("--profile", help="profile this page (the start of its name, e.g. 'support') instead")
    parser.add_argument("--lines", type=int, default=60, help="functions the profile lists (default %(default)s)")
    parser.add_argument("--relations", action="store_true", help="time a list's relations, the two ways, instead")
    args = parser.parse_args(argv)

    users = http_pages.in_process(reload=args.reload, seed=args.seed, incidents=args.incidents)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    clients = {}
    for role, username in users.items():
        clients[role] = Client()
        clients[role].force_login(get_user_model().objects.get(username=username))
    # More incidents than the process keeps embeddings of (knowledge.embeddings.embed_text: 64), each with its stored
    # vector (decision 0056), as a desk's day of incident pages would be.
    open_numbers = http_pages.sample_numbers(OPEN_PAGES, seed=args.seed, open_only=True)
    from incidents.models import Incident
    from incidents.recording.vectors import incidents_embed

    incidents_embed(ids=list(Incident.objects.filter(number__in=open_numbers).values_list("pk", flat=True)))
    if args.relations:
        relations(args.requests)
        print(f"Load average (1 min): {os.getloadavg()[0]:.1f}")
        return
    debug = "on" if settings.DEBUG else "off"
    print(f"{http_pages.describe()}\n{http_pages.machine()}; DEBUG {debug}; {args.requests} requests of each page")

    rows = []
    any_numbers = http_pages.sample_numbers(OPEN_PAGES, seed=args.seed, open_only=False)
    for label, who, paths in pages(open_numbers, any_numbers):
        if args.only and not label.startswith(args.only):
            continue
        get = checked(clients[who])
        if args.profile:
            if label.startswith(args.profile):
                profiled(get, paths, args.requests, args.lines)
            continue
        statements = [len(harness.captured_statements(lambda path=path, get=get: get(path))) for path in paths]
        wall, cpu = measured(get, paths, args.requests)
        rows.append([label, f"{wall:.1f}", f"{cpu:.1f}", f"{statistics.mean(statements):.1f}".removesuffix(".0")])
    if rows:
        print(http_pages.table(["page (in process, median)", "wall ms", "CPU ms", "statements"], rows))
    print(f"Load average (1 min): {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
