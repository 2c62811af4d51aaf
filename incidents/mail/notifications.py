"""What the desk tells whom, and how: the e-mails (text and HTML, from templates) and the staff's bell.

Every function here runs inside the transaction of the change that causes the notification: it writes one
outbox row per recipient (``incidents.outbox``: sent after commit, retried, never sent for a rollback),
journals the notification on the incident (an ``Activity`` of kind *notification* with ``notice``,
``recipients`` and ``subject`` in ``data``, as ``incidents.confirmation`` and ``incidents.notices`` do), and,
for events the staff must act on, adds an in-app notification for each member of staff concerned
(``notify_staff``, the bell).

Decisions written down here:

- **Subjects carry the number first**, ``[INC0001234] What: summary``, so that a reply can be matched to
  its incident later.
- **Callers get no link to the incident page**: they have no login. Their mails name the number and
  the desk's address; staff mails link to ``SITE_URL`` + the incident's page.
- **No address, no mail.** A caller without an address gets nothing for recorded, awaiting-answer and
  closed (the desk is on the phone with them anyway); a group without an address to mail still gets its
  bell, and its journal entry shows that nobody was mailed.
- **Service-level mails are written once** per incident, target, stage and due time (their dedupe key),
  however often the sweep looks at the incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from incidents.choices import ActivityKind, Visibility
from incidents.mail.outbox import outbox_write
from incidents.models import Activity, Incident, OutboxMessage, StaffNotification
from servicedesk.roles import Role

MAX_BELL_TEXT = 300


@dataclass(frozen=True)
class OutgoingMail:
    """One e-mail to write to the outbox: the keyword arguments of ``outbox_write`` but the incident."""

    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str = ""
    dedupe_key: str | None = None

    def write(self, incident: Incident | None) -> OutboxMessage | None:
        return outbox_write(
            incident=incident,
            kind=self.kind,
            recipient=self.recipient,
            subject=self.subject,
            body_text=self.body_text,
            body_html=self.body_html,
            dedupe_key=self.dedupe_key,
        )


# --- building blocks ----------------------------------------------------------------------------------


def subject_for(incident: Incident, what: str) -> str:
    """``[INC0001234] What: summary``."""
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


def write_mails(incident: Incident | None, outgoing: Iterable[OutgoingMail]) -> list[OutboxMessage]:
    """Write each mail to the outbox; the rows written (a mail written before under its key is left out)."""
    written = [mail.write(incident) for mail in outgoing]
    return [message for message in written if message is not None]


def journal_notification(
    incident: Incident,
    *,
    notice: str,
    text: str,
    recipients: list[str],
    subject: str = "",
    visibility: str = Visibility.INTERNAL,
    by: AbstractBaseUser | None = None,
    **data: Any,
) -> Activity:
    """The journal entry of a notification: what was told, to whom, under which subject."""
    payload: dict[str, Any] = {"notice": notice, "recipients": recipients, **data}
    if subject:
        payload["subject"] = subject
    return Activity.objects.create(
        incident=incident, kind=ActivityKind.NOTIFICATION, visibility=visibility, author=by, text=text, data=payload
    )


def notify_staff(
    *, users: Iterable[AbstractBaseUser], incident: Incident | None, kind: str, text: str
) -> list[StaffNotification]:
    """An in-app notification (the bell) for each active user, once each. Call inside the change's transaction."""
    unique = {user.pk: user for user in users if user.is_active}
    return StaffNotification.objects.bulk_create(
        StaffNotification(user=user, incident=incident, kind=kind, text=text[:MAX_BELL_TEXT])
        for user in unique.values()
    )


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


def caller_mail_write(
    incident: Incident, *, caller: Any, kind: str, what: str, template: str, context: dict[str, Any] | None = None
) -> tuple[str, list[OutboxMessage]]:
    """Write one mail to a caller who has an address (callers get no link to the incident page): its subject
    and the rows written. The caller journals it."""
    subject = subject_for(incident, what)
    written = write_mails(
        incident,
        mails(
            kind=kind,
            recipients=[caller.email],
            subject=subject,
            template=template,
            context={"incident": incident, "caller": caller, **(context or {})},
        ),
    )
    return subject, written


# --- to the caller ------------------------------------------------------------------------------------


def caller_recorded(incident: Incident, *, caller: Any) -> dict[str, Any]:
    """Tell the caller their incident's number and summary (on recording).

    Journaled by the recording entry itself: returns what it records (``recipients``, ``subject``), empty
    for a caller without an address.
    """
    if not caller.email:
        return {}
    subject, _written = caller_mail_write(incident, caller=caller, kind="recorded", what=_("Recorded"),
                                           template="recorded")  # fmt: skip
    return {"recipients": [caller.email], "subject": subject}


def caller_awaiting_answer(incident: Incident, *, question: str) -> list[OutboxMessage]:
    """Ask the caller for what the desk waits on (the clock pauses meanwhile): call when the pause starts.

    The mail carries a signed link to answer (``incidents.caller_reply``), which resumes the clock.
    """
    # Imported here: the reply's service resumes through the lifecycle, which imports this module.
    from incidents.callers.replies import reply_url

    caller = incident.caller
    if not caller.email:
        return []
    subject, written = caller_mail_write(
        incident,
        caller=caller,
        kind="awaiting_answer",
        what=_("Awaiting your answer"),
        template="awaiting_answer",
        context={"question": question, "reply_url": reply_url(incident)},
    )
    journal_notification(
        incident,
        notice="awaiting_answer",
        text=_("The caller was asked: %(question)s") % {"question": question},
        recipients=[caller.email],
        subject=subject,
        visibility=Visibility.CUSTOMER,
    )
    return written


