"""``manage.py ping_worker``: send a task through the broker and wait for a worker's answer."""

from __future__ import annotations

import secrets
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicedesk.tasks import ping


class Command(BaseCommand):
    help = "Check that a Celery worker takes tasks from the broker and answers (exit status 1 if none does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds to wait (default 30).")

    def handle(self, *args: Any, **options: Any) -> None:
        token = secrets.token_hex(8)
        result = ping.delay(token)
        try:
            answer = result.get(timeout=options["timeout"])
        except CeleryTimeout as error:
            raise CommandError(f"No worker answered within {options['timeout']:g} s.") from error
        finally:
            result.forget()
        if answer.get("token") != token:
            raise CommandError(f"A worker answered with the wrong token: {answer!r}.")
        self.stdout.write(f"A worker answered: process {answer['pid']} on {answer['host']}.")
