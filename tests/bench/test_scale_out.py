"""bench/scale_out.py's quick run: two web nodes, two workers and one beat under Locust, one node and one worker
killed by PID halfway, and every check passing. It needs the real servers every node shares: ``DATABASE_URL`` (it
drops and creates ``<name>_scaleout`` beside it) and ``REDIS_URL`` (the test gives it database 15 of that server,
which it flushes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "scale_out.py"
CHECKS = [
    "every recorded call is in the database exactly once",
    "every mail in the outbox is sent exactly once",
    "no service-level stage was notified twice",
    "no journal entry is missing (nor written twice)",
    "no request failed but those in flight on the killed node",
]


def left_behind(port: int) -> list[str]:
    """The run's processes still alive, by their command lines (the nodes' binds, the workers' names, Locust)."""
    marks = (f"127.0.0.1:{port + 1}", f"127.0.0.1:{port + 2}", "worker1@%h", "worker2@%h", "locustfile_scale.py",
             "scale-out/celerybeat-schedule")  # fmt: skip
    alive = []
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        if any(mark in line for mark in marks):
            alive.append(f"{process.pid}: {line}")
    return alive


def nothing_listens_from(port: int) -> bool:
    for each in (port, port + 1, port + 2, port + 10):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", each)) == 0:
                return False
    return True


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: the nodes and workers share one Redis")
def test_nothing_is_lost_or_done_twice_when_a_node_and_a_worker_are_killed():
    port = int(os.environ.get("SCALE_OUT_PORT", "18000"))
    # The run flushes its Redis database: not the one a developer's portal or the other tests use.
    redis_url = urlsplit(os.environ["REDIS_URL"])._replace(path="/15").geturl()
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--short", "--port", str(port)],
        capture_output=True, text=True, timeout=400, check=False, env={**os.environ, "REDIS_URL": redis_url},
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for check in CHECKS:
        assert f"PASS  {check}" in output, output
    assert "Killed web2" in output and "Killed worker2" in output
    assert nothing_listens_from(port), "a process of the run is still listening"
    assert not left_behind(port)
