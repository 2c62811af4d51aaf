"""Benchmark of the main pages over HTTP: gunicorn on 100,000 (or 1,000,000) incidents, one request alone and 8 at once.

Run it with ``uv run python bench/http_pages.py`` (``--help`` lists the options; ``--incidents 1000000`` for the
million). It works in the benchmarks' own database (see ``bench/README.md``), on the incidents of the
similar-incident benchmark (``bench/incidents_similar.py``: three years of calls on the CMDB benchmark's 1,000
services), loaded with COPY when they are not there, and then given the shape of a busy desk: 2 to 4 journal
entries per incident (3 on average) and the most recent resolved incidents open again until 11% are open.

It starts gunicorn as ``serve`` and the image run it (2 sync workers, ``DEBUG`` off, static files through
WhiteNoise, ``/metrics`` on with a token of the run's own), signs in one user per role through the sign-in form,
and times each page over HTTP: alone (the median and 95th percentile of ``--runs`` requests after a warm-up),
then under load (``--clients`` threads requesting it for ``--seconds``: requests per second and the 95th
percentile). Recording is timed as sequential POSTs of the logging form (calls per second). The SQL statements
of each page are the portal's own count, the ``servicedesk_http_request_queries`` histogram of ``/metrics``
read before and after. gunicorn is stopped at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import harness

INCIDENTS = 100_000
OPEN_SHARE = 0.11  # of incidents open, as on the desk the issue 21 figures were taken on
HOST = "127.0.0.1"
SEARCH = "VPN connection"
QUERIES_METRIC = "servicedesk_http_request_queries"


# --- The pure parts: counting, the statements, the table ---------------------------------------------------


@dataclass
class LoadCounts:
    """What one client of the load saw: the time of each answered request in ms, and the failures."""

    times: list[float] = field(default_factory=list)
    failures: int = 0


@dataclass(frozen=True)
class LoadResult:
    requests: int
    failures: int
    per_second: float
    p95: float


def load_result(clients: Sequence[LoadCounts], seconds: float) -> LoadResult:
    """The clients' counts together: answered requests per second of the run, and their 95th percentile."""
    times = [ms for client in clients for ms in client.times]
    failures = sum(client.failures for client in clients)
    p95 = harness.spread(times).p95 if times else float("nan")
    return LoadResult(len(times), failures, len(times) / seconds if seconds > 0 else 0.0, p95)


