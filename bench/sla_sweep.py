"""Benchmark of the service-level sweep (``incidents.servicelevels.clock.sla_sweep``) at 1,000,000 incidents with
nothing due.

Run it with ``uv run python bench/sla_sweep.py`` (``--help`` lists the options). It works in the benchmarks'
own database, ``servicedesk_bench`` (see ``bench/README.md``), and reuses the incidents of the similar-incident
benchmark (``bench/incidents_similar.py``: 1,000,000 incidents over three years, about 3% open), loading them
with COPY first when they are not there.

The open incidents get the default service level and a next check spread over the coming ten hours, as the
clock would leave them; the resolved and closed ones have none (the clock stopped). Then the sweep runs as
beat runs it every minute, with nothing due, and is timed; ``EXPLAIN ANALYZE`` shows the query it reads through
(the partial index ``incidents_sla_due``). ``--due N`` also makes N open incidents due and times one sweep that
works them (outbox rows, notifications and journal entries are written and rolled back).
"""

from __future__ import annotations

import argparse
import time

from cmdb_impact import bench_database_url, setup_django, spread
from incidents_similar import ensure_loaded

OPEN_STATES = ("recorded", "classified", "investigating")


def prepare(*, seed: int) -> int:
    """Give the open incidents the default service level and a next check in the coming ten hours."""
    from django.db import connection, transaction

    from incidents.models import ServiceLevel

    level = ServiceLevel.objects.get(is_default=True)
    with transaction.atomic(), connection.cursor() as cursor:
        # Generated data, no one's change: the audit triggers stay off for this transaction.
        cursor.execute("ALTER TABLE incidents_incident DISABLE TRIGGER USER")
        cursor.execute("SELECT setseed(%s)", [seed / 1000])
        cursor.execute(
            "UPDATE incidents_incident SET service_level_id = %s,"
            " sla_next_check_at = now() + random() * interval '10 hours' + interval '1 minute',"
            " response_warning_stage = 0, resolution_warning_stage = 0"
            " WHERE state = ANY(%s)",
            [level.pk, list(OPEN_STATES)],
        )
        prepared = cursor.rowcount
        cursor.execute(
            "UPDATE incidents_incident SET sla_next_check_at = NULL"
            " WHERE NOT (state = ANY(%s)) AND sla_next_check_at IS NOT NULL",
            [list(OPEN_STATES)],
        )
        # The foreign key to the service level is checked at commit; the trigger cannot wait for that.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE incidents_incident ENABLE TRIGGER USER")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE incidents_incident")
    return prepared


def measure(*, runs: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from incidents.servicelevels import clock

    clock.sla_sweep()  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        looked_at = clock.sla_sweep(now=timezone.now())
        timings.append((time.perf_counter() - started) * 1000)
        assert looked_at == 0, "something was due: run the benchmark again to reset the next checks"  # noqa: S101
    median, p95, most = spread(timings)
    print(f"sla_sweep with nothing due, {runs} runs: median {median:.2f} ms, p95 {p95:.2f} ms, max {most:.2f} ms")
    with connection.cursor() as cursor:
        due = clock.due_incidents(timezone.now()).only("pk").order_by("sla_next_check_at", "pk")[: clock.SWEEP_BATCH]
        query, params = due.query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
        print("The sweep's query:\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))


def measure_due(*, due: int) -> None:
    """One sweep that works ``due`` incidents (whose every stage is due), in a transaction rolled back."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from incidents.models import ClockEvent, Incident
    from incidents.servicelevels import clock

    class Rollback(Exception):
        pass

    now = timezone.now()
    try:
        with transaction.atomic():
            ids = list(Incident.objects.filter(state__in=OPEN_STATES).order_by("pk").values_list("pk", flat=True)[:due])
            # A clock that started a week ago: every target of these incidents is past its late threshold.
            started = now - datetime.timedelta(days=7)
            ClockEvent.objects.bulk_create(ClockEvent(incident_id=pk, at=started, kind="started") for pk in ids)
            Incident.objects.filter(pk__in=ids).update(sla_next_check_at=now - datetime.timedelta(minutes=1))
            began = time.perf_counter()
            looked_at = clock.sla_sweep(now=now)
            elapsed = time.perf_counter() - began
            print(f"sla_sweep with {due} incidents due: {elapsed * 1000:.0f} ms ({looked_at} looked at)")
            raise Rollback
    except Rollback:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="load the incidents again even if they are there")
    parser.add_argument("--runs", type=int, default=50, help="sweeps to time (default 50)")
    parser.add_argument("--due", type=int, default=0, help="also time one sweep with this many incidents due")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generator (default 42)")
    args = parser.parse_args(argv)

    setup_django(bench_database_url(), "incidents")
    ensure_loaded(reload=args.reload, seed=args.seed)
    started = time.perf_counter()
    prepared = prepare(seed=args.seed)
    elapsed = time.perf_counter() - started
    print(f"{prepared:,} open incidents given a next check in the coming ten hours ({elapsed:.1f} s)")
    measure(runs=args.runs)
    if args.due:
        measure_due(due=args.due)


if __name__ == "__main__":
    main()
