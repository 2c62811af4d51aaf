"""Log filters and formatters for the server's output (LOGGING in settings)."""

from __future__ import annotations

import copy
import logging
import re

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
