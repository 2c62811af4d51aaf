"""Benchmark of the managers' dashboard (``incidents.reporting.dashboard``) at 1,000,000 incidents.

Run it with ``uv run python bench/dashboard.py`` (``--help`` lists the options). It works in the benchmarks'
own database, ``servicedesk_bench`` (see ``bench/README.md``), and reuses the incidents of the similar-incident
benchmark (``bench/incidents_similar.py``: 1,000,000 incidents over three years, about 3% open, with what
happened to them after they were recorded: classification, escalation, acknowledgement, response and
resolution with the service level's verdicts, known errors, closure, root cause, satisfaction and the time to
log the call), loading them with COPY first when they are not there.

For each period of the picker it times (warm: after a few untimed rounds) ``dashboard(period)``, every figure of
the period in a fixed number of queries, and the page as the view renders it (a ``RequestFactory`` request
from a superuser, through the view function: the figures, the links, the SVG chart and the template). Then
the slowest statements of one ``dashboard(period)`` call are shown under ``EXPLAIN (ANALYZE, BUFFERS)``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

import harness
from incidents_similar import ensure_loaded

PERIODS = ("week", "last-month", "30-days")
TARGET_MS = 200


def render_page(period: str) -> Callable[[], object]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory, override_settings

    from incidents.views.dashboard import dashboard_page

    # An unsaved superuser: the permission check needs no database, so the page costs only its own queries.
    manager = get_user_model()(username="bench-manager", is_superuser=True, is_active=True)
    factory = RequestFactory()
    # The manifest of collected static files is built at deployment; the page's addresses need no manifest here.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    storages = {**settings.STORAGES, "staticfiles": plain}
    override_settings(STORAGES=storages).enable()

    def call() -> object:
        request = factory.get("/dashboard/", {"period": period})
        request.user = manager
        response = dashboard_page(request)
        assert response.status_code == 200, response.status_code  # noqa: S101
        return response

    return call


def explain_slowest(period_name: str, *, top: int) -> None:
    """Capture the statements of one ``dashboard`` call, then EXPLAIN ANALYZE the slowest ``top`` of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.reporting import dashboard

    period = dashboard.period_named(period_name)
    with CaptureQueriesContext(connection) as captured:
        dashboard.dashboard(period)
    statements = [query["sql"] for query in captured.captured_queries]
    measured = []
    with connection.cursor() as cursor:

        def run(sql: str) -> list[tuple]:
            cursor.execute(sql)
            return cursor.fetchall()

        for sql in statements:
            runs = harness.time_runs(lambda sql=sql: run(sql), runs=3, warm_up=0)
            measured.append((statistics.mean(runs.times), sql))
        measured.sort(reverse=True)
        total = sum(ms for ms, _ in measured)
        print(f"  {len(statements)} statements, {total:.1f} ms together (each the mean of 3 runs); the slowest:")
        for ms, sql in measured[:top]:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
            print(f"  {ms:6.1f} ms  {sql[:160]}{'...' if len(sql) > 160 else ''}")
            print("      " + "\n      ".join(plan))


def describe() -> None:
    size, open_count, resolved, closed, acknowledged, rated, version = harness.fetch_one(
        "SELECT pg_size_pretty(pg_total_relation_size('incidents_incident')), count(*) FILTER (WHERE"
        " state IN ('recorded', 'classified', 'investigating')), count(resolved_at), count(closed_at),"
        " count(acknowledged_at), count(satisfaction), version() FROM incidents_incident"
    )
    print(
        f"On disk: incidents {size} with their indexes; {open_count:,} open, {resolved:,} resolved"
        f" ({closed:,} of them closed), {acknowledged:,} acknowledged by a group, {rated:,} rated."
        f" {version.split(' on ')[0]}."
    )


# The statements a lifecycle step writes, each on one incident: what the day figures' triggers cost them.
WRITES = {
    "resolve (resolved_at, resolution_met set)": (
        "UPDATE incidents_incident SET resolved_at = now(), resolution_met = true, updated_at = now() WHERE id = %s"
    ),
    "reopen (resolved_at, acknowledged_at cleared)": (
        "UPDATE incidents_incident SET resolved_at = NULL, acknowledged_at = NULL, updated_at = now() WHERE id = %s"
    ),
    "an edit that moves no figure (the description)": (
        "UPDATE incidents_incident SET short_description = short_description || '.', updated_at = now() WHERE id = %s"
    ),
    "link a CI": "INSERT INTO incidents_incident_cis (incident_id, configurationitem_id) VALUES (%s, 1)",
}


def time_writes(*, samples: int) -> None:
    """Each statement of ``WRITES`` on ``samples`` random closed incidents, with the day figures' triggers on
    and off (the audit triggers stay on both times), after an untimed round that reads the same rows; every
    change is rolled back."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM incidents_incident WHERE state = 'closed' AND NOT EXISTS (SELECT FROM"
            " incidents_incident_cis AS link WHERE link.incident_id = incidents_incident.id"
            " AND link.configurationitem_id = 1) ORDER BY random() LIMIT %s",
            [samples],
        )
        ids = [row[0] for row in cursor.fetchall()]
    triggers = [
        ("incidents_incident", "incidents_incident_figures_insert"),
        ("incidents_incident", "incidents_incident_figures_update"),
        ("incidents_incident_cis", "incidents_incident_cis_figures_insert"),
    ]
    print(f"One statement on one incident, {samples} incidents: median / p95 ms, day figures on / off")
    for label, sql in WRITES.items():
        measured = []
        for enabled in (None, True, False):
            with harness.rolled_back(), connection.cursor() as cursor:
                if enabled is False:
                    for table, trigger in triggers:
                        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
                writes = harness.time_each(ids, lambda incident, sql=sql: cursor.execute(sql, [incident]), warm_up=0)
            if enabled is None:
                continue
            median, p95, _most = writes.spread()
            measured.append(f"{median:5.2f} / {p95:5.2f}")
        print(f"  {label:<48} {measured[0]}  |  {measured[1]}")


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", runs=(30, "timed runs per period"), incidents=True)
    parser.add_argument("--explain", type=int, default=4, help="slowest statements to EXPLAIN per period (default 4)")
    parser.add_argument("--writes", type=int, default=200, help="incidents for the cost of writes (default 200)")
    args = parser.parse_args(argv)

    harness.setup(None)  # every app: incidents rests on all, and its loaders write their columns
    ensure_loaded(reload=args.reload, seed=args.seed, incidents=args.incidents)
    harness.vacuum_analyze("incidents_incident")
    describe()

    from incidents.reporting import dashboard

    print(f"{args.runs} warm runs per period: median / p95 / max (target: under {TARGET_MS} ms)")
    for name in PERIODS:
        period = dashboard.period_named(name)
        figures = harness.time_runs(lambda period=period: dashboard.dashboard(period), runs=args.runs).spread()
        page = harness.time_runs(render_page(name), runs=args.runs).spread()
        days = (period.end - period.start).total_seconds() / 86400
        print(f"{name:<11} ({days:4.1f} days)  dashboard() {figures.slashed()} ms   page {page.slashed()} ms")
    if args.writes:
        time_writes(samples=args.writes)
    if args.explain:
        for name in PERIODS:
            print(f"EXPLAIN ANALYZE, {name}:")
            explain_slowest(name, top=args.explain)


if __name__ == "__main__":
    main()
