"""A Celery worker's own scrape, for a worker on a host without a web node: with ``METRICS_WORKER_PORT`` set,
the worker's main process answers ``GET /metrics`` on that port with the task counters of all its pool
processes (they write into the host's ``PROMETHEUS_MULTIPROC_DIR``), behind the same token as the web's."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from celery.signals import worker_process_shutdown, worker_ready
from django.conf import settings
from prometheus_client import CONTENT_TYPE_LATEST

from servicedesk.metrics.access import metrics_enabled, token_accepted
from servicedesk.metrics.exposition import latest, multiprocess_dir, process_exited

logger = logging.getLogger(__name__)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Every scrape is not worth a line."""


def scrape_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A WSGI app: ``GET /metrics`` with the token gives the worker's metrics; anything else is refused."""
    if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") != "GET":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not found\n"]
    if not token_accepted(environ.get("HTTP_AUTHORIZATION")):
        start_response("401 Unauthorized", [("WWW-Authenticate", 'Bearer realm="metrics"')])
        return [b""]
    body = latest(figures=False)
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Cache-Control", "no-store")])
    return [body]


def serve_worker_metrics(port: int, host: str = "") -> WSGIServer:
    """Answer scrapes on ``host:port`` from a thread of this process; returns the server (``shutdown()`` stops it)."""
    server = make_server(host, port, scrape_app, server_class=_Server, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def _worker_ready(**kwargs: Any) -> None:
    port = settings.METRICS_WORKER_PORT
    if not port:
        return
    if not metrics_enabled() or not multiprocess_dir():
        logger.warning("METRICS_WORKER_PORT needs METRICS_TOKEN and PROMETHEUS_MULTIPROC_DIR; no worker metrics.")
        return
    serve_worker_metrics(port)


def _pool_process_ended(**kwargs: Any) -> None:
    process_exited(os.getpid())


def connect() -> None:
    """Serve the worker's scrape once it is ready; forget a pool process's live gauges when it ends."""
    worker_ready.connect(_worker_ready, weak=False, dispatch_uid="servicedesk.metrics.worker_ready")
    worker_process_shutdown.connect(_pool_process_ended, weak=False, dispatch_uid="servicedesk.metrics.pool_ended")
