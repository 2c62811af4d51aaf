"""Log filters, formatters and handlers for the server's output (LOGGING in settings; plain lines or, with
``LOG_FORMAT=json``, JSON lines: decision record 0031)."""

from __future__ import annotations

import copy
import datetime
import logging
import re
import time
from typing import Any

import structlog
from django.conf import settings
from django.utils import log as django_log

from servicedesk.request_context import add_user

# A value signed by django.core.signing, as a caller's link carries it: payload:timestamp:signature in URL-safe
# base64 (the payload starts with "." when compressed), the signature 43 characters of HMAC-SHA256.
SIGNED_VALUE = re.compile(
    r"(?<![A-Za-z0-9_-])\.?[A-Za-z0-9_-]{8,}:[A-Za-z0-9_-]{4,}:[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"
)
# The token of a password-reset link (Django's own shape, not a signed value).
RESET_LINK = re.compile(r"(/accounts/password/reset/[A-Za-z0-9_-]+/)(?!set-password/)[A-Za-z0-9]+-[A-Za-z0-9]+/")
MASK = "[signed]"


def redact(text: str) -> str:
    """``text`` with every signed value and reset token masked: whoever reads a log must not be able to answer for
    a caller, nor set a user's password."""
    return RESET_LINK.sub(rf"\1{MASK}/", SIGNED_VALUE.sub(MASK, text))


class RedactingFormatter(logging.Formatter):
    """Formats a record as usual, then masks the signed values in the whole line, its traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class OneLineRefusals(logging.Filter):
    """A refused request (a 4xx: no permission, a bad request) is one line with its reason, not a traceback.

    Django logs every ``PermissionDenied`` with the exception's traceback, although a refusal is the portal
    doing its job: a support member opening the call-logging page is told why not. The line keeps the path
    and the reason; a server error (5xx) keeps its whole traceback. The record is copied, not changed, so
    that another handler (an error tracker) still gets the traceback if it wants it.
    """

    def filter(self, record: logging.LogRecord) -> logging.LogRecord | bool:
        status = getattr(record, "status_code", None)
        if record.exc_info is None or not isinstance(status, int) or status >= 500:
            return True
        message = record.getMessage()
        # One line even when the reason has line breaks; not twice when the message already is the reason.
        reason = " ".join(str(record.exc_info[1] or "").split())
        line = copy.copy(record)
        line.msg, line.args = message + (f" ({reason})" if reason and reason not in message else ""), None
        line.exc_info, line.exc_text = None, None
        return line


class ServerErrorsOnly(logging.Filter):
    """Lets through what is not a refusal: the administrators' mail is for a server error, not for a bot's
    request with another host name (Django logs those at ERROR too, with their 400)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        return not isinstance(status, int) or status >= 500


class AdminEmailHandler(django_log.AdminEmailHandler):
    """Django's mail to ``ADMINS`` on a server error, with the signed values masked in its subject and body."""

    def emit(self, record: logging.LogRecord) -> None:
        # Django skips building the report when nobody is to get it, unless send_mail is overridden, as here.
        if settings.ADMINS:
            super().emit(record)

    def send_mail(self, subject: str, message: str, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("html_message"):
            kwargs["html_message"] = redact(kwargs["html_message"])
        super().send_mail(redact(subject), redact(message), *args, **kwargs)


# --- JSON lines (LOG_FORMAT=json) ---------------------------------------------------------------------

FIRST_KEYS = ("timestamp", "level", "logger", "message", "request_id", "user_id", "incident", "task", "task_id")
# What a record's ``extra`` may add: the status of a refused request, the security log's facts, gunicorn's access
# line (servicedesk.gunicorn_logs); never Django's ``request`` object.
EXTRA_KEYS = ("status_code", "username", "client_address", "user_agent", "detail", "request_id", "http")


def _timestamp(logger: object, method: str, event: dict[str, Any]) -> dict[str, Any]:
    record = event.get("_record")
    seconds = record.created if record is not None else time.time()
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    event["timestamp"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return event


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def _redact_values(logger: object, method: str, event: dict[str, Any]) -> dict[str, Any]:
    # Each value before it is serialised: in the JSON text a traceback's line break is "\n", and a token right
    # after it would not stand apart from the "n".
    return {key: _redacted(value) for key, value in event.items()}


def _in_order(logger: object, method: str, event: dict[str, Any]) -> dict[str, Any]:
    ordered = {key: event.pop(key) for key in FIRST_KEYS if key in event}
    exception = {"exception": event.pop("exception")} if "exception" in event else {}
    return ordered | event | exception


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """One JSON object a line for every record of every logger (Django's, Celery's, gunicorn's, ours): time in UTC,
    level, logger, message, the request's and task's context (servicedesk.request_context), the traceback of an
    error; signed values masked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                add_user,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                _timestamp,
                structlog.stdlib.ExtraAdder(allow=EXTRA_KEYS),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.EventRenamer("message"),
                _redact_values,
                _in_order,
                structlog.processors.JSONRenderer(),
            ],
        )
