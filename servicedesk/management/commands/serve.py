"""``manage.py serve``: the whole portal in one command, for a desk that starts small or a developer.

It migrates, collects static files, builds the matching model once an install, optionally loads the demo data,
then runs gunicorn, one Celery worker and Celery beat as child processes and watches them. The children print only
warnings and errors (``-v 2``: everything), so what ``serve`` prints last is where the portal is, who can sign in,
where mail goes and how to stop it. Ctrl-C or SIGTERM stops all of them; so does the death of any one child, which
is reported with its exit status and last lines. The embedded PostgreSQL (when no ``DATABASE_URL`` is set) is
shared with the children through ``DATABASE_URL`` and stopped when its last user, normally this command, exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from subprocess import PIPE, STDOUT, Popen
from typing import IO, Any, ClassVar

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicedesk.demo import DEMO_PASSWORD, load_demo
from servicedesk.metrics.exposition import MULTIPROC_VARIABLE, prepare_multiprocess_dir

STOP_TIMEOUT = 15
READY_TIMEOUT = 60
# The start of the warning Celery's worker gives when it runs as root (celery.platforms.ROOT_DISCOURAGED).
CELERY_ROOT_WARNING = "You're running the worker with superuser privileges"
# sockaddr_un holds 108 bytes, the last for the terminating NUL.
MAX_UNIX_SOCKET_PATH = 107


@dataclass
class Child:
    """One supervised process, with the last lines it printed (for the report when it dies)."""

    name: str
    process: Popen[bytes]
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=15))

    def describe_exit(self) -> str:
        code = self.process.returncode
        if code is not None and code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        return f"exited with status {code}"


class Command(BaseCommand):
    help = "Run the portal: web server, Celery worker and beat, with the embedded services when unconfigured."
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="Load the demo data and the demo accounts first.")
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2).")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port, workers = options["host"], options["port"], options["workers"]
        verbose = options["verbosity"] >= 2
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        ensure_port_free(host, port)
        lock = take_checkout_lock(Path(settings.VAR_DIR))
        site_url = site_url_for(host, port)

        self.stdout.write("Applying migrations…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # Built once an install (about 10 s the first time), here rather than in the first operator's request.
        self.stdout.write("Preparing the matching model…")
        call_command("build_embedding_model", stdout=StringIO())
        accounts: list[str] = []
        if options["demo"]:
            self.stdout.write("Loading the demo data…")
            accounts = load_demo()

        # A plain flag, not a threading.Event: Event.set() from a signal handler can deadlock against the
        # Event.wait() it interrupts (both take the same non-reentrant lock), and serve would never stop.
        self.stop_requested = False
        self.stopping = False
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self.request_stop)

        children = self.start_children(host, port, workers, site_url=site_url, verbose=verbose)
        try:
            url = f"{derived_site_url(host, port)}/"
            if self.wait_until_ready(url, children):
                mail = mail_destination(settings.MAILERS)
                first, *rest = ready_lines(url, accounts=accounts, mail=mail, site_url=site_url)
                self.stdout.write(self.style.SUCCESS(first))
                for line in rest:
                    self.stdout.write(line)
            failed = self.supervise(children)
        finally:
            self.stopping = True
            self.stop_children(children)
            lock.close()
        if failed is not None:
            raise CommandError(f"The {failed.name} {failed.describe_exit()}; the portal has been stopped.")
        self.stdout.write("The service desk has stopped.")

    def request_stop(self, signum: int, frame: object) -> None:
        self.stop_requested = True

    def start_children(self, host: str, port: int, workers: int, *, site_url: str, verbose: bool) -> list[Child]:
        env = child_environment(site_url=site_url, verbose=verbose, metrics_dir=metrics_folder(Path(settings.VAR_DIR)))
        commands = child_commands(host, port, workers, var_dir=Path(settings.VAR_DIR), verbose=verbose)
        children = []
        for name, command in commands.items():
            # A session of its own: Ctrl-C reaches only this command, which then stops the children in
            # order instead of all of them at once.
            process = Popen(command, env=env, stdout=PIPE, stderr=STDOUT, start_new_session=True)  # noqa: S603
            child = Child(name, process)
            threading.Thread(target=self.relay_output, args=(child,), daemon=True).start()
            children.append(child)
        return children

    def relay_output(self, child: Child) -> None:
        stream: IO[bytes] = child.process.stdout  # type: ignore[assignment]
        prefix = child.name.split()[-1].ljust(6)
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            child.tail.append(line)
            self.stdout.write(f"{prefix}| {line}")

    def wait_until_ready(self, url: str, children: list[Child]) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline and not self.stop_requested:
            if any(child.process.poll() is not None for child in children):
                return False
            try:
                with urllib.request.urlopen(f"{url}health/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.5)
        if not self.stop_requested:
            self.stderr.write(f"The web server did not answer {url}health/ within {READY_TIMEOUT} s; still waiting.")
        return False

    def supervise(self, children: list[Child]) -> Child | None:
        """Wait for a stop request (returns None) or the death of a child (returns it)."""
        while not self.stop_requested:
            time.sleep(0.5)
            for child in children:
                if child.process.poll() is not None:
                    self.stderr.write(f"The {child.name} {child.describe_exit()}. Its last lines:")
                    for line in child.tail:
                        self.stderr.write(f"    {line}")
                    return child
        return None

    def stop_children(self, children: list[Child]) -> None:
        self.stdout.write("Stopping…")
        for child in children:
            if child.process.poll() is None:
                child.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {child.name} did not stop within {STOP_TIMEOUT} s; killing it.")
            # Whatever the child left in its session (gunicorn or pool workers) goes with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()


def child_environment(*, site_url: str, verbose: bool = False, metrics_dir: Path | None = None) -> dict[str, str]:
    """What every child is given: the database this command uses (the embedded one has no ``DATABASE_URL``
    of its own), one ``SITE_URL``, since the web server and the worker both write mail with links, the
    levels its Django logging and its security log start at, and the folder their metrics are summed in."""
    return {
        **os.environ,
        **({MULTIPROC_VARIABLE: str(metrics_dir)} if metrics_dir else {}),
        "DATABASE_URL": settings.DATABASE_URL,
        "SITE_URL": site_url,
        "LOG_LEVEL": child_log_level(verbose=verbose),
        # Failed sign-ins and lockouts are worth a line in serve's quiet output; each sign-in is not.
        "SECURITY_LOG_LEVEL": os.environ.get("SECURITY_LOG_LEVEL", "").strip().upper()
        or child_log_level(verbose=verbose),
        "PYTHONUNBUFFERED": "1",
    }


def metrics_folder(var_dir: Path) -> Path:
    """The folder where gunicorn's workers and Celery's pool processes write their metrics, for ``/metrics`` to sum:
    ``PROMETHEUS_MULTIPROC_DIR`` when set, else ``var/metrics/``; emptied of an earlier run's files first."""
    return prepare_multiprocess_dir(Path(os.environ.get(MULTIPROC_VARIABLE) or var_dir / "metrics"))


