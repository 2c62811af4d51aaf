"""Scale-out, shown: two web nodes and two Celery workers against one PostgreSQL and one Redis, driven by Locust; one
node and one worker killed by PID in the middle; then checks that nothing was lost or done twice.

Run it with ``uv run python bench/scale_out.py`` (``--short`` for a quick run, ``--help`` for the options), with
``DATABASE_URL`` and ``REDIS_URL`` pointing at the machine's servers. It drops and creates a database of its own on
that server (the name of ``DATABASE_URL``'s with ``_scaleout`` after it, or ``--database``), FLUSHES the Redis
database of ``REDIS_URL``, migrates, loads the demo data, and then starts, from the port ``--port`` (18000) up:

- two gunicorn web nodes (``web1``, ``web2``) on the two ports after it, behind a round-robin proxy on it that skips
  a node refusing connections and names the node that answered in ``X-Served-By`` (``bench/scale_fleet.py``);
- two Celery workers and ONE beat, mail going to an SMTP sink on the port ten after it that counts every message;
- Locust, headless, with the people of ``bench/locustfile_scale.py``.

Halfway through it SIGKILLs ``web2`` (the gunicorn master and its workers) and the worker ``worker2`` (with its pool).
Once Locust stops, it lets the other worker send what is left, stops everything, and checks, printing PASS or FAIL
for each and exiting 1 when one fails. Then it prints each operation's throughput and 95th percentile from Locust's
statistics, and the machine's size. Processes, logs and Locust's CSV are in ``var/scale-out/``.

Beat sends the sweeps every ``SWEEP_SECONDS`` (5 here, 60 in production) and every new incident falls under a
service level of one and two minutes, so that the service-level sweep warns and escalates during the run; a worker's
task it had not acknowledged comes back after ``BROKER_VISIBILITY_TIMEOUT`` (15 s here, an hour in production).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import secrets
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
BASE_DIR = BENCH.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BENCH))

import scale_checks as checks  # noqa: E402 - beside this script, not a package
from scale_fleet import Fleet, MailSink, Proxy, answers, listening, wait_for  # noqa: E402

SWEEP_SECONDS = 5
VISIBILITY_TIMEOUT = 15
DRAIN_SECONDS = 120
# How long the SMTP sink takes to answer a message, as a mail server across a network would.
MAIL_ANSWER_SECONDS = 0.2
RUN_DIR = BASE_DIR / "var" / "scale-out"
SUMMARIES = [
    "Outlook will not start", "VPN drops every few minutes", "Printer on floor 3 jams", "Cannot sign in to the ERP",
    "Laptop very slow since the update", "Shared drive not reachable", "Phone has no dial tone",
]  # fmt: skip


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=120, help="seconds of load (default %(default)s)")
    parser.add_argument("--users", type=int, default=12, help="Locust users (default %(default)s)")
    parser.add_argument("--short", action="store_true", help="a quick run: 24 s of load, 8 users")
    parser.add_argument("--port", type=int, default=18000, help="the proxy's port; the nodes' are the next two, "
                        "the SMTP sink's ten after (default %(default)s)")  # fmt: skip
    parser.add_argument("--database", help="the run's own database (default: DATABASE_URL's name + _scaleout)")
    args = parser.parse_args(argv)
    if args.short:
        args.duration, args.users = 24, 8
    return args


# --- Setting up ----------------------------------------------------------------------------------


def database_url(args: argparse.Namespace) -> str:
    """The run's database, dropped and created afresh on the server of ``DATABASE_URL``."""
    import psycopg
    from psycopg import sql

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url or not os.environ.get("REDIS_URL", "").strip():
        raise SystemExit("Set DATABASE_URL and REDIS_URL: the scale-out run needs real servers that every node shares.")
    parts = urlsplit(url)
    name = args.database or f"{parts.path.lstrip('/') or 'servicedesk'}_scaleout"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}"))


