"""The Maildir source: every message in ``INBOUND_MAILDIR/new/`` is handed to the service, then moved to
``cur/`` once it is stored (a crash in between only means it is seen, and skipped, again)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)


def maildir_prepare(root: Path) -> None:
    """Create the Maildir's three folders (``tmp`` for writers, ``new``, ``cur``) if they are missing."""
    for name in ("tmp", "new", "cur"):
        (root / name).mkdir(parents=True, exist_ok=True)


def maildir_poll(root: Path, receive: Callable[[bytes, str], object], *, batch: int) -> int:
    """Hand up to ``batch`` messages of ``root/new/`` to ``receive(raw, source_id)``, the oldest names first,
    and move each to ``cur/`` (flagged seen) after ``receive`` returned. A message ``receive`` fails on stays
    in ``new/`` for the next poll. Returns how many were received."""
    maildir_prepare(root)
    new, cur = root / "new", root / "cur"
    names = sorted(entry.name for entry in os.scandir(new) if entry.is_file() and not entry.name.startswith("."))
    received = 0
    for name in names[:batch]:
        path = new / name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:  # another poller took it
            continue
        unique = name.split(":", 1)[0]
        try:
            receive(raw, unique)
        except Exception:
            logger.exception("Inbound message %s could not be stored; it stays in %s.", name, new)
            continue
        with contextlib.suppress(FileNotFoundError):  # another poller moved it
            path.rename(cur / f"{unique}:2,S")
        received += 1
    return received
