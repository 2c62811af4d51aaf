"""A webhook receiver for tests: a real HTTP server on localhost, in a thread, that checks every delivery's signature
with the code docs/api/webhooks.md gives receivers, and answers as a test tells it to (a status per request, or
holding a request until the test lets it go); and the desk's side: a subscription to it, a delivery to it."""

from __future__ import annotations

import contextlib
import datetime
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from incidents.choices import WebhookEvent
from incidents.models import WebhookDelivery, WebhookSubscription
from tests.incidents.workflow import record

GUIDE = Path(settings.BASE_DIR) / "docs" / "api" / "webhooks.md"


def documented_verify() -> Callable[..., bool]:
    """The ``verify`` function of the guide's "Verifying a delivery", run as a receiver would copy it."""
    section = GUIDE.read_text().split("### Verifying a delivery", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - the guide's own snippet: the test proves it works as written
    return namespace["verify"]


@dataclass(frozen=True)
class Received:
    event: str
    delivery: str
    timestamp: str
    signature: str
    content_type: str
    body: bytes
    arrived_at: float

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """``statuses`` are answered in turn, then 200; ``hold_request`` (counted from 1) is held, read but unanswered,
    until ``release`` is set. ``processed`` lists each delivery id once, as a receiver that ignores ids it has seen
    (as the guide asks) would process them."""

    def __init__(self, statuses: tuple[int, ...] = (), hold_request: int | None = None) -> None:
        self.statuses = list(statuses)
        self.hold_request = hold_request
        self.held = threading.Event()
        self.release = threading.Event()
        self.requests: list[Received] = []
        self.processed: list[str] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hooks/servicedesk") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [request.event for request in self.requests]

    def all_signed_with(self, secret: str) -> bool:
        """Whether every request passed the guide's check, on the receiver's clock when it arrived."""
        verify = documented_verify()
        return all(verify(secret, r.signature, r.body, now=r.arrived_at) for r in self.requests)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver got {len(self.requests)} requests, not {count}")
            time.sleep(0.05)

    def _answer(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            number = len(self.requests)
            status = self.statuses.pop(0) if self.statuses else 200
        if number == self.hold_request:
            self.held.set()
            assert self.release.wait(60)
        if 200 <= status < 300:
            with self.lock:
                if received.delivery not in self.processed:
                    self.processed.append(received.delivery)
        return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver._answer(
                    Received(
                        event=self.headers["X-Servicedesk-Event"],
                        delivery=self.headers["X-Servicedesk-Delivery"],
                        timestamp=self.headers["X-Servicedesk-Timestamp"],
                        signature=self.headers["X-Servicedesk-Signature"],
                        content_type=self.headers["Content-Type"],
                        body=body,
                        arrived_at=time.time(),
                    )
                )
                answer = b'{"ok": true}' if status < 300 else b"Receiver overloaded, try later"
                # A sender that went away meanwhile (a worker killed mid-request) gets no answer.
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test's output stays its own

        return Handler


# --- the desk's side ---------------------------------------------------------------------------------------------


def subscribe(url: str, **fields) -> WebhookSubscription:
    return WebhookSubscription.objects.create(name=fields.pop("name", "Console"), url=url,
                                              events=[WebhookEvent.RECORDED], **fields)  # fmt: skip


def recorded_with_delivery(operator, url: str, captured, **fields) -> WebhookDelivery:
    """A subscription to ``url`` and one delivery to it, its first attempt made after the recording's commit."""
    subscribe(url, **fields)
    with captured(execute=True):
        incident = record(operator)
    return WebhookDelivery.objects.get(incident=incident)


def due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