def environment(args: argparse.Namespace, url: str) -> dict[str, str]:
    """What every process of the run is given (and this one, before Django starts)."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SERVICEDESK_VAR_DIR": str(RUN_DIR),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": f"smtp://127.0.0.1:{args.port + 10}",
        "SWEEP_SECONDS": str(SWEEP_SECONDS),
        "BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        # A task the sweep finds pending this long is published again: a task lost with the killed node comes back.
        "OUTBOX_SWEEP_AFTER_SECONDS": "10",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(users: int) -> dict[str, Any]:
    """Migrate, load the demo data, put every service under a service level of minutes, and write the plan Locust's
    people read: accounts, a token per person, callers, categories, the support account's groups."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from harness import Stopwatch

    watch = Stopwatch()
    call_command("migrate", interactive=False, verbosity=0)
    watch.lap("migrations")
    collect_static()
    watch.lap("static files")
    from servicedesk.demo import DEMO_PASSWORD, load_demo

    load_demo()
    watch.lap("demo data")
    plan = {"password": DEMO_PASSWORD, "readers": ["operator", "support", "manager"], "summaries": SUMMARIES}
    plan |= scale_data(users)
    watch.lap("service level and tokens")
    connection.close()
    print(f"Prepared: {watch.summary()}")
    return plan


