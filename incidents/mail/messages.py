"""Building the portal's e-mails (text and HTML from templates) and writing them to the outbox, one message per
recipient. Who hears of what is said in ``incidents.mail.staff`` and ``incidents.callers.mails``; the
decisions behind the messages are in decision record 0011."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from incidents.mail.outbox import outbox_write
from incidents.models import Incident, OutboxMessage
from servicedesk.models import Preferences
from servicedesk.roles import Role


@dataclass(frozen=True)
class OutgoingMail:
    """One e-mail to write to the outbox: the keyword arguments of ``outbox_write`` but the incident."""

    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str = ""
    dedupe_key: str | None = None

    def write(self, incident: Incident | None, *, queue: bool = True) -> OutboxMessage | None:
        return outbox_write(
            incident=incident,
            kind=self.kind,
            recipient=self.recipient,
            subject=self.subject,
            body_text=self.body_text,
            body_html=self.body_html,
            dedupe_key=self.dedupe_key,
            queue=queue,
        )


def subject_for(incident: Incident, what: str) -> str:
    """``[INC0001234] What: summary``: the number first, so that a reply can be matched to its incident."""
    summary = " ".join(incident.short_description.split())
    return f"[{incident.number}] {what}: {summary}"


def incident_url(incident: Incident) -> str:
    return settings.SITE_URL + incident.get_absolute_url()


def desk_contact() -> str:
    """The address callers can write to (the sender of the desk's mail)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def render_mail(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The text and HTML bodies of ``incidents/email/<template>.txt`` and ``.html`` (HTML optional)."""
    incident = context.get("incident")
    context = {
        "site_url": settings.SITE_URL,
        "desk": desk_contact(),
        "url": incident_url(incident) if incident is not None else settings.SITE_URL,
        **context,
    }
    text = render_to_string(f"incidents/email/{template}.txt", context)
    try:
        html = render_to_string(f"incidents/email/{template}.html", context)
    except TemplateDoesNotExist:
        html = ""
    return text, html


def mails(
    *,
    kind: str,
    recipients: Iterable[str],
    subject: str,
    template: str,
    context: dict[str, Any],
    dedupe: str | None = None,
) -> list[OutgoingMail]:
    """The same mail to each recipient (each their own message: nobody sees the others' addresses)."""
    text, html = render_mail(template, context)
    return [
        OutgoingMail(
            kind=kind,
            recipient=recipient,
            subject=subject,
            body_text=text,
            body_html=html,
            dedupe_key=f"{dedupe}:{recipient}"[:200] if dedupe else None,
        )
        for recipient in dict.fromkeys(recipients)
        if recipient
    ]


def staff_mails(
    *,
    kind: str,
    recipients: Iterable[str],
    subject: Callable[[], str],
    template: str,
    context: Callable[[], dict[str, Any]],
    dedupe: str | None = None,
) -> list[OutgoingMail]:
    """``mails`` to staff, each in the language and time zone its reader chose on their preferences page; an address
    no user has (a group's mailbox) gets the desk's. ``subject`` and ``context`` are called in each language."""
    outgoing: list[OutgoingMail] = []
    for (language, zone), addresses in readers_by_locale(recipients).items():
        with translation.override(language), timezone.override(zone):
            outgoing += mails(
                kind=kind, recipients=addresses, subject=subject(), template=template, context=context(), dedupe=dedupe
            )
    return outgoing


def readers_by_locale(recipients: Iterable[str]) -> dict[tuple[str, str | None], list[str]]:
    """The addresses by the language and time zone their active user chose (the desk's where none): one query."""
    addresses = list(dict.fromkeys(address for address in recipients if address))
    desk = (settings.LANGUAGE_CODE, None)
    chosen = {}
    if addresses:
        rows = Preferences.objects.filter(user__email__in=addresses, user__is_active=True).order_by("user_id")
        for email, language, zone in rows.values_list("user__email", "language", "time_zone"):
            chosen.setdefault(email, (language or desk[0], zone or None))
    grouped: dict[tuple[str, str | None], list[str]] = {}
    for address in addresses:
        grouped.setdefault(chosen.get(address, desk), []).append(address)
    return grouped


def write_mails(
    incident: Incident | None, outgoing: Iterable[OutgoingMail], *, queue: bool = True
) -> list[OutboxMessage]:
    """Write each mail to the outbox (``queue``: see ``outbox_write``); the rows written (a mail written before under
    its key is left out)."""
    written = [mail.write(incident, queue=queue) for mail in outgoing]
    return [message for message in written if message is not None]


# --- who ----------------------------------------------------------------------------------------------


def group_members(group: Any) -> list[AbstractBaseUser]:
    return list(group.members.filter(is_active=True).order_by("pk"))


def group_addresses(group: Any, members: Iterable[AbstractBaseUser]) -> list[str]:
    """A group's mailbox and its active members' addresses."""
    return sorted({*(member.email for member in members if member.email), *([group.email] if group.email else [])})


def managers_of(incident: Incident) -> list[AbstractBaseUser]:
    """The Managers role and the manager of the incident's assigned group: hierarchical escalation."""
    condition = Q(groups__name=Role.MANAGERS.value)
    if incident.assigned_group_id:
        condition |= Q(managed_groups=incident.assigned_group_id)
    return list(get_user_model().objects.filter(condition, is_active=True).distinct().order_by("pk"))


def group_or_owner(incident: Incident) -> tuple[list[AbstractBaseUser], list[str]]:
    """Who holds the incident: the assigned group (active members, and the mailbox) or, while the desk holds
    it, the desk owner. The users (bell) and the addresses (mail)."""
    if incident.assigned_group_id:
        members = group_members(incident.assigned_group)
        return members, group_addresses(incident.assigned_group, members)
    owner = incident.desk_owner
    return [owner], [owner.email] if owner.email and owner.is_active else []
