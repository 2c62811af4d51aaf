"""The demo's morning mail (``data/mail.toml``): messages written as mail programs write them and taken in
through the one way in (``incidents.inbound.receive``), so that the intake inbox, a reply that ends a wait, a
reply to a resolution and an out-of-office show what the service does with them."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from cmdb.models import Contact
from incidents.choices import OPEN_STATES, State
from incidents.demo.records import DATA
from incidents.inbound.receive import mail_receive
from incidents.mail.outbox import desk_address
from incidents.models import InboundMail, InboundSource, Incident
from servicedesk.demo_data import read_demo_data


@dataclass(frozen=True)
class DemoMessage:
    subject: str
    body: str
    # "caller:awaiting", "caller:resolved", "contact", or "Name <address>" (see data/mail.toml)
    sender: str
    about: str = ""  # "awaiting" or "resolved": the incident whose number the subject carries
    automatic: bool = False


@dataclass(frozen=True)
class _Mail:
    messages: tuple[DemoMessage, ...]


MESSAGES = read_demo_data(DATA / "mail.toml", _Mail).messages
SOURCE_ID = "demo-{index}"


def load_mail() -> int:
    """Take the demo's messages in; how many were. Nothing when the demo's mail is there already."""
    if InboundMail.objects.filter(source=InboundSource.PIPE, source_id=SOURCE_ID.format(index=0)).exists():
        return 0
    incidents = {"awaiting": _awaiting(), "resolved": _resolved()}
    contacts = iter(_quiet_contacts())
    taken = 0
    for index, demo in enumerate(MESSAGES):
        incident = incidents.get(demo.about)
        if demo.about and incident is None:
            continue
        sender = _sender(demo.sender, incident, contacts)
        if sender is None:
            continue
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = desk_address()
        mail["Subject"] = demo.subject.replace("{number}", incident.number if incident else "")
        mail["Date"] = format_datetime(timezone.now())
        mail["Message-ID"] = make_msgid(idstring=f"demo{index}", domain="mail.kestrel-logistics.example")
        if demo.automatic:
            mail["Auto-Submitted"] = "auto-replied"
        mail.set_content(demo.body)
        mail_receive(mail.as_bytes(), source=InboundSource.PIPE, source_id=SOURCE_ID.format(index=index))
        taken += 1
    return taken


def _sender(sender: str, incident: Incident | None, contacts: object) -> str | None:
    if sender.startswith("caller:"):
        return f"{incident.caller.full_name} <{incident.caller.email}>" if incident else None
    if sender == "contact":
        contact = next(contacts, None)  # type: ignore[call-overload]
        return f"{contact.full_name} <{contact.email}>" if contact else None
    return sender


def _awaiting() -> Incident | None:
    """The newest incident waiting on a caller who has an address."""
    waiting = Incident.objects.filter(state__in=OPEN_STATES, awaiting_caller_since__isnull=False)
    return waiting.exclude(caller__email="").select_related("caller").order_by("-awaiting_caller_since").first()


def _resolved() -> Incident | None:
    """The newest resolved incident its caller (who has an address) has not confirmed."""
    unconfirmed = Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=F("resolved_at"))
    rows = Incident.objects.filter(unconfirmed, state=State.RESOLVED, serious=False).exclude(caller__email="")
    return rows.select_related("caller").order_by("-resolved_at").first()


def _quiet_contacts() -> list[Contact]:
    """Contacts with an address and no open incident: the senders of new mail."""
    busy = Incident.objects.filter(caller=OuterRef("pk"), state__in=OPEN_STATES)
    return list(Contact.objects.exclude(email="").filter(~Exists(busy), active=True).order_by("pk")[:10])
