"""gunicorn's logger for the portal (``--logger-class servicedesk.gunicorn_logs.Logger``): the access log and
the error log with the signed values of callers' links masked, as the portal's own log has them; the access line
with the request's id (its ``X-Request-ID``); with ``LOG_FORMAT=json`` both logs in the portal's JSON lines."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from gunicorn import glogging
from gunicorn.config import AccessLogFormat

from servicedesk.env import log_format
from servicedesk.logs import JsonFormatter, redact

# gunicorn's own default (Apache's combined format), with the id that the portal's log lines of the request carry.
ACCESS_FORMAT = AccessLogFormat.default + " request_id=%({x-request-id}o)s"


class Logger(glogging.Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta) -> dict[str, Any]:
        """The request line, path, query and referrer (and every other text) with their signed values masked."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.json = log_format() == "json"
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            if self.json:
                handler.setFormatter(JsonFormatter())
            elif handler in self.error_log.handlers:
                handler.setFormatter(_Redacting(handler.formatter))

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        try:
            if self.json:
                self.access_log.info("%s %s", atoms["r"], atoms["s"], extra=_fields(atoms))
            else:
                atoms = self.atoms_wrapper_class(atoms)
                # An operator's own --access-logformat is theirs to write (%({x-request-id}o)s names the id).
                custom = self.cfg.access_log_format != AccessLogFormat.default
                self.access_log.info(self.cfg.access_log_format if custom else ACCESS_FORMAT, atoms)
        except Exception:
            self.exception("The access line could not be written.")


def _fields(atoms: dict[str, Any]) -> dict[str, Any]:
    """The access line's facts as the JSON line's fields (masked again by the formatter, as every value)."""
    status = str(atoms["s"])
    return {
        "request_id": atoms.get("{x-request-id}o"),
        "http": {
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(status) if status.isdigit() else status,
            "bytes": atoms["B"],
            "duration_ms": round(atoms["D"] / 1000, 1),
            "remote_addr": atoms["h"],
            "referrer": atoms["f"],
            "user_agent": atoms["a"],
        },
    }


class _Redacting(logging.Formatter):
    """Another formatter's output, masked."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))