_SAMPLE = re.compile(r"^(?P<name>[a-z_]+)\{(?P<labels>[^}]*)\} (?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def query_totals(exposition: str) -> dict[tuple[str, str], tuple[float, float]]:
    """From ``/metrics``: for each (view, method), the requests counted and the statements they ran together."""
    counts: dict[tuple[str, str], float] = {}
    sums: dict[tuple[str, str], float] = {}
    for line in exposition.splitlines():
        match = _SAMPLE.match(line)
        if not match or match["name"] not in (f"{QUERIES_METRIC}_count", f"{QUERIES_METRIC}_sum"):
            continue
        labels = dict(_LABEL.findall(match["labels"]))
        key = (labels.get("view", ""), labels.get("method", ""))
        (counts if match["name"].endswith("_count") else sums)[key] = float(match["value"])
    return {key: (counts[key], sums.get(key, 0.0)) for key in counts}


def statements_per_request(
    before: dict[tuple[str, str], tuple[float, float]], after: dict[tuple[str, str], tuple[float, float]]
) -> tuple[str, float] | None:
    """The view that answered most of the requests between two readings, and its statements per request."""
    deltas = []
    for key, (count, total) in after.items():
        old_count, old_total = before.get(key, (0.0, 0.0))
        if count > old_count:
            deltas.append((count - old_count, total - old_total, key[0]))
    if not deltas:
        return None
    requests, statements, view = max(deltas)
    return view, statements / requests


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, its columns padded to line up in a terminal too; every column but the first right-aligned."""
    widths = [max(len(str(row[column])) for row in (header, *rows)) for column in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            str(cell).ljust(width) if column == 0 else str(cell).rjust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 1) + (":" if column else "-") for column, width in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def number(value: float | None, digits: int = 0) -> str:
    """A figure for the table, ``-`` when there is none (or NaN: nothing measured)."""
    if value is None or math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


# --- The client ---------------------------------------------------------------------------------------------


class Client:
    """One HTTP connection of one signed-in user (a session cookie, or a bearer token for the API).

    gunicorn's sync workers close the connection after each answer; ``http.client`` opens it again, as a browser
    would. The body is read whole, so that the time is that of the whole page.
    """

    def __init__(self, port: int, *, cookies: dict[str, str] | None = None, token: str = "") -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.token = token
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = urlencode(body)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{HOST}:{self.port}/"}
        try:
            self.connection.request(method, path, data, headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()  # a connection the server closed between two requests: once more on a new one
            self.connection.request(method, path, data, headers)
            response = self.connection.getresponse()
        text = response.read().decode(errors="replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())

    def get(self, path: str) -> tuple[int, str]:
        status, text, _headers = self.request("GET", path)
        return status, text

    def copy(self) -> Client:
        return Client(self.port, cookies=self.cookies, token=self.token)


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("No CSRF token on the page.")
    return match[1]


def sign_in(port: int, username: str, password: str) -> Client:
    """A client signed in through the sign-in form, as a browser is."""
    client = Client(port)
    status, page = client.get("/accounts/login/")
    assert status == 200, status  # noqa: S101
    form = {"username": username, "password": password, "csrfmiddlewaretoken": csrf_token(page)}
    status, _text, _headers = client.request("POST", "/accounts/login/", form)
    if status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"Signing in as {username} failed ({status}).")
    return client


def time_alone(client: Client, paths: Sequence[str], *, runs: int, warm_up: int) -> harness.Spread:
    """One request at a time, ``runs`` of them after ``warm_up`` untimed, cycling through ``paths``."""

    def call(run: int) -> None:
        status, _text = client.get(paths[run % len(paths)])
        if status != 200:
            raise RuntimeError(f"{paths[run % len(paths)]} answered {status}.")

    for run in range(warm_up):
        call(run)
    return harness.time_each(range(runs), call, warm_up=0).spread()


def under_load(client: Client, paths: Sequence[str], *, clients: int, seconds: float) -> LoadResult:
    """``clients`` threads, each on its own connection, requesting the pages one after the other for ``seconds``."""
    counts = [LoadCounts() for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def run(mine: LoadCounts, offset: int) -> None:
        own = client.copy()
        start.wait()
        n = offset
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            try:
                status, _text = own.get(paths[n % len(paths)])
            except (http.client.HTTPException, OSError):
                status = 0
            if status == 200:
                mine.times.append((time.perf_counter() - began) * 1000)
            else:
                mine.failures += 1
            n += 1

    threads = [threading.Thread(target=run, args=(mine, n * 7), daemon=True) for n, mine in enumerate(counts)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    return load_result(counts, time.perf_counter() - started)


# --- gunicorn on the benchmark database ------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(*, port: int, workers: int, metrics_token: str) -> Iterator[None]:
    """gunicorn as ``serve`` runs it, on the benchmark database, in a session of its own; stopped (and its whole
    session killed) on the way out, whatever happened."""
    from servicedesk.metrics.exposition import MULTIPROC_VARIABLE, prepare_multiprocess_dir

    metrics_dir = Path(tempfile.mkdtemp(prefix="http-pages-metrics-"))
    prepare_multiprocess_dir(metrics_dir)
    env = {
        **os.environ,
        "DEBUG": "false",
        "METRICS_TOKEN": metrics_token,
        MULTIPROC_VARIABLE: str(metrics_dir),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"http://{HOST}:{port}",
        "LOG_LEVEL": "WARNING",
        # The token's budget of calls protects a desk; the benchmark makes thousands a minute.
        "API_RATE": "1000000/s",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "gunicorn", "servicedesk.wsgi:application", "--bind", f"{HOST}:{port}",
        "--workers", str(workers), "--log-level", "warning", "--no-control-socket",
        "--logger-class", "servicedesk.gunicorn_logs.Logger", "--config", "python:servicedesk.gunicorn_config",
    ]  # fmt: skip
    log = (metrics_dir / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        command, cwd=harness.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    # SIGTERM (a CI's timeout) must still reach the finally below.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        wait_until_ready(port, server, metrics_dir / "gunicorn.log")
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        log.close()
        signal.signal(signal.SIGTERM, previous)
        for leftover in metrics_dir.iterdir():
            leftover.unlink()
        metrics_dir.rmdir()


def wait_until_ready(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if Client(port).get("/health/live")[0] == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /health/live within 60 s.")


def read_queries(port: int, metrics_token: str) -> dict[tuple[str, str], tuple[float, float]]:
    status, text = Client(port, token=metrics_token).get("/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}.")
    return query_totals(text)


# --- The data and the users -------------------------------------------------------------------------------


def ensure_shaped(*, reload: bool, seed: int, incidents: int) -> None:
    """The similar-incident benchmark's incidents (``incidents`` of them, not counting those recorded by earlier
    runs of this one), with journals and 11% open."""
    from incidents_similar import load

    harness.ensure_data(
        f"{incidents:,} incidents",
        loaded=lambda: generated(incidents),
        load=lambda: load(seed=seed, incidents=incidents),
        reload=reload,
        data="the incidents",
    )
    from incidents.models import Activity

    if not Activity.objects.filter(incident_id=1).exists():
        print("Writing the journals and opening incidents again up to 11% open...")
        shape(incidents)


def generated(incidents: int) -> bool:
    from incidents.models import Incident

    return (
        Incident.objects.filter(desk_owner__username="bench-desk").count() == incidents
        and Incident.objects.filter(state="closed", closed_at__isnull=False).exists()
    )


def shape(incidents: int) -> None:
    """2 to 4 journal entries per incident, and the most recent resolved or closed incidents open again (in the
    states the generator gives open incidents) until ``OPEN_SHARE`` of them are open; the day figures rebuilt."""
    from django.db import connection, transaction

    clock = harness.Stopwatch()
    open_states = "('recorded', 'classified', 'investigating')"
    with transaction.atomic(), connection.cursor() as cursor:
        with harness.triggers_off(cursor, "incidents_incident", "incidents_activity"):
            cursor.execute(f"SELECT count(*) FROM incidents_incident WHERE state IN {open_states}")  # noqa: S608
            reopen = max(0, round(incidents * OPEN_SHARE) - cursor.fetchone()[0])
            cursor.execute(
                "UPDATE incidents_incident SET state = (ARRAY['recorded', 'classified', 'classified', 'investigating',"  # noqa: S608
                " 'investigating', 'investigating'])[1 + id %% 6], resolved_at = NULL, resolution_met = NULL,"
                " closed_at = NULL, closed_automatically = false, confirmed_at = NULL, satisfaction = NULL,"
                " known_error_id = NULL WHERE id IN (SELECT id FROM incidents_incident WHERE state NOT IN"
                f" {open_states} ORDER BY id DESC LIMIT %s)",
                [reopen],
            )
            clock.lap("reopening", f"({reopen:,})")
            # The entries a worked incident has: recorded, then steps, notes and mail to the caller.
            cursor.execute(
                "INSERT INTO incidents_activity (incident_id, kind, visibility, author_id, created_at, text, data,"
                " minutes_spent, incident_version)"
                " SELECT i.id, (ARRAY['recorded', 'state_changed', 'note', 'customer_update'])[n],"
                " CASE WHEN n = 4 THEN 'customer' ELSE 'internal' END, i.desk_owner_id,"
                " i.reported_at + (n - 1) * interval '37 minutes',"
                " CASE WHEN n = 1 THEN '' ELSE 'Checked with the caller; ' || i.short_description END,"
                ' CASE WHEN n = 2 THEN \'{"state": ["recorded", "classified"]}\'::jsonb ELSE \'{}\'::jsonb END,'
                " CASE WHEN n = 3 THEN 15 ELSE 0 END, NULL"
                " FROM incidents_incident AS i, generate_series(1, 2 + i.id % 3) AS n"
                " WHERE i.desk_owner_id = (SELECT id FROM auth_user WHERE username = 'bench-desk')"
            )
            clock.lap("journals", f"({cursor.rowcount:,} entries)")
        cursor.execute("SELECT incidents_rebuild_figures()")
    clock.lap("day figures")
    harness.vacuum_analyze("incidents_incident", "incidents_activity", "incidents_dayfigures")
    clock.lap("VACUUM ANALYZE")
    print(clock.summary())


def in_process(*, reload: bool, seed: int, incidents: int) -> dict[str, str]:
    """Ready the data for pages requested through Django's test client in this process (no HTTP): the schema, the
    static files, the incidents; returns the bench users' usernames by role."""
    os.environ["ALLOWED_HOSTS"] = "testserver"  # Django's test client
    harness.setup(None)  # every app: incidents rests on all, and its loaders write their columns
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    ensure_shaped(reload=reload, seed=seed, incidents=incidents)
    return bench_users(secrets.token_urlsafe(16))


