"""``manage.py serve`` as a user runs it: a real process tree with the embedded PostgreSQL and broker.

Each test gets a checkout-like ``var/`` folder of its own (the tests that only look at a running portal share
one), so a fresh embedded server is initialised, migrated and stopped, exactly as on a new machine.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

ROOT = Path(settings.BASE_DIR)
CONFIGURED = {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Serve:
    process: subprocess.Popen[bytes]
    port: int
    var_dir: Path
    env: dict[str, str]
    output: list[str] = field(default_factory=list)
    ready: list[str] = field(default_factory=list)  # the output once ready, the worker answering (shared_demo)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def text(self) -> str:
        return "\n".join(self.output)

    # A start migrates a new embedded PostgreSQL from nothing (and --demo loads and embeds the demo): over 90 s on a
    # 2-core machine whose other core runs the rest of the suite.
    def wait_for(self, path: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.text()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"{path} did not answer within {timeout} s:\n{self.text()}")

    def process_tree(self) -> list[psutil.Process]:
        """serve, everything it started, and the embedded PostgreSQL with its helpers."""
        tree = [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children(recursive=True)]
        pid_file = self.var_dir / "postgres" / "postmaster.pid"
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        return [*tree, postmaster, *postmaster.children(recursive=True)]


def start_serve(tmp_path: Path, *args: str, port: int | None = None, **variables: str) -> Serve:
    env = {key: value for key, value in os.environ.items() if key not in CONFIGURED} | variables
    var_dir = tmp_path / "var"
    env["SERVICEDESK_VAR_DIR"] = str(var_dir)
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    serve = Serve(process, port, var_dir, env)

    def collect() -> None:
        for line in iter(process.stdout.readline, b""):
            serve.output.append(line.decode(errors="replace").rstrip())

    threading.Thread(target=collect, daemon=True).start()
    return serve


def stop(serve: Serve) -> None:
    """Stop serve as a user does, with SIGTERM, so that it stops its children: they run in sessions of their
    own, and killing serve alone would leave them running after the test."""
    if serve.process.poll() is not None:
        return
    try:
        tree = psutil.Process(serve.process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    serve.process.send_signal(signal.SIGTERM)
    try:
        serve.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        serve.process.kill()
        serve.process.wait()
    _, alive = psutil.wait_procs(tree, timeout=15)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    """``start_serve`` in this test's folder; whatever still runs at the end of the test is stopped."""
    started: list[Serve] = []

    def start(*args: str, **kwargs: Any) -> Serve:
        started.append(start_serve(tmp_path, *args, **kwargs))
        return started[-1]

    yield start
    for serve in started:
        stop(serve)


def signed_in(serve: Serve, username: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A browser-like opener signed in (or not) as ``username``, and the page the sign-in led to."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{serve.url}/accounts/login/") as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    with opener.open(f"{serve.url}/accounts/login/", data=data.encode()) as response:
        return opener, response.read().decode()


def sign_in(serve: Serve, username: str, password: str) -> str:
    return signed_in(serve, username, password)[1]


def ping_worker(serve: Serve) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "ping_worker", "--timeout", "60"],
        cwd=ROOT,
        env=serve.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def wait_for_line(serve: Serve, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in serve.output):
        if time.monotonic() > deadline:
            pytest.fail(f"serve did not print {text!r} within {timeout} s:\n{serve.text()}")
        time.sleep(0.2)


