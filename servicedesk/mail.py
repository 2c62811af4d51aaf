"""The development mail backend: each message in a file of its own, ready to open in a mail client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class OneFilePerMessageBackend(BaseEmailBackend):
    """Writes every message to ``<file_path>/<timestamp>-<id>.eml`` (the ``file_path`` option).

    Django's own file backend appends all messages of one connection to one log file, which makes a
    single notification hard to find and impossible to open as an e-mail. A message holds callers' names and
    signed links: the folder is the portal's user's alone (0700), each file too (0600).
    """

    def __init__(self, *, file_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = Path(file_path)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(message.message().as_bytes())
        return len(email_messages)
