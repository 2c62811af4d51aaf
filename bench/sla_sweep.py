"""Benchmark of the service-level sweep (``incidents.servicelevels.sweep.sla_sweep``) at 1,000,000 incidents with
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

import harness
from incidents_similar import OPEN_STATES, ensure_loaded


def prepare(*, seed: int) -> int:
    """Give the open incidents the default service level and a next check in the coming ten hours."""
    from django.db import connection, transaction

    from incidents.models import ServiceLevel

    level = ServiceLevel.objects.get(is_default=True)
    with transaction.atomic(), connection.cursor() as cursor, harness.triggers_off(cursor, "incidents_incident"):
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
    harness.vacuum_analyze("incidents_incident")
    return prepared


def measure(*, runs: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from incidents.servicelevels import sweep

    sweeps = harness.time_runs(lambda: sweep.sla_sweep(now=timezone.now()), runs=runs, warm_up=1)
    assert not any(sweeps.results), "something was due: run the benchmark again to reset the next checks"  # noqa: S101
    print(f"sla_sweep with nothing due, {runs} runs: {sweeps.spread().labelled('.2f', ', ')}")
    with connection.cursor() as cursor:
        due = sweep.due_incidents(timezone.now()).only("pk").order_by("sla_next_check_at", "pk")[: sweep.SWEEP_BATCH]
        query, params = due.query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
        print("The sweep's query:\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))


def measure_due(*, due: int) -> None:
    """One sweep that works ``due`` incidents (whose every stage is due), in a transaction rolled back."""
    import datetime

    from django.utils import timezone

    from incidents.models import ClockEvent, Incident
    from incidents.servicelevels import sweep

    now = timezone.now()
    with harness.rolled_back():
        ids = list(Incident.objects.filter(state__in=OPEN_STATES).order_by("pk").values_list("pk", flat=True)[:due])
        # A clock that started a week ago: every target of these incidents is past its late threshold.
        started = now - datetime.timedelta(days=7)
        ClockEvent.objects.bulk_create(ClockEvent(incident_id=pk, at=started, kind="started") for pk in ids)
        Incident.objects.filter(pk__in=ids).update(sla_next_check_at=now - datetime.timedelta(minutes=1))
        looked_at, ms = harness.clocked(lambda: sweep.sla_sweep(now=now))
        print(f"sla_sweep with {due} incidents due: {ms:.0f} ms ({looked_at} looked at)")


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", runs=(50, "sweeps to time"), incidents=True)
    parser.add_argument("--due", type=int, default=0, help="also time one sweep with this many incidents due")
    args = parser.parse_args(argv)

    harness.setup("incidents")
    ensure_loaded(reload=args.reload, seed=args.seed, incidents=args.incidents)
    prepared, ms = harness.clocked(lambda: prepare(seed=args.seed))
    print(f"{prepared:,} open incidents given a next check in the coming ten hours ({ms / 1000:.1f} s)")
    measure(runs=args.runs)
    if args.due:
        measure_due(due=args.due)


if __name__ == "__main__":
    main()
