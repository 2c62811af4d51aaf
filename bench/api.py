"""Benchmark of the REST API's incident reads (``/api/v1/incidents/``) at 1,000,000 incidents.

Run it with ``uv run python bench/api.py`` (``--help`` lists the options). It works in the benchmarks' own
database, ``servicedesk_bench`` (see ``bench/README.md``), on the incidents of the similar-incident benchmark
(``bench/incidents_similar.py``: a million over three years, about 3% open), loading them with COPY first when they
are not there.

Each call goes in-process through the whole of Django as a client's would (Django's test ``Client``: every
middleware, the personal token looked up, the rate limit counted, the JSON rendered), from a superuser's token:
the list's first page (the open incidents), its first page of every state, a filtered page, a page deep in the
table by a cursor, and one incident whole for random incidents, as loaded (no journal) and with a journal of 20
entries written for the run (rolled back). Each case prints its SQL statements, which do not depend on the data's
size; ``--explain`` shows them under ``EXPLAIN ANALYZE``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import harness
from incidents_similar import ensure_loaded

LIST = "/api/v1/incidents/"
GOALS = {"list": 50, "detail": 30}  # ms, at the median (issue 17)
JOURNAL = 20  # entries of the "with a journal" detail case


def api_client() -> Any:
    """Django's test client with a superuser's personal token, as an integration would call."""
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    from servicedesk.api.tokens import token_create
    from servicedesk.models import ApiToken

    override_settings(ALLOWED_HOSTS=["testserver"]).enable()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-api", defaults={"is_superuser": True, "is_staff": True, "first_name": "Bench"}
    )
    ApiToken.objects.filter(user=user).delete()
    secret = token_create(user=user, name="Benchmark", days=1, writes=False)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def get(client: Any, path: str, query: dict[str, Any] | None = None) -> Callable[[], int]:
    """A GET of ``path``, checked to answer 200: the number of incidents it returned."""

    def call() -> int:
        response = client.get(path, query or {})
        assert response.status_code == 200, (response.status_code, response.content[:300])  # noqa: S101
        body = response.json()
        return len(body["results"]) if "results" in body else 1

    return call


def deep_cursor(rank: int) -> str:
    """The cursor of the page that starts ``rank`` incidents down the list of every state, as ``next`` gives it."""
    from rest_framework.pagination import Cursor

    from incidents.api.incidents import IncidentPages

    reported_at = harness.fetch_one(
        "SELECT reported_at FROM incidents_incident ORDER BY reported_at DESC, id DESC OFFSET %s LIMIT 1", [rank]
    )[0]
    pages = IncidentPages()
    pages.base_url = LIST
    url = pages.encode_cursor(Cursor(offset=0, reverse=False, position=str(reported_at)))
    return url.split("cursor=", 1)[1]


def list_cases(incidents: int) -> dict[str, dict[str, Any]]:
    from urllib.parse import unquote

    busiest = harness.fetch_one(
        "SELECT service_id FROM incidents_incident WHERE service_id IS NOT NULL"
        " GROUP BY service_id ORDER BY count(*) DESC LIMIT 1"
    )[0]
    return {
        "list: first page (the open incidents)": {},
        "list: first page of every state": {"state": "all"},
        "list: priority 1 and 2, open": {"priority": ["1", "2"]},
        "list: the busiest service, every state": {"state": "all", "service": busiest},
        f"list: a page {incidents // 2:,} down, every state": {
            "state": "all",
            "cursor": unquote(deep_cursor(incidents // 2)),
        },
    }


def with_journals(numbers: list[str]) -> None:
    """``JOURNAL`` entries on each incident, as a worked incident has: the steps with their changes, notes, mail."""
    from django.contrib.auth import get_user_model

    from incidents.choices import ActivityKind, Visibility
    from incidents.models import Activity, Incident

    author = get_user_model().objects.get(username="bench-api")
    kinds = [
        (ActivityKind.RECORDED, {}),
        (ActivityKind.STATE_CHANGED, {"state": ["recorded", "classified"], "priority": [4, 3]}),
        (ActivityKind.ESCALATED, {"state": ["classified", "investigating"]}),
        (ActivityKind.NOTE, {}),
        (ActivityKind.CUSTOMER_UPDATE, {"recipients": ["caller@example.org"]}),
    ]
    Activity.objects.bulk_create(
        Activity(
            incident_id=incident_id,
            kind=kind,
            visibility=Visibility.CUSTOMER if kind == ActivityKind.CUSTOMER_UPDATE else Visibility.INTERNAL,
            author=author,
            text="Checked the RADIUS logs; the certificate expired at midnight." * 2,
            data=data,
            minutes_spent=15,
        )
        for incident_id in Incident.objects.filter(number__in=numbers).values_list("pk", flat=True)
        for kind, data in (kinds[n % len(kinds)] for n in range(JOURNAL))
    )


def sample_numbers(samples: int, *, seed: int) -> list[str]:
    """Random incidents of any state and age, the same for a seed."""
    from incidents.models import Incident

    last = harness.fetch_one("SELECT max(id) FROM incidents_incident")[0]
    ids = harness.generator(seed).sample(range(1, last + 1), min(samples, last))
    found = dict(Incident.objects.filter(pk__in=ids).values_list("pk", "number"))
    return [found[pk] for pk in ids if pk in found]


def sql_count(call: Callable[[], object]) -> int:
    """The statements of one call; the fewer of two, since the token notes its last use once a minute."""
    return min(len(harness.captured_statements(call)) for _ in range(2))


def report(label: str, measured: harness.Timings, sql: int, goal: int) -> None:
    spread = measured.spread()
    verdict = "ok" if spread.median <= goal else "OVER"
    print(f"{label:<52} {spread.labelled()}   SQL {sql:>2}   goal {goal} ms: {verdict}")


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(
        __doc__, data="the incidents", runs=(50, "timed runs per list case"), samples=(200, "incidents read whole"),
        incidents=True,
    )  # fmt: skip
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each case's statements")
    args = parser.parse_args(argv)
    # The token's budget of calls protects a desk; the benchmark makes thousands a minute. It is still counted.
    os.environ["API_RATE"] = "1000000/s"

    harness.setup(None)  # every app: incidents rests on all, and its loaders write their columns
    from django.core.management import call_command

    call_command("migrate", "servicedesk", verbosity=0)  # the API's tokens
    ensure_loaded(reload=args.reload, seed=args.seed, incidents=args.incidents)
    client = api_client()
    numbers = sample_numbers(args.samples, seed=args.seed)

    print(f"{harness.server_version()}")
    print(f"{args.runs} warm runs per list case, {args.samples} incidents read whole: median / p95 / max")
    calls: dict[str, Callable[[], int]] = {}
    for label, query in list_cases(args.incidents).items():
        calls[label] = call = get(client, LIST, query)
        report(label, harness.time_runs(call, runs=args.runs), sql_count(call), GOALS["list"])

    def detail(number: str) -> int:
        return get(client, f"{LIST}{number}/")()

    label = "detail: one incident whole (as loaded, no journal)"
    calls[label] = lambda: detail(numbers[0])
    report(label, harness.time_each(numbers, detail), sql_count(calls[label]), GOALS["detail"])
    with harness.rolled_back():
        with_journals(numbers)
        label = f"detail: one incident whole, a journal of {JOURNAL} entries"
        report(label, harness.time_each(numbers, detail), sql_count(lambda: detail(numbers[0])), GOALS["detail"])
        if args.explain:
            print(f"EXPLAIN ANALYZE, {label}:")
            harness.explain(lambda: detail(numbers[0]))
    if args.explain:
        for label, call in calls.items():
            print(f"EXPLAIN ANALYZE, {label}:")
            harness.explain(call)


if __name__ == "__main__":
    main()
