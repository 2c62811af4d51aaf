"""Benchmark of recording calls (``incidents.recording.calls.incident_record``) one after another, at 1,000,000
incidents.

Run it with ``uv run python bench/recording.py`` (``--help`` lists the options). It works in the benchmarks' own
database, ``servicedesk_bench`` (see ``bench/README.md``), on the incidents of the similar-incident benchmark
(``bench/incidents_similar.py``), loading them with COPY first when they are not there.

Each call is one ``incident_record`` in a transaction of its own, committed, as the call-logging page and the API
make it: service level and due times, the clock's first event, the caller's mail in the outbox, the journal entry,
the history and day figures' triggers. The calls are copies of random loaded incidents (their caller, service,
CIs, words, impact and urgency), recorded as new. ``--page`` also posts them through the call-logging page with
Django's test client (every middleware, the session, the form's validation), as an operator does. The script
prints calls per second, the median / p95 / max of one call and the SQL statements of one, which ``--statements``
lists. Afterwards the recorded incidents, and all that was written about them, are deleted again (with the tables'
triggers off), so that the data set stays the one the other benchmarks load.
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import harness
from incidents_similar import ensure_loaded

GOAL = 150  # calls per second, one after another (issue 21)
# The figures' tables the triggers append to: their rows of the run are deleted with the incidents.
FIGURES = (
    "incidents_dayfigures",
    "incidents_servicedayfigures",
    "incidents_cidayfigures",
    "incidents_categorydayfigures",
)


def operator() -> Any:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username="bench-operator", defaults={"first_name": "Bench"})
    user.groups.add(Group.objects.get(name="Service desk"))
    return user


def calls_to_record(samples: int, *, seed: int) -> list[dict[str, Any]]:
    """``samples`` calls, each a copy of a random loaded incident of an active caller, as the service takes it."""
    from cmdb.models import ConfigurationItem
    from incidents.models import Incident

    last = harness.fetch_one("SELECT max(id) FROM incidents_incident")[0]
    ids = harness.generator(seed).sample(range(1, last + 1), min(samples * 2, last))
    templates = (
        Incident.objects.filter(pk__in=ids, caller__active=True, parent=None)
        .select_related("caller", "service")
        .only("caller", "service", "short_description", "symptoms", "impact", "urgency", "channel")
    )
    cis: dict[int, list[ConfigurationItem]] = {}
    for link in Incident.cis.through.objects.filter(incident_id__in=ids).select_related("configurationitem"):
        cis.setdefault(link.incident_id, []).append(link.configurationitem)
    return [
        {
            "caller": incident.caller,
            "service": incident.service,
            "cis": cis.get(incident.pk, []),
            "short_description": incident.short_description,
            "symptoms": incident.symptoms,
            "impact": incident.impact,
            "urgency": incident.urgency,
            "channel": incident.channel,
        }
        for incident in templates[:samples]
    ]


def record(by: Any) -> Callable[[dict[str, Any]], int]:
    """One call recorded through the service, in a transaction of its own."""
    from django.utils import timezone

    from incidents.recording import calls

    def call(fields: dict[str, Any]) -> int:
        occurred = timezone.now() - datetime.timedelta(minutes=20)
        return calls.incident_record(by=by, occurred_at=occurred, **fields).pk

    return call


def post(by: Any) -> Callable[[dict[str, Any]], int]:
    """One call recorded by posting the call-logging page, signed in as ``by``; checked to redirect."""
    from django.conf import settings
    from django.test import Client, override_settings
    from django.urls import reverse

    override_settings(
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()
    client = Client()
    client.force_login(by)
    url = reverse("incidents:record")

    def call(fields: dict[str, Any]) -> int:
        service = fields["service"]
        response = client.post(
            url,
            {
                "caller": fields["caller"].full_name,
                "caller_id": fields["caller"].pk,
                "short_description": fields["short_description"],
                "symptoms": fields["symptoms"],
                "channel": fields["channel"],
                "occurred_at": "-20m",
                "service": service.pk if service else "",
                "cis": "\n".join(ci.name for ci in fields["cis"]),
                "affected_users": 1,
                "impact": fields["impact"],
                "urgency": fields["urgency"],
            },
        )
        assert response.status_code == 302, (response.status_code, response.content[:2000])  # noqa: S101
        return 1

    return call


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements run inside, in order."""
    from django.db import connection

    run: list[str] = []

    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        run.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield run