def bench_users(password: str) -> dict[str, str]:
    """One user per role the pages need, with ``password``: username by role."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Count, Q

    from cmdb.models import SupportGroup
    from servicedesk.roles import Role

    users = {}
    for key, role in (("desk", Role.SERVICE_DESK), ("support", Role.SUPPORT), ("manager", Role.MANAGERS)):
        user, _ = get_user_model().objects.get_or_create(
            username=f"bench-http-{key}", defaults={"first_name": "Bench", "last_name": key.title()}
        )
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        users[key] = user.username
    # The support member is in the group with the most open incidents: the queue a busy group sees.
    busiest = (
        SupportGroup.objects.annotate(
            open_count=Count("incidents", filter=Q(incidents__state__in=("recorded", "classified", "investigating")))
        )
        .order_by("-open_count")
        .first()
    )
    get_user_model().objects.get(username=users["support"]).support_groups.set([busiest])
    return users


def api_token(username: str) -> str:
    from django.contrib.auth import get_user_model

    from servicedesk.api.tokens import token_create
    from servicedesk.models import ApiToken

    user = get_user_model().objects.get(username=username)
    ApiToken.objects.filter(user=user).delete()
    return token_create(user=user, name="HTTP benchmark", days=1, writes=False)[1]


def embed_sampled(numbers: Sequence[str]) -> None:
    """The vectors of the sampled open incidents that have none (decision 0056): the shaping reopens incidents
    without the task a reopening has in a desk, and a page of an incident without one runs the model."""
    from incidents.models import Incident
    from incidents.recording.vectors import incidents_embed

    incidents_embed(ids=list(Incident.objects.filter(number__in=numbers).values_list("pk", flat=True)))


def sample_numbers(samples: int, *, seed: int, open_only: bool) -> list[str]:
    from incidents.models import Incident

    rows = Incident.objects.filter(desk_owner__username="bench-desk")
    if open_only:
        rows = rows.filter(state__in=("recorded", "classified", "investigating"))
    ids = list(rows.values_list("pk", flat=True))
    chosen = harness.generator(seed).sample(ids, min(samples, len(ids)))
    found = dict(Incident.objects.filter(pk__in=chosen).values_list("pk", "number"))
    return [found[pk] for pk in chosen]


def describe() -> str:
    total, open_count, journal, size, version = harness.fetch_one(
        "SELECT (SELECT count(*) FROM incidents_incident), (SELECT count(*) FROM incidents_incident WHERE state IN"
        " ('recorded', 'classified', 'investigating')), (SELECT count(*) FROM incidents_activity),"
        " pg_size_pretty(pg_database_size(current_database())), version()"
    )
    services = harness.fetch_one("SELECT count(*) FROM cmdb_service")[0]
    return (
        f"{total:,} incidents ({open_count:,} open, {open_count / total:.0%}), {journal:,} journal entries,"
        f" {services:,} services; database {size}; {version.split(' on ')[0]}"
    )


def machine() -> str:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return f"{os.cpu_count()} cores, {pages / 2**30:.0f} GB of memory"


# --- The run -------------------------------------------------------------------------------------------------


def pages(numbers: Sequence[str], open_numbers: Sequence[str]) -> list[tuple[str, str, list[str]]]:
    """(what, who, the paths it cycles through) of every page timed with GET."""
    q = urlencode({"q": SEARCH})
    similar = urlencode({"short_description": "VPN connection drops", "symptoms": "since this morning"})
    return [
        ("incident list, open", "desk", ["/incidents/"]),
        ("incident list, every state", "desk", ["/incidents/?state=all"]),
        (f"search “{SEARCH}”, open", "desk", [f"/incidents/?{q}"]),
        (f"search “{SEARCH}”, every state", "desk", [f"/incidents/?{q}&state=all"]),
        ("support queue", "support", ["/queues/"]),
        ("incident page (open)", "desk", [f"/incidents/{number}/" for number in open_numbers]),
        ("incident page (any)", "desk", [f"/incidents/{number}/" for number in numbers]),
        ("call-logging form", "desk", ["/incidents/new/"]),
        ("similar-incidents panel", "desk", [f"/incidents/new/similar/?{similar}"]),
        ("dashboard", "manager", ["/incidents/dashboard/"]),
        ("API list", "api", ["/api/v1/incidents/"]),
        ("API detail", "api", [f"/api/v1/incidents/{number}/" for number in numbers]),
    ]


def record_calls(client: Client, *, posts: int, callers: Sequence[int], services: Sequence[int]) -> list[float]:
    """``posts`` calls logged one after the other through the form (its page read once for the CSRF token):
    the time of each POST in ms."""
    status, page = client.get("/incidents/new/")
    assert status == 200, status  # noqa: S101
    token = csrf_token(page)
    times = []
    for n in range(posts):
        form = {
            "csrfmiddlewaretoken": token,
            "caller_id": str(callers[n % len(callers)]),
            "short_description": f"VPN connection drops every few minutes ({n})",
            "symptoms": "The VPN client disconnects since this morning; the caller works from home.",
            "channel": "phone",
            "occurred_at": "now",
            "service": str(services[n % len(services)]),
            "affected_users": "1",
            "impact": "3",
            "urgency": "2",
        }
        began = time.perf_counter()
        status, text, _headers = client.request("POST", "/incidents/new/", form)
        times.append((time.perf_counter() - began) * 1000)
        if status != 302:
            raise RuntimeError(f"Recording answered {status}: {text[:500]}")
    return times


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", incidents=INCIDENTS)
    parser.add_argument("--runs", type=int, default=30, help="requests timed alone per page (default 30)")
    parser.add_argument("--warm-up", type=int, default=5, help="untimed requests first (default 5)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the load (default 8)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load per page (default 10; 0: none)")
    parser.add_argument("--posts", type=int, default=100, help="calls recorded one after the other (default 100)")
    parser.add_argument("--port", type=int, default=18100, help="gunicorn's port (default 18100)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's sync workers (default 2)")
    parser.add_argument(
        "--only", default="", help="only the pages whose name holds this text, e.g. 'incident page' (and no recording)"
    )
    args = parser.parse_args(argv)

    harness.setup(None)  # every app: incidents rests on all, and its loaders write their columns
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # sessions, tokens, roles: the whole portal
    call_command("collectstatic", interactive=False, verbosity=0)
    ensure_shaped(reload=args.reload, seed=args.seed, incidents=args.incidents)
    password = secrets.token_urlsafe(16)
    users = bench_users(password)
    token = api_token(users["desk"])
    numbers = sample_numbers(200, seed=args.seed, open_only=False)
    open_numbers = sample_numbers(200, seed=args.seed, open_only=True)
    embed_sampled(open_numbers + numbers)
    from django.db import connection, connections

    with connection.cursor() as cursor:
        callers, services = harness.ids(cursor, "cmdb_contact")[:500], harness.ids(cursor, "cmdb_service")
    data = describe()

    connections.close_all()  # the benchmark's own connection stays out of the server's way

    metrics_token = secrets.token_urlsafe(24)
    loads = []
    rows = []
    with gunicorn(port=args.port, workers=args.workers, metrics_token=metrics_token):
        clients = {key: sign_in(args.port, username, password) for key, username in users.items()}
        clients["api"] = Client(args.port, token=token)
        print(f"{data}\n{machine()}; gunicorn {args.workers} sync workers; {args.clients} clients under load")
        for label, who, paths in pages(numbers, open_numbers):
            if args.only not in label:
                continue
            before = read_queries(args.port, metrics_token)
            alone = time_alone(clients[who], paths, runs=args.runs, warm_up=args.warm_up)
            counted = statements_per_request(before, read_queries(args.port, metrics_token))
            loaded = (
                under_load(clients[who], paths, clients=args.clients, seconds=args.seconds) if args.seconds else None
            )
            loads.append(os.getloadavg()[0])
            rows.append(row(label, alone, loaded, counted))
            print(f"  {label}: {alone.median:.0f} ms alone", flush=True)
        if args.posts and not args.only:
            before = read_queries(args.port, metrics_token)
            times = record_calls(clients["desk"], posts=args.posts, callers=callers, services=services)
            counted = statements_per_request(before, read_queries(args.port, metrics_token))
            spread = harness.spread(times)
            per_second = len(times) / (sum(times) / 1000)
            label = f"recording ({args.posts} POSTs in a row: {per_second:.0f} calls/s)"
            rows.append(row(label, spread, None, counted))
            loads.append(os.getloadavg()[0])
    header = ("page", "alone median ms", "alone p95 ms", "under load req/s", "under load p95 ms", "statements")
    print(table(header, rows))
    if loads:
        print(f"Load average while it ran (1 min): {min(loads):.1f} to {max(loads):.1f}.")


def row(label: str, alone: harness.Spread, loaded: LoadResult | None, counted: tuple[str, float] | None) -> list[str]:
    failures = f" ({loaded.failures} failed)" if loaded and loaded.failures else ""
    return [
        label,
        number(alone.median, 1 if alone.median < 100 else 0),
        number(alone.p95, 1 if alone.p95 < 100 else 0),
        number(loaded.per_second, 1) + failures if loaded else "-",
        number(loaded.p95) if loaded else "-",
        number(counted[1], 1 if counted and counted[1] % 1 else 0) if counted else "-",
    ]


if __name__ == "__main__":
    main()
