"""gunicorn's logger for the portal (``--logger-class servicedesk.gunicorn_logs.Logger``): the access log and
the error log with the signed values of callers' links masked, as the portal's own log has them."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from gunicorn import glogging

from servicedesk.logs import redact


class Logger(glogging.Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta) -> dict[str, Any]:
        """The request line, path, query and referrer (and every other text) with their signed values masked."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(_Redacting(handler.formatter))


class _Redacting(logging.Formatter):
    """Another formatter's output, masked."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))