def measure(label: str, calls: list[dict[str, Any]], call: Callable[[dict[str, Any]], int], *, warm_up: int) -> None:
    """Record ``calls`` one after another (after ``warm_up`` untimed) and print a row: calls per second, the spread
    of one call, and the statements of one (the median over the calls)."""
    for fields in calls[:warm_up]:
        call(fields)
    statements: list[int] = []
    times: list[float] = []
    started = time.perf_counter()
    for fields in calls[warm_up:]:
        with counting() as run:
            _result, ms = harness.clocked(lambda fields=fields: call(fields))
        times.append(ms)
        statements.append(len(run))
    elapsed = time.perf_counter() - started
    rate = len(times) / elapsed
    verdict = "ok" if rate >= GOAL else "UNDER"
    sql = statistics.median(statements)
    spread = harness.spread(times).labelled("6.2f")
    print(f"{label:<34} {rate:6.1f} calls/s   {spread}   SQL {sql:.0f} (+ COMMIT)   goal {GOAL}/s: {verdict}")


def show_statements(call: Callable[[dict[str, Any]], int], fields: dict[str, Any]) -> None:
    with counting() as run:
        call(fields)
    for number, sql in enumerate(run, 1):
        print(f"  {number:>2}. {sql[:150]}{'...' if len(sql) > 150 else ''}")


def remove_recorded(before: dict[str, int]) -> None:
    """Delete the incidents recorded by the run and every row written about them, with the triggers off (the
    history is append-only; the figures' rows of the run go with them)."""
    from django.db import connection, transaction

    first = before["incidents_incident"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, attname FROM pg_constraint JOIN pg_attribute ON attrelid = conrelid"
            " AND attnum = conkey[1] WHERE confrelid = 'incidents_incident'::regclass AND contype = 'f'"
            " AND conrelid <> 'incidents_incident'::regclass"
        )
        referring = cursor.fetchall()
        tables = [table for table, _column in referring]
        with harness.triggers_off(cursor, "incidents_incident", *dict.fromkeys(tables)):
            for table, column in referring:
                cursor.execute(f"DELETE FROM {table} WHERE {column} > %s", [first])  # noqa: S608
            cursor.execute("DELETE FROM incidents_incident WHERE id > %s", [first])
            for table in FIGURES:
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [before[table]])  # noqa: S608


def high_water() -> dict[str, int]:
    return {
        table: harness.fetch_one(f"SELECT coalesce(max(id), 0) FROM {table}")[0]  # noqa: S608
        for table in ("incidents_incident", *FIGURES)
    }


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", samples=(1000, "calls recorded"), incidents=True)
    parser.add_argument("--page", action="store_true", help="also post the calls through the call-logging page")
    parser.add_argument("--statements", action="store_true", help="list the SQL statements of one call")
    args = parser.parse_args(argv)

    harness.setup("incidents")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the page's sessions and the operator's role
    ensure_loaded(reload=args.reload, seed=args.seed, incidents=args.incidents)
    by = operator()
    calls = calls_to_record(args.samples, seed=args.seed)
    warm_up = min(20, len(calls) // 10)
    before = high_water()
    print(f"{harness.server_version()}")
    print(f"{len(calls) - warm_up} calls recorded one after another (after {warm_up} untimed), each committed")
    try:
        measure("incident_record (the service)", calls, record(by), warm_up=warm_up)
        if args.page:
            measure("POST /incidents/new/ (the page)", calls, post(by), warm_up=warm_up)
        if args.statements:
            print("The statements of one incident_record:")
            show_statements(record(by), calls[0])
            if args.page:
                print("The statements of one POST /incidents/new/:")
                show_statements(post(by), calls[0])
    finally:
        remove_recorded(before)


if __name__ == "__main__":
    main()
