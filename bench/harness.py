"""What every benchmark shares: its own database, Django, the command line, loading its data, timing, the table.

A benchmark keeps what it measures and the data it generates; its ``main`` reads like this::

    args = harness.arguments(__doc__, samples=(200, "queries")).parse_args(argv)
    harness.setup("knowledge")
    harness.ensure_data("50,000 known errors", loaded=loaded, load=lambda: load(seed=args.seed), reload=args.reload)
    harness.timed("known_error_matches", queries, lambda query: len(match(query)), counted="results")

Nothing here touches Django before ``setup``: importing this module configures nothing, and the pure parts
(``spread``, ``hit_rates``, the timing loops) are tested in ``tests/bench``.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

BASE_DIR = Path(__file__).resolve().parent.parent
# BENCH_DATABASE in the environment names another, for two people (or two checkouts) benchmarking on one server.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "").strip() or "servicedesk_bench"
# The incident benchmarks' data set (bench/incidents_similar.py); ``--incidents`` makes it smaller.
INCIDENTS = 1_000_000


# --- Django on a database of the benchmarks' own ---------------------------------------------------


def bench_database_url(name: str = BENCH_DATABASE, *, fresh: bool = False) -> str:
    """The URL of the database ``name`` (the benchmarks' own by default), on the server the portal would use;
    created if missing, or dropped and created again when ``fresh``."""
    import psycopg
    from psycopg import sql

    sys.path.insert(0, str(BASE_DIR))
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(path=f"/{name}"))
        admin = urlunsplit(parts._replace(path="/postgres"))
        connect: dict[str, Any] = {"conninfo": admin}
    else:
        from servicedesk import embedded

        var_dir = Path(os.environ.get("SERVICEDESK_VAR_DIR", "").strip() or BASE_DIR / "var")
        pg = embedded.start_postgres(var_dir)
        url = pg.url(name)
        connect = {"host": str(pg.socket_dir), "port": pg.port, "user": pg.user, "dbname": "postgres"}
    try:
        with psycopg.connect(**connect, autocommit=True) as admin_db:
            if fresh:
                admin_db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if not admin_db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin_db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise SystemExit(
            f"Could not find or create the database {name} ({error}). Create it by hand on the same"
            " server, or run the benchmark as a user with the CREATEDB right."
        ) from error
    return url


def setup(app: str | None, *, database: str = BENCH_DATABASE, fresh: bool = False) -> None:
    """Django on the benchmark database (created if missing), with ``app`` migrated (and what it needs, no other
    app's), or every app when ``app`` is None. ``database`` names another database; ``fresh`` drops it first."""
    os.environ["DATABASE_URL"] = bench_database_url(database, fresh=fresh)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", *([app] if app else []), verbosity=0)


# --- The command line ------------------------------------------------------------------------------


def arguments(
    doc: str,
    *,
    data: str = "the data",
    samples: tuple[int, str] | None = None,
    runs: tuple[int, str] | None = None,
    incidents: bool | int = False,
) -> argparse.ArgumentParser:
    """The options every benchmark takes (``--reload``, ``--seed``), and those it asks for: ``--samples`` or
    ``--runs`` as (default, what is timed), ``--incidents`` for the size of the incident data set (a number: its
    default, else ``INCIDENTS``). The benchmark adds its own and calls ``parse_args``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help=f"load {data} again even if they are there")
    if samples:
        parser.add_argument(
            "--samples", type=int, default=samples[0], help=f"{samples[1]} to time (default %(default)s)"
        )
    if runs:
        parser.add_argument("--runs", type=int, default=runs[0], help=f"{runs[1]} (default %(default)s)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generator (default 42)")
    if incidents:
        default = INCIDENTS if incidents is True else incidents
        parser.add_argument(
            "--incidents",
            type=int,
            default=default,
            help=f"incidents in the data set (default {default:,}); fewer, such as 20000, to try a change quickly"
            " (the figures are then not those of bench/README.md, and the next full run loads them again)",
        )
    return parser


# --- Loading the data ------------------------------------------------------------------------------


def ensure_data(
    what: str,
    *,
    loaded: Callable[[], bool],
    load: Callable[[], None],
    reload: bool,
    data: str = "the data",
    database: str = BENCH_DATABASE,
) -> None:
    """Load the benchmark's data when they are missing or ``reload`` asks for it, else say they are reused."""
    if reload or not loaded():
        print(f"Loading {what}...")
        load()
    else:
        print(f"Reusing {data} in {database} (--reload to load them again).")


def generator(seed: int) -> random.Random:
    """The seeded generator of test data (not of secrets)."""
    return random.Random(seed)  # noqa: S311


def copy_rows(cursor: CursorWrapper, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write ``rows`` into ``table`` with PostgreSQL's COPY."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def reset_sequences(cursor: CursorWrapper, *tables: str) -> None:
    """Move the id sequences past the ids a COPY wrote explicitly."""
    for table in tables:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608


def ids(cursor: CursorWrapper, table: str) -> list[int]:
    """Every id of ``table``, in order."""
    cursor.execute(f"SELECT id FROM {table} ORDER BY id")  # noqa: S608
    return [row[0] for row in cursor.fetchall()]


@contextmanager
def triggers_off(cursor: CursorWrapper, *tables: str) -> Iterator[None]:
    """The tables' own triggers (history, day figures) off inside the current transaction: generated data are no
    one's change."""
    for table in tables:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    # Deferred foreign-key checks are pending trigger events, and ALTER TABLE refuses to run with any.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in tables:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def vacuum_analyze(*tables: str) -> None:
    """``VACUUM ANALYZE`` the tables: fresh statistics, and the visibility map that index-only scans need."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")


class Stopwatch:
    """Times the steps of a load: ``lap`` at the end of each, then ``summary`` says how long each took."""

    def __init__(self, *, digits: int = 1) -> None:
        self.digits = digits
        self.started = self.last = time.perf_counter()
        self.laps: list[str] = []

    def lap(self, step: str, note: str = "") -> None:
        now = time.perf_counter()
        self.laps.append(f"{step} {now - self.last:.{self.digits}f} s{' ' + note if note else ''}")
        self.last = now

    def summary(self) -> str:
        return f"loaded in {self.last - self.started:.{self.digits}f} s: {', '.join(self.laps)}"


# --- Asking the database ---------------------------------------------------------------------------


def fetch_one(sql: str, params: Sequence[Any] = ()) -> tuple:
    """The one row a statement returns (sizes, counts, the server's version)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def server_version() -> str:
    """The server's ``version()``: the figures depend on it."""
    return fetch_one("SELECT version()")[0]


def captured_statements(call: Callable[[], object]) -> list[str]:
    """The SQL statements one call runs, in order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return [query["sql"] for query in captured.captured_queries]


def explain(call: Callable[[], object], *, buffers: bool = False) -> None:
    """Print each SELECT the call runs under ``EXPLAIN ANALYZE`` (with ``BUFFERS``: the pages each step read)."""
    from django.db import connection

    options = "ANALYZE, BUFFERS" if buffers else "ANALYZE"
    with connection.cursor() as cursor:
        for sql in captured_statements(call):
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN ({options}) {sql}")
            print(f"  {sql[:160]}{'...' if len(sql) > 160 else ''}")
            print("      " + "\n      ".join(row[0] for row in cursor.fetchall()))


@contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction whose every change is rolled back: for timing writes on the benchmark's data."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- Timing ----------------------------------------------------------------------------------------


class Spread(NamedTuple):
    """Median, 95th percentile and maximum of measured times in ms: what every benchmark reports."""

    median: float
    p95: float
    maximum: float

    def labelled(self, number: str = "7.1f", sep: str = "   ") -> str:
        """``median 1.0 ms   p95 2.0 ms   max 3.0 ms``, each number formatted with ``number``."""
        return sep.join(
            f"{name} {value:{number}} ms" for name, value in zip(("median", "p95", "max"), self, strict=True)
        )

    def slashed(self, number: str = "6.1f") -> str:
        """``1.0 / 2.0 / 3.0`` (median / p95 / max), each number formatted with ``number``."""
        return " / ".join(f"{value:{number}}" for value in self)


def spread(times: Sequence[float]) -> Spread:
    """Median, 95th percentile (nearest rank) and maximum of measured times."""
    ordered = sorted(times)
    return Spread(
        statistics.median(ordered), ordered[min(len(ordered) - 1, round(len(ordered) * 0.95) - 1)], ordered[-1]
    )


@dataclass(frozen=True)
class Timings[Result]:
    """The time of each call in ms, and what each returned."""

    times: list[float]
    results: list[Result]

    def spread(self) -> Spread:
        return spread(self.times)


def clocked[Result](call: Callable[[], Result]) -> tuple[Result, float]:
    """Call once: what it returned and how long it took in ms."""
    started = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - started) * 1000


def time_each[Sample, Result](
    samples: Sequence[Sample], call: Callable[[Sample], Result], *, warm_up: int = 20
) -> Timings[Result]:
    """Call once per sample, timed, after an untimed warm-up round on the first ``warm_up`` samples."""
    for sample in samples[:warm_up]:
        call(sample)
    times, results = [], []
    for sample in samples:
        started = time.perf_counter()
        results.append(call(sample))
        times.append((time.perf_counter() - started) * 1000)
    return Timings(times, results)


def time_runs[Result](call: Callable[[], Result], *, runs: int, warm_up: int = 3) -> Timings[Result]:
    """Call ``runs`` times, timed, after ``warm_up`` untimed calls."""
    for _ in range(warm_up):
        call()
    return time_each(range(runs), lambda _run: call(), warm_up=0)


def timed[Sample](
    label: str, samples: Sequence[Sample], call: Callable[[Sample], int], *, counted: str = "rows"
) -> Spread | None:
    """Time ``call`` once per sample (after a warm-up round) and print a row of the result table: median, p95
    and max in ms, and the median and maximum of what ``call`` counted."""
    if not samples:
        print(f"{label:<52} no samples")
        return None
    measured = time_each(samples, call)
    result = measured.spread()
    sizes = measured.results
    print(f"{label:<52} {result.labelled()}   {counted}: median {statistics.median(sizes):.0f}, max {max(sizes)}")
    return result


def hit_rates[Query, Answer](
    queries: Sequence[Query], answers: Callable[[Query], Sequence[Answer]], expected: Callable[[Query], Answer]
) -> tuple[float, float]:
    """How good the answers are: the share of queries whose expected answer comes first, and the share whose
    expected answer is among those given (NaN without queries)."""
    if not queries:
        return math.nan, math.nan
    first = among = 0
    for query in queries:
        found = answers(query)
        wanted = expected(query)
        first += bool(found) and found[0] == wanted
        among += wanted in found
    return first / len(queries), among / len(queries)
