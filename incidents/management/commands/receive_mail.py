"""``manage.py receive_mail < message.eml``: one message from a mail server's pipe, handed to the one service."""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from incidents.inbound.receive import mail_receive
from incidents.models import InboundSource

# sysexits.h: the mail server keeps the message and tries again later.
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = (
        "Read one raw message from standard input (a mail server's pipe) and hand it to the desk: a reply is "
        "journaled on its incident, a new mail waits in the intake inbox. The same message piped twice is taken "
        "once. Exits 75 (try again later) when the database cannot be reached, so that the mail server keeps it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("No message on standard input.")
        try:
            mail = mail_receive(raw, source=InboundSource.PIPE, source_id=hashlib.sha256(raw).hexdigest())
        except DatabaseError as error:
            self.stderr.write(f"The database cannot be reached; the mail server should try again: {error}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"{mail.get_state_display()}: {mail.reason}")
