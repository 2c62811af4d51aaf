"""Messages as mail programs send them, built for the tests, and the desk's mail they answer."""

from __future__ import annotations

import itertools
import struct
import zlib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from incidents.inbound.receive import mail_receive
from incidents.mail.outbox import outbox_message_id
from incidents.models import InboundMail, Incident, OutboxMessage

_ids = itertools.count(1)


def message(
    *,
    sender: str = "Anna Keller <anna.keller@example.org>",
    subject: str = "Printer on floor 3 jams",
    body: str = "The printer jams on every page since this morning.",
    answers: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
    files: list[tuple[str, str, bytes]] = (),
) -> bytes:
    """A message from ``sender`` (``answers``: the Message-ID it replies to), as bytes on the wire."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "Service desk <servicedesk@localhost>"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = make_msgid(domain="mail.example.org")
    if answers:
        mail["In-Reply-To"] = answers
        mail["References"] = answers
    for name, value in (headers or {}).items():
        mail[name] = value
    if html is not None and not body:
        mail.set_content(html, subtype="html")  # HTML only, as some programs send it
    else:
        mail.set_content(body)
        if html is not None:
            mail.add_alternative(html, subtype="html")
    for name, content_type, payload in files:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
    return mail.as_bytes()


def receive(raw: bytes, source_id: str | None = None) -> InboundMail:
    return mail_receive(raw, source="maildir", source_id=source_id or f"test-{next(_ids)}")


def desk_mail(incident: Incident, kind: str = "recorded") -> OutboxMessage:
    """The desk's last mail of ``kind`` about the incident."""
    return OutboxMessage.objects.filter(incident=incident, kind=kind).latest("pk")


def reply_to(incident: Incident, *, kind: str = "recorded", **values: object) -> bytes:
    """A reply from the incident's caller to the desk's mail of ``kind`` about it."""
    caller = incident.caller
    row = desk_mail(incident, kind)
    values = {
        "sender": f"{caller.full_name} <{caller.email}>",
        "subject": f"Re: {row.subject}",
        "answers": outbox_message_id(row),
        **values,
    }
    return message(**values)


def png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG image of grey pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")
