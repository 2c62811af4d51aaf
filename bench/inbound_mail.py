"""Benchmark of mail in: 10,000 messages read from a Maildir by the poll (``incidents.inbound``), in messages per
second.

Run it with ``uv run python bench/inbound_mail.py`` (``--help`` lists the options). It works in the benchmarks'
own database, ``servicedesk_bench`` (see ``bench/README.md``). It records 200 incidents through the services
(each mails its caller, so that replies have a desk mail to answer), then writes the messages into a fresh
Maildir as a desk receives them: new reports (some with a screenshot, some HTML only), callers' replies with
their quoted history (some with a file), out-of-office replies and bounces of the desk's mail. The poll then
reads them all, as beat would, each in its own transaction: stored raw, parsed, decided, journaled, the group's
bell rung and its mail written to the outbox. The outbox's tasks go to an in-memory broker: the broker and the
sending are not measured.
"""

from __future__ import annotations

import datetime
import random
import shutil
import struct
import tempfile
import time
import zlib
from collections import Counter
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import harness

INCIDENTS = 200
MIX = {"new": 0.55, "reply": 0.30, "automatic": 0.10, "bounce": 0.05}
WORDS = [
    *("printer", "scanner", "laptop", "vpn", "outlook", "teams", "wifi", "badge", "monitor", "docking", "station"),
    *("password", "account", "share", "drive", "invoice", "payroll", "portal", "login", "error", "slow", "crash"),
    *("freeze", "blue", "screen", "update", "certificate", "phone", "headset", "camera"),
]


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(range(64)) * 3 for _ in range(64))
    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def sentence(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def prepare(rng: random.Random) -> list[dict[str, object]]:
    """200 incidents recorded by an operator for callers with addresses; what a reply needs of each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from cmdb.models import Contact
    from incidents.mail.outbox import outbox_message_id
    from incidents.models import OutboxMessage
    from incidents.recording import calls
    from servicedesk.roles import Role

    operator, _created = get_user_model().objects.get_or_create(username="bench-operator")
    operator.groups.add(Group.objects.get(name=Role.SERVICE_DESK.value))
    operator = get_user_model().objects.get(pk=operator.pk)
    threads = []
    for n in range(INCIDENTS):
        caller, _created = Contact.objects.get_or_create(
            email=f"bench.caller{n}@example.org", defaults={"first_name": "Bench", "last_name": f"Caller {n}"}
        )
        incident = calls.incident_record(
            by=operator, caller=caller, short_description=sentence(rng, 5), symptoms=sentence(rng),
            occurred_at=timezone.now() - datetime.timedelta(minutes=5), impact=3, urgency=2,
        )  # fmt: skip
        row = OutboxMessage.objects.filter(incident=incident, kind="recorded").latest("pk")
        threads.append({"caller": caller.email, "subject": row.subject, "answers": outbox_message_id(row),
                        "recipient": row.recipient})  # fmt: skip
    return threads


def write_messages(root: Path, count: int, threads: list[dict[str, object]], rng: random.Random) -> Counter[str]:
    """``count`` messages in the Maildir's ``new/``, in the mix of ``MIX``; how many of each kind."""
    from django.utils import timezone

    image = png()
    kinds: Counter[str] = Counter()
    (root / "new").mkdir(parents=True)
    for n in range(count):
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        kinds[kind] += 1
        mail = EmailMessage()
        mail["To"] = "Service desk <servicedesk@localhost>"
        mail["Date"] = format_datetime(timezone.now())
        mail["Message-ID"] = make_msgid(domain="bench.example.org")
        thread = rng.choice(threads)
        if kind == "new":
            mail["From"] = f"Reporter {n} <reporter{n}@example.net>"
            mail["Subject"] = sentence(rng, 6)
            body = "\n\n".join(sentence(rng, 20) for _ in range(3)) + "\n\nKind regards\nA. Reporter\n"
            if n % 4 == 0:
                mail.set_content(f"<html><body><p>{body}</p><table><tr><td>PC-{n}</td></tr></table></body></html>",
                                 subtype="html")  # fmt: skip
            else:
                mail.set_content(body)
            if n % 5 == 0:
                mail.add_attachment(image, maintype="image", subtype="png", filename="screenshot.png")
        elif kind == "reply":
            mail["From"] = f"Bench Caller <{thread['caller']}>"
            mail["Subject"] = f"Re: {thread['subject']}"
            mail["In-Reply-To"] = mail["References"] = thread["answers"]
            quoted = "\n".join(f"> {sentence(rng)}" for _ in range(8))
            mail.set_content(f"{sentence(rng, 15)}\n\nThanks,\nBench\n\nOn Monday, Service desk wrote:\n{quoted}\n")
            if n % 6 == 0:
                mail.add_attachment(image, maintype="image", subtype="png", filename="error.png")
        elif kind == "automatic":
            mail["From"] = f"Bench Caller <{thread['caller']}>"
            mail["Subject"] = f"Automatic reply: {thread['subject']}"
            mail["Auto-Submitted"] = "auto-replied"
            mail["In-Reply-To"] = thread["answers"]
            mail.set_content("I am out of the office until Monday.")
        else:
            mail["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
            mail["Subject"] = "Undelivered Mail Returned to Sender"
            mail.set_content(f"Could not deliver to {thread['recipient']}.\n\nMessage-ID: {thread['answers']}\n")
        (root / "new" / f"{time.time_ns()}.{n}.bench").write_bytes(mail.as_bytes())
    return kinds


def measure(root: Path, count: int) -> tuple[int, float, dict[str, list[float]]]:
    """Read the whole Maildir with the poll; how many were received, the seconds it took, and the time of each
    message (ms) by what became of it."""
    from incidents.inbound.maildir import maildir_poll
    from incidents.inbound.receive import mail_receive

    times: dict[str, list[float]] = {}

    def receive(raw: bytes, source_id: str) -> None:
        started = time.perf_counter()
        mail = mail_receive(raw, source="maildir", source_id=source_id)
        times.setdefault(mail.state, []).append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    received = maildir_poll(root, receive, batch=count)
    return received, time.perf_counter() - started, times


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents")
    parser.add_argument("--messages", type=int, default=10_000, help="messages to read (default %(default)s)")
    args = parser.parse_args(argv)

    harness.setup(None)  # every app: incidents rests on all, and its loaders write their columns
    from celery import current_app

    from incidents.models import InboundMail

    current_app.conf.broker_url = "memory://"  # the outbox's tasks: published, not measured
    rng = harness.generator(args.seed)
    InboundMail.objects.all().delete()  # each run reads its messages afresh
    clock = harness.Stopwatch()
    threads = prepare(rng)
    clock.lap("incidents", f"({INCIDENTS})")
    root = Path(tempfile.mkdtemp(prefix="bench-inbound-")) / "Maildir"
    try:
        kinds = write_messages(root, args.messages, threads, rng)
        clock.lap("messages", f"({args.messages:,} written)")
        print(clock.summary())
        received, seconds, times = measure(root, args.messages)
    finally:
        shutil.rmtree(root.parent)
    print(f"{harness.server_version().split(',')[0]}")
    print(f"written: {dict(kinds)}")
    for state, measured in sorted(times.items()):
        print(f"  {state:<10} {len(measured):>6,}   {harness.spread(measured).labelled('6.1f')}")
    print(f"{received:,} messages in {seconds:.1f} s: {received / seconds:,.0f} messages per second")


if __name__ == "__main__":
    main()
