"""Benchmark of the incident list (``/incidents/``: ``incidents.filters.IncidentFilter``) at 1,000,000 incidents.

Run it with ``uv run python bench/incident_list.py`` (``--help`` lists the options). It works in the benchmarks'
own database, ``servicedesk_bench`` (see ``bench/README.md``), on the incidents of the similar-incident benchmark
(``bench/incidents_similar.py``: a million over three years, about 3% open), loading them with COPY first when
they are not there.

It times the list's statements as the page runs them (the count for the pager and the first page of 25, with
their relations) for what the desk does with it: open it (the open incidents), page on, show every state, look
an incident up by its number however it is typed, and search words with and without a typo, among the open
incidents and in every state. Then each case's count and page statements are shown under ``EXPLAIN ANALYZE``
with ``--explain``. The page as the view renders it (a ``RequestFactory`` request from a superuser) is timed
too: the statements, the storm banner and the template.
"""

from __future__ import annotations

from collections.abc import Callable

import harness
from incidents_similar import ensure_loaded

PAGE = 25


def cases(number: str) -> dict[str, dict[str, str]]:
    digits = str(int(number.removeprefix("INC")))
    return {
        "opens: the open incidents": {},
        "page 40 of the open incidents": {"page": "40"},
        "all states": {"state": "all"},
        f"number as typed: {digits}": {"q": digits},
        f"number as typed: inc{digits}": {"q": f"inc{digits}"},
        "words: printer paper jam": {"q": "printer paper jam"},
        "a typo: pritner paper jam": {"q": "pritner paper jam"},
        "two typos: outlok pasword": {"q": "outlok pasword"},
        "all states, a common word: password": {"q": "password", "state": "all"},
        "all states, a typo: conection": {"q": "conection", "state": "all"},
    }


def statements(query: dict[str, str]) -> Callable[[], int]:
    """What the list runs for ``query``, page statements only (count, page, its CIs): rows counted."""
    from django.core.paginator import Paginator
    from django.http import QueryDict

    from incidents import selectors
    from incidents.filters import IncidentFilter

    data = QueryDict(mutable=True)
    data.update(query)

    def call() -> int:
        filterset = IncidentFilter(data, queryset=selectors.incident_list())
        page = Paginator(filterset.qs, PAGE).get_page(query.get("page"))
        list(page.object_list)
        return page.paginator.count

    return call


def render_page(query: dict[str, str]) -> Callable[[], object]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory, override_settings

    from incidents.views.pages import IncidentListView

    # An unsaved superuser: the permission check needs no database, so the page costs only its own queries.
    operator = get_user_model()(username="bench-operator", is_superuser=True, is_active=True)
    factory = RequestFactory()
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    view = IncidentListView.as_view()

    def call() -> object:
        request = factory.get("/incidents/", query)
        request.user = operator
        response = view(request)
        response.render()
        assert response.status_code == 200, response.status_code  # noqa: S101
        return response

    return call


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", runs=(30, "timed runs per case"), incidents=True)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each case's statements")
    args = parser.parse_args(argv)

    harness.setup(None)  # every app: incidents rests on all, and its loaders write their columns
    ensure_loaded(reload=args.reload, seed=args.seed, incidents=args.incidents)
    # An incident in the middle of the table, closed: a number is found in any state.
    number = harness.fetch_one(
        "SELECT number FROM incidents_incident WHERE state = 'closed' ORDER BY id OFFSET %s LIMIT 1",
        [args.incidents // 2],
    )[0]
    print(f"{args.runs} warm runs per case: median / p95 / max in ms, statements and page; rows found")
    for label, query in cases(number).items():
        measured = harness.time_runs(statements(query), runs=args.runs)
        page = harness.time_runs(render_page(query), runs=args.runs).spread()
        print(f"{label:<40} {measured.spread().slashed()}   page {page.slashed()}   {measured.results[0]:>9,}")
    if args.explain:
        for label, query in cases(number).items():
            print(f"EXPLAIN ANALYZE, {label}:")
            harness.explain(statements(query))


if __name__ == "__main__":
    main()
