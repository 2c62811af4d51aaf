"""Log filters for the server's output (LOGGING in settings)."""

from __future__ import annotations

import copy
import logging


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
