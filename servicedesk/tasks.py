"""Tasks of the platform itself."""

from __future__ import annotations

import os
import socket

from celery import shared_task


@shared_task(ignore_result=False)
def ping(token: str) -> dict[str, object]:
    """Answer with the token and where it ran: proves that a worker takes tasks from the broker."""
    return {"token": token, "host": socket.gethostname(), "pid": os.getpid()}
