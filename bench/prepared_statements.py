"""Benchmark of the main pages' statements bound by the client or prepared on the server (decision record 0064).

Run it with ``uv run python bench/prepared_statements.py`` (``--help`` lists the options). It works on the HTTP
benchmark's data (``bench/http_pages.py``: 100,000 incidents by default), loaded when they are not there. It requests
each page once through Django's test client with Django's default binding, keeps the statements (SQL and values) it
ran, then runs each page's statements on two connections of its own, in turn: one binding the values into the text on
the client (Django's default, ``DATABASE_PREPARED_STATEMENTS=off``), one binding them on the server and preparing a
statement once it has run twice (the portal's setting). Run in turn, both meet the same load, so the difference is
the statements' own: parsing and planning again, or not.

For each page it prints the median wall time of its statements (sent, planned, run and fetched) on either connection.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from typing import Any

import harness
import http_pages

type Statements = list[tuple[str, Any]]


def pages(open_numbers: Sequence[str]) -> list[tuple[str, str, list[str]]]:
    """(what, who, the paths it cycles through) of every page timed."""
    return [
        ("home (no query of its own)", "desk", ["/"]),
        ("incident list, open", "desk", ["/incidents/"]),
        (f"search “{http_pages.SEARCH}”, every state", "desk", ["/incidents/?q=VPN+connection&state=all"]),
        ("support queue", "support", ["/queues/"]),
        ("incident page (open)", "desk", [f"/incidents/{number}/" for number in open_numbers]),
    ]


def captured(get: Any, path: str) -> Statements:
    """The reading statements one request runs, with their values."""
    from django.db import connection

    statements: Statements = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        response = get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    return [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


def timed(connection: Any, statements: Statements) -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", incidents=http_pages.INCIDENTS)
    parser.add_argument("--runs", type=int, default=300, help="runs of each page's statements (default %(default)s)")
    args = parser.parse_args(argv)

    os.environ["DATABASE_PREPARED_STATEMENTS"] = "off"  # the pages' statements as Django writes them by default
    users = http_pages.in_process(reload=args.reload, seed=args.seed, incidents=args.incidents)
    import psycopg
    from django.contrib.auth import get_user_model
    from django.test import Client

    clients = {}
    for role, username in users.items():
        clients[role] = Client()
        clients[role].force_login(get_user_model().objects.get(username=username))
    open_numbers = http_pages.sample_numbers(40, seed=args.seed, open_only=True)
    url = harness.bench_database_url()
    client_bound = psycopg.connect(url, cursor_factory=psycopg.ClientCursor, autocommit=True, options="-c jit=off")
    prepared = psycopg.connect(url, prepare_threshold=2, autocommit=True, options="-c jit=off")
    print(f"{http_pages.describe()}\n{http_pages.machine()}; {args.runs} runs of each page's statements")

    rows = []
    for label, who, paths in pages(open_numbers):
        requests = [captured(clients[who].get, path) for path in paths]
        plain, kept = [], []
        for n in range(args.runs):
            statements = requests[n % len(requests)]
            # In turn, each side first every other run.
            pair = [(client_bound, plain), (prepared, kept)]
            for connection, times in pair if n % 2 else reversed(pair):
                times.append(timed(connection, statements))
        warm = 20  # the first runs prepare the statements and plan them for their values
        rows.append(
            [
                label,
                str(len(requests[0])),
                f"{statistics.median(plain[warm:]):.2f}",
                f"{statistics.median(kept[warm:]):.2f}",
            ]
        )
    print(http_pages.table(["page", "statements", "bound by the client: ms", "prepared: ms"], rows))
    print(f"Load average (1 min): {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