def caller_closed(incident: Incident) -> dict[str, Any]:
    """Tell the caller their incident is closed (by the desk or automatically).

    Journaled by the closing entry itself: returns what it records (``recipients``, ``subject``), empty for
    a caller without an address.
    """
    caller = incident.caller
    if not caller.email:
        return {}
    subject, _written = caller_mail_write(incident, caller=caller, kind="closed", what=_("Closed"), template="closed")
    return {"recipients": [caller.email], "subject": subject}


# --- to the staff -------------------------------------------------------------------------------------


def group_assigned(incident: Incident, *, reason: str, by: AbstractBaseUser | None = None) -> dict[str, Any]:
    """Tell the assigned group (mailbox and members) that an incident was escalated to it; bell for members.

    Journaled by the escalation entry itself: returns what it records (``recipients``, ``subject``).
    """
    group = incident.assigned_group
    members = group_members(group)
    recipients = group_addresses(group, members)
    subject = subject_for(incident, _("Assigned to %(group)s") % {"group": group.name})
    write_mails(
        incident,
        mails(
            kind="assigned",
            recipients=recipients,
            subject=subject,
            template="assigned",
            context={"incident": incident, "group": group, "reason": reason, "by": by},
        ),
    )
    notify_staff(
        users=members,
        incident=incident,
        kind="assigned",
        text=_("%(number)s was escalated to %(group)s: %(summary)s")
        % {"number": incident.number, "group": group.name, "summary": incident.short_description},
    )
    return {"recipients": recipients, "subject": subject}


def management_serious(
    incident: Incident, *, recipients: list[str], by: AbstractBaseUser | None = None
) -> tuple[str, list[OutboxMessage]]:
    """The serious-incident notice to management (the desk's panel, ``incidents.notices``); bell for managers.

    Returns the subject and the rows; the panel's service journals it.
    """
    subject = subject_for(incident, _("Serious incident"))
    written = write_mails(
        incident,
        mails(
            kind="serious",
            recipients=recipients,
            subject=subject,
            template="serious",
            context={"incident": incident, "by": by},
        ),
    )
    notify_staff(
        users=managers_of(incident),
        incident=incident,
        kind="serious",
        text=_("Serious incident %(number)s: %(summary)s")
        % {"number": incident.number, "summary": incident.short_description},
    )
    return subject, written


# --- service levels -----------------------------------------------------------------------------------

SLA_STAGES = ("warning", "breach", "late_breach")
SLA_TARGETS = ("response", "resolution")


def _sla_labels(target: str, stage: str) -> tuple[str, str]:
    target_label = _("response") if target == "response" else _("resolution")
    stage_label = {
        "warning": _("75%% of the %(target)s time used"),
        "breach": _("%(target)s target breached"),
        "late_breach": _("%(target)s target still breached"),
    }[stage] % {"target": target_label}
    return target_label, stage_label[:1].upper() + stage_label[1:]


def sla_recipients(incident: Incident, *, stage: str) -> tuple[list[AbstractBaseUser], list[str]]:
    """Who hears of a service-level stage: the users (bell) and the addresses (mail).

    A warning goes to the assigned group (members and mailbox), or to the desk owner while the desk holds
    the incident; a breach, and the later reminder, to the group's manager and the Managers role.
    """
    if stage == "warning":
        return group_or_owner(incident)
    managers = managers_of(incident)
    return managers, sorted({manager.email for manager in managers if manager.email})


def sla_warning_messages(incident: Incident, target: str, stage: str) -> list[OutgoingMail]:
    """The mails of a service-level stage (``warning`` at 75%, ``breach`` at 100%, ``late_breach`` later)
    of a target (``response`` or ``resolution``), keyed so that each is written once per due time."""
    _users, addresses = sla_recipients(incident, stage=stage)
    return _sla_mails(incident, target, stage, addresses)


def _sla_mails(incident: Incident, target: str, stage: str, addresses: list[str]) -> list[OutgoingMail]:
    if target not in SLA_TARGETS or stage not in SLA_STAGES:
        raise ValueError(f"Unknown service-level target {target!r} or stage {stage!r}.")
    due_at = incident.response_due_at if target == "response" else incident.resolution_due_at
    target_label, stage_label = _sla_labels(target, stage)
    return mails(
        kind=f"sla_{stage}",
        recipients=addresses,
        subject=subject_for(incident, stage_label),
        template="sla",
        context={
            "incident": incident,
            "target": target_label,
            "stage": stage,
            "stage_label": stage_label,
            "due_at": due_at,
            "due": _when(due_at),
        },
        dedupe=f"sla:{incident.pk}:{target}:{stage}:{due_at.isoformat() if due_at else '-'}",
    )


def sla_notify(*, incident: Incident, target: str, stage: str) -> list[OutboxMessage]:
    """Write a service-level stage's mails, bell and journal entry; nothing when it was written before."""
    users, addresses = sla_recipients(incident, stage=stage)
    outgoing = _sla_mails(incident, target, stage, addresses)
    written = write_mails(incident, outgoing)
    if outgoing and not written:
        return []  # this stage of this due time was notified already
    _target_label, stage_label = _sla_labels(target, stage)
    notify_staff(
        users=users,
        incident=incident,
        kind=f"sla_{stage}",
        text=f"{incident.number}: {stage_label}",
    )
    journal_notification(
        incident,
        notice=f"sla_{stage}",
        text=stage_label if addresses else _("%(what)s; nobody to mail.") % {"what": stage_label},
        recipients=addresses,
        subject=outgoing[0].subject if outgoing else "",
        target=target,
    )
    return written


def _when(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""