def child_log_level(*, verbose: bool) -> str:
    """``LOG_LEVEL`` when it is set; otherwise warnings and errors only, unless ``-v 2`` asks for everything.

    At INFO the children print some sixty lines of banners, task lists and per-request lines at every start,
    under which the one line that matters, where the portal is, gets lost.
    """
    return os.environ.get("LOG_LEVEL", "").strip().upper() or ("INFO" if verbose else "WARNING")


def site_url_for(host: str, port: int) -> str:
    """``SITE_URL`` from the environment when it is set; otherwise the address this ``serve`` listens on."""
    return os.environ.get("SITE_URL", "").strip().rstrip("/") or derived_site_url(host, port)


def derived_site_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for ``--host`` and ``--port``."""
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - every address: this machine's own is one of them
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def child_commands(host: str, port: int, workers: int, *, var_dir: Path, verbose: bool = False) -> dict[str, list[str]]:
    """The command line of each child, by the name ``serve`` reports it under."""
    python = sys.executable
    level = child_log_level(verbose=verbose)
    quiet_broker = [] if settings.REDIS_URL else ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    access_log = ["--access-logfile", "-"] if verbose else []
    # Celery's banners (configuration, task list) print whatever the log level; --quiet drops them. Its warning
    # about running as root is for a server; serve is for one machine, often a container running as root,
    # and Celery still refuses pickled messages as root.
    quiet = [] if verbose else ["--quiet"]
    not_as_root = [] if verbose else ["-W", f"ignore:{CELERY_ROOT_WARNING}"]
    return {
        "web server": [
            python, "-m", "gunicorn", "servicedesk.wsgi:application",
            "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "--workers", str(workers), "--graceful-timeout", "10", "--log-level", level.lower(), *access_log,
            "--logger-class", "servicedesk.gunicorn_logs.Logger", "--config", "python:servicedesk.gunicorn_config",
            *control_socket(var_dir),
        ],
        "Celery worker": [
            python, *not_as_root, "-m", "celery", "-A", "servicedesk", *quiet, "worker", "--loglevel", level,
            "--concurrency", "2", *quiet_broker,
        ],
        "Celery beat": [
            python, "-m", "celery", "-A", "servicedesk", *quiet, "beat", "--loglevel", level,
            "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ],
    }  # fmt: skip


def control_socket(var_dir: Path) -> list[str]:
    """gunicorn's control socket in the checkout's ``var/``, where its lock and data are.

    gunicorn's default, ``~/.gunicorn/gunicorn.ctl``, is one for every checkout of the user: each new
    server takes it over from the last. A ``var/`` too deep for a Unix socket's path gets none rather than
    that one; the portal does not need it.
    """
    path = var_dir / "gunicorn.ctl"
    if len(os.fsencode(path)) > MAX_UNIX_SOCKET_PATH:
        return ["--no-control-socket"]
    return ["--control-socket", str(path)]


def ready_lines(url: str, *, accounts: list[str], mail: str, site_url: str) -> list[str]:
    """What ``serve`` prints last, once the portal answers: where it is, who can sign in, where mail goes, how
    to stop it."""
    lines = [f"The service desk is ready at {url}"]
    if accounts:
        names = ", ".join(accounts[:-1]) + f" or {accounts[-1]}" if len(accounts) > 1 else accounts[0]
        lines.append(f"  Sign in as {names}, password {DEMO_PASSWORD!r}.")
    lines.append(f"  Mail: {mail}, with links to {site_url}")
    lines.append(f"  Stop: Ctrl-C (or SIGTERM to process {os.getpid()})")
    return lines


def mail_destination(mailers: dict[str, dict[str, Any]]) -> str:
    """Where the portal's mail goes, from the ``MAILERS`` setting, without its credentials."""
    mailer = mailers["default"]
    options = mailer.get("OPTIONS", {})
    backend = mailer["BACKEND"]
    if backend == "servicedesk.mail.OneFilePerMessageBackend":
        return f"files in {str(options['file_path']).rstrip('/')}/"
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        return f"sent through {options['host']}:{options['port']}"
    if backend == "django.core.mail.backends.console.EmailBackend":
        return "printed by the web server and the worker"
    return f"handed to {backend}"


def ensure_port_free(host: str, port: int) -> None:
    """Refuse a port something listens on, before anything is migrated or started.

    The probe binds as gunicorn will, with ``SO_REUSEADDR``: without it, the connections a stopped server
    leaves in TIME-WAIT (about a minute) would make a restart on the same port look refused. With it, the
    bind still fails while a server listens there.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(
                f"Port {port} on {host} is already in use ({error.strerror}). "
                f"Stop whatever listens there, or choose another port with --port."
            ) from error


def take_checkout_lock(var_dir: Path) -> IO[str]:
    """One ``serve`` per checkout: two would run two beat schedulers against one database."""
    var_dir.mkdir(parents=True, exist_ok=True)
    handle = (var_dir / "serve.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise CommandError(f"Another `serve` of this checkout is running (process {holder}); stop it first.") from error
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