def collect_static() -> None:
    """The static files and their manifest, which the pages need, without compressing each (a minute or more on two
    cores, and nothing here asks for them)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    manifest = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=manifest):
        call_command("collectstatic", interactive=False, verbosity=0)


def scale_data(users: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from cmdb.models import Contact
    from incidents.models import (
        BusinessCalendar,
        Incident,
        ServiceLevel,
        ServiceLevelCoverage,
        ServiceLevelTarget,
        WorkingPeriod,
    )
    from knowledge.models import Category
    from servicedesk.api.tokens import token_create

    User = get_user_model()
    desk, support = User.objects.get(username="operator"), User.objects.get(username="support")
    with transaction.atomic():
        # Around the clock, in minutes: the calls of the run reach their warning and breach stages within it.
        calendar = BusinessCalendar.objects.create(name="Scale-out: every minute", time_zone="UTC")
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=day, start="00:00", end="23:59:59") for day in range(7)
        )
        ServiceLevel.objects.update(is_default=False)
        ServiceLevelCoverage.objects.all().delete()
        level = ServiceLevel.objects.create(name="Scale-out: minutes", calendar=calendar, is_default=True)
        ServiceLevelTarget.objects.bulk_create(
            ServiceLevelTarget(service_level=level, priority=priority, response_minutes=1, resolution_minutes=2)
            for priority in range(1, 6)
        )
        tokens = {
            role: [token_create(user=user, name=f"Scale-out {n}", days=1, writes=True)[1] for n in range(users)]
            for role, user in (("desk_tokens", desk), ("support_tokens", support))
        }
    return {
        **tokens,
        "callers": list(Contact.objects.exclude(email="").order_by("pk").values_list("pk", flat=True)[:50]),
        "categories": list(Category.objects.order_by("pk").values_list("pk", flat=True)[:10]),
        "groups": list(support.support_groups.values_list("pk", flat=True)),
        "incidents": list(Incident.objects.order_by("-pk").values_list("number", flat=True)[:40]),
    }


# --- Running -------------------------------------------------------------------------------------


def commands(args: argparse.Namespace) -> dict[str, list[str]]:
    python = sys.executable
    celery = [python, "-W", "ignore:You're running the worker with superuser privileges", "-m", "celery",
              "-A", "servicedesk"]  # fmt: skip
    web = [python, "-m", "gunicorn", "servicedesk.wsgi:application", "--workers", "2", "--graceful-timeout", "10",
           "--no-control-socket", "--logger-class", "servicedesk.gunicorn_logs.Logger", "--bind"]  # fmt: skip
    return {
        "web1": [*web, f"127.0.0.1:{args.port + 1}"],
        "web2": [*web, f"127.0.0.1:{args.port + 2}"],
        **{
            f"worker{n}": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2", "--hostname", f"worker{n}@%h"]
            for n in (1, 2)
        },
        "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(RUN_DIR / "celerybeat-schedule")],
    }


def workers_answering(names: set[str]) -> bool:
    from servicedesk.celery import app

    replies = app.control.ping(timeout=1.0)
    return names <= {name.split("@")[0] for reply in replies for name in reply}


def broker_idle(redis: Any) -> bool:
    """Nothing queued and nothing taken but unacknowledged (kombu's ``unacked`` hash, where a killed worker's
    tasks wait for the visibility timeout)."""
    return redis.llen("celery") == 0 and redis.hlen("unacked") == 0


def outbox_pending() -> int:
    from django.db import connection

    from incidents.models import OutboxMessage, OutboxState

    count = OutboxMessage.objects.filter(state=OutboxState.PENDING).count()
    connection.close()
    return count


def drain(redis: Any, fleet: Fleet) -> float:
    """Wait until the outbox has nothing pending and the broker nothing queued; how long it took."""
    started = time.monotonic()
    wait_for("the outbox and the broker to drain", lambda: broker_idle(redis) and outbox_pending() == 0,
             timeout=DRAIN_SECONDS)  # fmt: skip
    return time.monotonic() - started


def run_locust(args: argparse.Namespace, env: dict[str, str], fleet: Fleet, proxy: Proxy, kills: list) -> int:
    command = [
        sys.executable, "-m", "locust", "-f", str(BENCH / "locustfile_scale.py"), "--headless",
        "--users", str(args.users), "--spawn-rate", str(max(1, args.users // 4)), "--run-time", f"{args.duration}s",
        "--host", f"http://127.0.0.1:{args.port}", "--csv", str(RUN_DIR / "locust"), "--only-summary",
        "--stop-timeout", "10", "--loglevel", "WARNING",
    ]  # fmt: skip
    locust = fleet.start("locust", command, env)
    started = time.monotonic()
    time.sleep(args.duration / 2)
    # Under load, and at a moment it has work in hand: a request in flight, a task running (or a few seconds on).
    busy = wait_until(lambda: proxy.in_flight["web2"] > 0, seconds=5)
    kills.append(checks.Kill("web2", fleet.kill("web2")))
    print(f"Killed web2 (SIGKILL to the gunicorn master and its workers) {time.monotonic() - started:.0f} s into the "
          f"run, {'with' if busy else 'without'} a request in flight on it.")  # fmt: skip
    running: list[str] = []
    wait_until(lambda: bool(running.extend(active_tasks("worker2")) or running), seconds=5)
    kills.append(checks.Kill("worker2", fleet.kill("worker2")))
    print(f"Killed worker2 (SIGKILL to the worker and its pool) {time.monotonic() - started:.0f} s into the run, "
          f"running {', '.join(running) or 'nothing'}.")  # fmt: skip
    return locust.wait(timeout=args.duration + 120)


def wait_until(condition: Any, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def active_tasks(worker: str) -> list[str]:
    """The tasks ``worker`` is running now, by their short names."""
    from servicedesk.celery import app

    replies = app.control.inspect(timeout=0.3).active() or {}
    return [
        f"{task['name'].rsplit('.', 1)[-1]}{tuple(task['args'])}"
        for name, tasks in replies.items()
        if name.split("@")[0] == worker
        for task in tasks
    ]


# --- Checking and reporting ----------------------------------------------------------------------


def database_facts() -> tuple[Counter[str], Counter[tuple[str, str]], dict[str, str], Counter[tuple[str, str, str]]]:
    """What the database holds: markers, the marked calls' journal entries by step, outbox rows, notified stages."""
    from incidents.mail.outbox import outbox_message_id
    from incidents.models import Activity, Incident, OutboxMessage

    marked = Incident.objects.filter(symptoms__contains="[scale:")
    markers = checks.markers_in(marked.values_list("symptoms", flat=True))
    entries: Counter[tuple[str, str]] = Counter()
    wanted = {entry: step for step, entry in checks.STEP_ENTRIES.items()}
    for number, kind, data in Activity.objects.filter(incident__in=marked).values_list(
        "incident__number", "kind", "data"
    ):
        step = wanted.get((kind, (data or {}).get("step"))) or wanted.get((kind, None))
        if step:
            entries[number, step] += 1
    outbox = {outbox_message_id(message): message.state for message in OutboxMessage.objects.all()}
    notified: Counter[tuple[str, str, str]] = Counter()
    for number, data in Activity.objects.filter(kind="notification", data__notice__startswith="sla_").values_list(
        "incident__number", "data"
    ):
        notified[number, data.get("target", ""), data["notice"]] += 1
    return markers, entries, outbox, notified


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def locust_table(path: Path) -> list[str]:
    import csv

    if not path.exists():
        return ["(no statistics from Locust)"]
    rows = list(csv.DictReader(path.open()))
    lines = [f"{'operation':<44} {'requests':>8} {'failed':>6} {'per s':>6} {'median':>7} {'p95':>7}  (ms)"]
    for row in rows:
        lines.append(
            f"{row['Name']:<44} {row['Request Count']:>8} {row['Failure Count']:>6} {float(row['Requests/s']):6.2f} "
            f"{row['50%']:>7} {row['95%']:>7}"
        )
    return lines


