"""Which incident a message answers: the desk's own ``Message-ID`` in its ``In-Reply-To`` or ``References``
first, then the ``[INC…]`` tag of its subject."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from incidents.mail.outbox import desk_address
from incidents.models import Incident, OutboxMessage

OUTBOX_MESSAGE_ID = re.compile(r"^<outbox-(\d{1,18})\.(\d{14})@([^<>\s]+)>$")
SUBJECT_TAG = re.compile(r"\[\s*(INC\d{1,18})\s*\]", re.IGNORECASE)


@dataclass(frozen=True)
class Thread:
    """The incident a message answers, found ``by`` its headers or its subject's tag, and the desk's mail it
    answers when its headers name one."""

    incident: Incident
    by: str
    answers: OutboxMessage | None = None


def thread_of(*, answers: Iterable[str], subject: str) -> Thread | None:
    """The incident a message answers, or ``None`` for a message that answers none of the desk's."""
    replied = outbox_replied_to(answers)
    if replied is not None and replied.incident is not None:
        return Thread(replied.incident, "header", replied)
    for number in SUBJECT_TAG.findall(subject):
        incident = Incident.objects.defer("search_vector").filter(number=number.upper()).first()
        if incident is not None:
            return Thread(incident, "tag")
    return None


def outbox_replied_to(message_ids: Iterable[str]) -> OutboxMessage | None:
    """The first of the desk's mails among ``message_ids`` (``<outbox-<id>.<written>@<the desk's domain>>``); the
    time written and the domain must match too, so that a made-up id, or another desk's, does not find a row."""
    domain = desk_address().rpartition("@")[2] or "localhost"
    wanted: list[tuple[int, str]] = []
    for message_id in message_ids:
        if (match := OUTBOX_MESSAGE_ID.match(message_id)) and match[3].lower() == domain:
            wanted.append((int(match[1]), match[2]))
    if not wanted:
        return None
    rows = OutboxMessage.objects.select_related("incident").defer("body_text", "body_html", "incident__search_vector")
    found = rows.in_bulk([pk for pk, _ in wanted])
    for pk, stamp in wanted:
        row = found.get(pk)
        if row is not None and f"{row.created_at.astimezone(datetime.UTC):%Y%m%d%H%M%S}" == stamp:
            return row
    return None