def test_a_second_serve_on_a_busy_port_fails_clearly_and_touches_nothing(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        serve = start_serve(tmp_path, port=busy.getsockname()[1])

        assert serve.process.wait(timeout=60) == 1
    time.sleep(0.2)  # let the reader thread take the last line
    assert f"Port {serve.port} on 127.0.0.1 is already in use" in serve.text()
    assert not (serve.var_dir / "static").exists()  # it stopped before migrating or collecting anything


def test_serve_starts_again_at_once_on_the_port_it_just_left_and_stops_when_a_child_dies(
    tmp_path: Path, launch: Callable[..., Serve]
):
    """Stopping leaves the port's closed connections in TIME-WAIT for about a minute; that is no reason to refuse."""
    home, runtime = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    first = launch(HOME=str(home), XDG_RUNTIME_DIR=str(runtime))
    first.wait_for("/accounts/login/")
    control_socket_in_var = (first.var_dir / "gunicorn.ctl").is_socket()
    first.process.send_signal(signal.SIGTERM)
    assert first.process.wait(timeout=60) == 0, first.text()

    second = launch(port=first.port, HOME=str(home), XDG_RUNTIME_DIR=str(runtime))
    second.wait_for("/health/")

    assert "already in use" not in second.text()
    assert control_socket_in_var  # gunicorn's control socket is the checkout's own, not one in ~/.gunicorn/
    assert not any(path.name == "gunicorn.ctl" for path in [*home.rglob("*"), *runtime.rglob("*")])

    # When a child dies, serve stops everything and says which (on this serve: each start migrates from nothing).
    tree = second.process_tree()
    worker = next(p for p in tree if "worker" in p.cmdline() and "celery" in " ".join(p.cmdline()))
    worker.kill()

    assert second.process.wait(timeout=60) == 1
    assert "The Celery worker was killed by SIGKILL" in second.text()
    _, alive = psutil.wait_procs(tree, timeout=15)
    assert alive == [], f"left behind: {[(p.pid, p.name()) for p in alive]}"


# The tests below only look at a running portal: they share one, started once (each start migrates a new embedded
# PostgreSQL from nothing, the longest part of these tests).


@pytest.fixture(scope="module")
def shared_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """``serve --demo``, ready, its worker answering, and what it printed until then."""
    serve = start_serve(tmp_path_factory.mktemp("shared"), "--demo")
    try:
        serve.wait_for("/health/")
        wait_for_line(serve, "  Stop: ")
        assert ping_worker(serve).returncode == 0  # the worker is up: it has said all it had to say
        serve.ready = list(serve.output)
        yield serve
    finally:
        stop(serve)


def test_serve_prints_where_to_go_last_and_keeps_the_childrens_chatter_out(shared_demo: Serve):
    demo = shared_demo

    assert demo.ready[-4:] == [
        f"The service desk is ready at {demo.url}/",
        "  Sign in as operator, support, manager or admin, password 'demo'.",
        f"  Mail: files in {demo.var_dir / 'mail'}/, with links to {demo.url}",
        f"  Stop: Ctrl-C (or SIGTERM to process {demo.process.pid})",
    ]
    for chatter in ("No hostname was supplied", "superuser privileges", "celery@", "[tasks]", "Booting worker"):
        assert chatter not in "\n".join(demo.ready)
    assert len(demo.ready) < 10, demo.text()


def test_serve_gives_web_worker_and_beat_the_site_url_of_its_port(shared_demo: Serve):
    children = psutil.Process(shared_demo.process.pid).children()

    assert len(children) == 3
    assert {child.environ().get("SITE_URL") for child in children} == {shared_demo.url}


def test_a_refused_page_is_one_line_in_the_servers_output(shared_demo: Serve):
    demo = shared_demo
    support, _ = signed_in(demo, "support", "demo")

    with pytest.raises(urllib.error.HTTPError) as refused:
        support.open(f"{demo.url}/incidents/new/")
    assert refused.value.code == 403
    wait_for_line(demo, "Forbidden (Permission denied): /incidents/new/")
    time.sleep(1)  # a traceback would follow within a moment

    assert "Traceback" not in demo.text()
    assert [line for line in demo.output if "/incidents/new/" in line] == [
        next(line for line in demo.output if "Forbidden (Permission denied): /incidents/new/" in line)
    ]


# Last in this module: it stops the shared serve.
def test_serve_demo_signs_in_runs_tasks_and_leaves_nothing_behind(shared_demo: Serve):
    demo = shared_demo

    assert "Welcome, Olivia" in sign_in(demo, "operator", "demo")
    assert "Please enter a correct username" in sign_in(demo, "operator", "wrong")

    ping = ping_worker(demo)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert "A worker answered" in ping.stdout

    tree = demo.process_tree()
    assert len(tree) >= 5
    demo.process.send_signal(signal.SIGTERM)
    assert demo.process.wait(timeout=60) == 0, demo.text()

    _, alive = psutil.wait_procs(tree, timeout=15)
    assert alive == [], f"left behind: {[(p.pid, p.name()) for p in alive]}"
    assert f"The service desk is ready at {demo.url}/" in demo.text()
    assert "  Sign in as operator, support, manager or admin, password 'demo'." in demo.text()
