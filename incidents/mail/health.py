"""The outbox's part of ``/health/ready``: mail left pending for long means the mail is not going out."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from incidents.models import OutboxMessage, OutboxState
from servicedesk.health import Check, Failing


def outbox_backlog() -> str:
    """At most ``HEALTH_OUTBOX_MAX_LATE`` mails pending for longer than ``HEALTH_OUTBOX_MINUTES``."""
    minutes, most = settings.HEALTH_OUTBOX_MINUTES, settings.HEALTH_OUTBOX_MAX_LATE
    written_before = timezone.now() - datetime.timedelta(minutes=minutes)
    late = OutboxMessage.objects.filter(state=OutboxState.PENDING, created_at__lt=written_before)
    # Counted no further than the limit: a backlog of a million rows costs what one of a few does.
    count = late.values("pk")[: most + 1].count()
    values = {"count": count, "most": most, "minutes": minutes}
    if count > most:
        raise Failing(
            ngettext(
                "more than %(most)d mail pending for over %(minutes)d minutes",
                "more than %(most)d mails pending for over %(minutes)d minutes",
                most,
            )
            % values
        )
    return (
        ngettext(
            "%(count)d mail pending for over %(minutes)d minutes",
            "%(count)d mails pending for over %(minutes)d minutes",
            count,
        )
        % values
    )


# Named in IncidentsConfig.health_checks: the platform's readiness knows no incidents (decision record 0032).
OUTBOX = Check("outbox", outbox_backlog, failure=gettext_lazy("could not be read"), needs=("database",))