def machine() -> str:
    pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return f"{os.cpu_count()} cores, {pages * size / 2**30:.0f} GiB RAM, {platform.platform()}"


def per_node(forwarded: list, kill: checks.Kill) -> str:
    counts = Counter((item.node, "before" if item.start < kill.at else "after") for item in forwarded)
    nodes = sorted({node for node, _when in counts})
    return "; ".join(
        f"{node}: {counts[node, 'before']} before the kill, {counts[node, 'after']} after" for node in nodes
    )


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    for stale in ("locust-requests.jsonl", "celerybeat-schedule"):
        (RUN_DIR / stale).unlink(missing_ok=True)
    env = environment(args, database_url(args))
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    ports = [args.port, args.port + 1, args.port + 2, args.port + 10]
    if busy := [port for port in ports if listening(port)]:
        raise SystemExit(f"Ports {busy} are in use: stop what listens there, or choose another --port.")
    import redis as redis_client

    redis = redis_client.Redis.from_url(env["REDIS_URL"])
    redis.flushdb()
    started = time.monotonic()
    print(f"Preparing the database {urlsplit(env['DATABASE_URL']).path[1:]} (migrations, demo data)...")
    plan = prepare(args.users)
    plan_path, log_path = RUN_DIR / "plan.json", RUN_DIR / "locust-requests.jsonl"
    plan_path.write_text(json.dumps(plan))
    env |= {"SCALE_OUT_PLAN": str(plan_path), "SCALE_OUT_LOG": str(log_path)}

    fleet = Fleet(RUN_DIR)
    atexit.register(fleet.stop_all)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sink, proxy, controller = (
        MailSink(answer_seconds=MAIL_ANSWER_SECONDS),
        Proxy(args.port, {"web1": args.port + 1, "web2": args.port + 2}),
        None,
    )
    kills: list[checks.Kill] = []
    proxy.serve_in_background()
    try:
        controller = sink.start(args.port + 10)
        for name, command in commands(args).items():
            fleet.start(name, command, env)
        for port in (args.port + 1, args.port + 2):
            wait_for(f"the node on {port}", lambda port=port: answers(f"http://127.0.0.1:{port}/health/"),
                     timeout=90, fleet=fleet)  # fmt: skip
        wait_for("both workers", lambda: workers_answering({"worker1", "worker2"}), timeout=90, fleet=fleet)
        print(f"Ready in {time.monotonic() - started:.0f} s: web1, web2, worker1, worker2, beat. "
              f"{args.users} users for {args.duration} s...")  # fmt: skip
        locust_exit = run_locust(args, env, fleet, proxy, kills)
        drained = drain(redis, fleet)
        fleet.stop("beat")
        drained += drain(redis, fleet)
        codes = fleet.stop("worker1", "web1")
        print(f"Locust exited with {locust_exit}; drained in {drained:.0f} s; stopped: "
              + ", ".join(f"{name} ({code})" for name, code in codes.items()))  # fmt: skip
    finally:
        fleet.stop_all()
        proxy.shutdown()
        proxy.server_close()
        if controller is not None:
            controller.stop()

    node_kill, worker_kill = kills
    lines = read_log(log_path)
    markers, entries, outbox, notified = database_facts()
    results = [
        checks.calls_check(lines, markers, node_kill),
        checks.mail_check(outbox, sink.received, worker_kill),
        checks.sla_check(notified),
        checks.journal_check(lines, entries, node_kill),
        checks.requests_check(lines, node_kill),
    ]
    print()
    for result in results:
        print("\n".join(result.lines()))
    print(f"\nRequests per node: {per_node(proxy.forwarded, node_kill)}")
    print("\n".join(locust_table(RUN_DIR / "locust_stats.csv")))
    print(
        f"\nMachine: {machine()}; {args.users} users, {args.duration} s; whole run {time.monotonic() - started:.0f} s"
    )
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
