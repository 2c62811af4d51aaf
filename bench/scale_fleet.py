"""What bench/scale_out.py runs on one machine: its processes (each in a session of its own, so that a kill or a
stop reaches its children), a round-robin HTTP proxy in front of the web nodes, and an SMTP sink counting mail.

The proxy opens a fresh connection to a node for every request and closes the client's after the answer, so that
a request is on one node only. A node that refuses the connection has been sent nothing: the proxy tries the
next one. A node that dies once the request is sent may have done it, so the proxy does not try again: it answers
502, and each answer names the node in ``X-Served-By``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import socketserver
import subprocess
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

STOP_SECONDS = 20
HEADER_LIMIT = 64 * 1024


# --- Processes -------------------------------------------------------------------------------------


@dataclass
class Fleet:
    """The processes of a run, by name; every one of them stopped by ``stop_all``, whatever happened."""

    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        # A session of its own: the group's id is the process's, and killpg reaches gunicorn's or Celery's children.
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
        log.close()
        self.processes[name] = process
        return process

    def kill(self, name: str) -> float:
        """SIGKILL the process and its children at once; the moment it was sent."""
        process = self.processes[name]
        at = time.time()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return at

    def stop(self, *names: str) -> dict[str, int | None]:
        """SIGTERM each (a warm shutdown: Celery finishes its tasks, gunicorn its requests), SIGKILL what is left
        after ``STOP_SECONDS``; the exit status of each."""
        for name in names:
            if self.processes[name].poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.processes[name].pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        codes = {}
        for name in names:
            process = self.processes[name]
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
            # Whatever is left in its session (a gunicorn or pool worker) goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            codes[name] = process.wait()
        return codes

    def stop_all(self) -> None:
        self.stop(*self.processes)


def wait_for(what: str, ready: Any, *, timeout: float, fleet: Fleet | None = None) -> None:
    """Poll ``ready()`` until it is true; a process of the fleet that exits first, or the timeout, is an error."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if fleet is not None:
            for name, process in fleet.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode} (see {fleet.logs / name}.log)")
        time.sleep(0.3)
    raise RuntimeError(f"{what} not ready within {timeout:.0f} s")


def answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - the run's own nodes
            return response.status == 200
    except OSError:
        return False


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# --- The proxy -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forwarded:
    """One request as the proxy saw it: when, on which node, and its status (502 when the node died on it)."""

    start: float
    end: float
    node: str
    status: int


class Proxy(socketserver.ThreadingTCPServer):
    """Round-robin over ``nodes`` (name → port), skipping a node that refuses connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, nodes: dict[str, int]) -> None:
        super().__init__(("127.0.0.1", port), ProxyHandler)
        self.nodes = list(nodes.items())
        self.turn = 0
        self.lock = threading.Lock()
        self.forwarded: list[Forwarded] = []
        self.in_flight: Counter[str] = Counter()

    def order(self) -> list[tuple[str, int]]:
        with self.lock:
            self.turn += 1
            first = self.turn % len(self.nodes)
        return self.nodes[first:] + self.nodes[:first]

    def count(self, node: str, change: int) -> None:
        with self.lock:
            self.in_flight[node] += change

    def serve_in_background(self) -> None:
        threading.Thread(target=self.serve_forever, name="proxy", daemon=True).start()


class ProxyHandler(socketserver.BaseRequestHandler):
    server: Proxy

    def handle(self) -> None:
        started = time.time()
        request = read_request(self.request)
        if request is None:
            return
        for node, port in self.server.order():
            try:
                backend = socket.create_connection(("127.0.0.1", port), timeout=120)
            except ConnectionRefusedError:
                continue  # nothing was sent: safe on the next node
            with backend:
                self.server.count(node, +1)
                try:
                    status, answer = exchange(backend, request)
                finally:
                    self.server.count(node, -1)
            self.request.sendall(mark(answer, node) if status else bad_gateway(node))
            self.server.forwarded.append(Forwarded(started, time.time(), node, status or 502))
            return
        self.request.sendall(bad_gateway("none"))
        self.server.forwarded.append(Forwarded(started, time.time(), "none", 502))


def read_request(client: socket.socket) -> bytes | None:
    """One HTTP request (head and ``Content-Length`` body), rewritten to close the connection after its answer."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk or len(data) > HEADER_LIMIT:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower()
        if name == b"content-length":
            length = int(line.split(b":", 1)[1])
        if name not in {b"connection", b"keep-alive"}:
            kept.append(line)
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            return None
        body += chunk
    return b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n" + body


def exchange(backend: socket.socket, request: bytes) -> tuple[int, bytes]:
    """Send the request, read the answer to the end: its status, or 0 when the node died before it was whole."""
    try:
        backend.sendall(request)
        answer = b""
        while chunk := backend.recv(65536):
            answer += chunk
    except OSError:
        return 0, b""
    try:
        status = int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0, b""
    return (status, answer) if whole(answer) else (0, b"")


def whole(answer: bytes) -> bool:
    """Whether the answer came to its end: its ``Content-Length``, or the last chunk (a node killed while writing
    leaves it short)."""
    head, separator, body = answer.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) == int(value)
        if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            return body.endswith(b"0\r\n\r\n")
    return True


def mark(answer: bytes, node: str) -> bytes:
    status_line, _, rest = answer.partition(b"\r\n")
    return status_line + b"\r\nX-Served-By: " + node.encode() + b"\r\n" + rest


def bad_gateway(node: str) -> bytes:
    body = f"The node {node} did not answer whole.".encode()
    return (
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n"
        + f"X-Served-By: {node}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


# --- The SMTP sink ---------------------------------------------------------------------------------


class MailSink:
    """Counts every message it is given by its ``Message-ID``, with the moment each copy came.

    It answers each message after ``answer_seconds``, as a mail server across a network does: a message counted
    here but whose answer its sender never read (killed meanwhile) is sent again, as it would be to a real server.
    """

    def __init__(self, *, answer_seconds: float = 0.0) -> None:
        self.received: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        self.answer_seconds = answer_seconds

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)["Message-ID"]
        with self.lock:
            self.received[str(message_id).strip()].append(time.time())
        await asyncio.sleep(self.answer_seconds)
        return "250 Message accepted for delivery"

    def start(self, port: int) -> Any:
        from aiosmtpd.controller import Controller

        controller = Controller(self, hostname="127.0.0.1", port=port)
        controller.start()
        return controller
