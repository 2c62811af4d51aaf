"""What the staff are told, by mail and by the bell: an escalation to their group, a serious incident, a fix
the caller rejected, a reply from a caller, a bounced mail, a service-level stage, a handoff not acknowledged in
time. Each mail is written in its reader's language (``staff_mails``); the bell's text in the language of the change.

Each function writes its mails to the outbox and rings the bell inside the transaction of the change, and
returns what it queued (``Mailed``) for the change's own journal entry; nothing here writes the journal.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from incidents.choices import State
from incidents.core.values import person_name, when
from incidents.core.writes import Mailed
from incidents.mail.bell import notify_staff
from incidents.mail.messages import (
    OutgoingMail,
    group_addresses,
    group_members,
    group_or_owner,
    managers_of,
    staff_mails,
    subject_for,
    write_mails,
)
from incidents.models import Handoff, Incident

SLA_STAGES = ("warning", "breach", "late_breach")
SLA_TARGETS = ("response", "resolution")


def group_assigned(incident: Incident, *, reason: str, by: AbstractBaseUser | None = None) -> Mailed:
    """Tell the assigned group (mailbox and members) that an incident was escalated to it; bell for members."""
    group = incident.assigned_group
    members = group_members(group)
    recipients = group_addresses(group, members)

    def subject() -> str:
        return subject_for(incident, _("Assigned to %(group)s") % {"group": group.name})

    write_mails(
        incident,
        staff_mails(
            kind="assigned",
            recipients=recipients,
            subject=subject,
            template="assigned",
            context=lambda: {"incident": incident, "group": group, "reason": reason, "by": by},
        ),
    )
    notify_staff(
        users=members,
        incident=incident,
        kind="assigned",
        text=_("%(number)s was escalated to %(group)s: %(summary)s")
        % {"number": incident.number, "group": group.name, "summary": incident.short_description},
    )
    return Mailed(recipients, subject())


def management_recipients(incident: Incident) -> list[str]:
    """The managers' addresses: members of the Managers role and the manager of the assigned group."""
    return sorted({user.email for user in managers_of(incident) if user.email})


def management_serious(incident: Incident, *, recipients: list[str], by: AbstractBaseUser | None = None) -> Mailed:
    """The serious-incident notice to management (the desk's panel); bell for the managers."""

    def subject() -> str:
        return subject_for(incident, _("Serious incident"))

    write_mails(
        incident,
        staff_mails(
            kind="serious",
            recipients=recipients,
            subject=subject,
            template="serious",
            context=lambda: {"incident": incident, "by": by},
        ),
    )
    notify_staff(
        users=managers_of(incident),
        incident=incident,
        kind="serious",
        text=_("Serious incident %(number)s: %(summary)s")
        % {"number": incident.number, "summary": incident.short_description},
    )
    return Mailed(recipients, subject(), notice="management", text=_("Management notified."))


def reopened_by_caller(incident: Incident, *, reason: str, person: str = "") -> Mailed:
    """Tell the group (or, for a first-line fix, the desk owner) that the caller reopened the incident: a mail
    where there is an address, the bell whether or not (the group learns it from the portal at least). The
    desk owner's bell rings too, whoever had resolved it: the desk owns every incident."""
    users, recipients = group_or_owner(incident)
    who = incident.assigned_group.name if incident.assigned_group_id else person_name(incident.desk_owner)
    notify_staff(
        users=[*users, incident.desk_owner],
        incident=incident,
        kind="reopened_by_caller",
        text=_("%(number)s was reopened by the caller: %(reason)s") % {"number": incident.number, "reason": reason},
    )
    if not recipients:
        text = _("Nobody could be told that the caller reopened it: %(who)s has no e-mail address.") % {"who": who}
        return Mailed([], notice="reopened_by_caller", text=text)

    def subject() -> str:
        reopener = _("Reopened by %(name)s") % {"name": person} if person else _("Reopened by the caller")
        return subject_for(incident, reopener)

    write_mails(
        incident,
        staff_mails(
            kind="reopened_by_caller",
            recipients=recipients,
            subject=subject,
            template="reopened_by_caller",
            context=lambda: {
                "incident": incident,
                "caller": incident.caller,
                "reason": reason,
                "group": incident.assigned_group,
            },
        ),
    )
    text = _("%(who)s told that the caller reopened it.") % {"who": who}
    return Mailed(recipients, subject(), notice="reopened_by_caller", text=text)


def reply_received(incident: Incident, *, sender: str, text: str, resumed: bool) -> Mailed:
    """Tell whoever holds the incident (the group, or the desk owner) that one of its people wrote: the bell,
    and a mail where there is an address. On a resolved incident the desk owner's bell rings too: the desk
    decides whether the fix holds. ``resumed``: the reply ended a wait on the caller."""
    users, recipients = group_or_owner(incident)
    if incident.state == State.RESOLVED:
        users = [*users, incident.desk_owner]
    excerpt = " ".join(text.split())[:160]
    notify_staff(
        users=users,
        incident=incident,
        kind="reply_received",
        text=_("%(number)s: %(sender)s wrote: %(text)s")
        % {"number": incident.number, "sender": sender, "text": excerpt},
    )
    if not recipients:
        return Mailed([], notice="reply_received", text=_("Nobody could be told by mail: no e-mail address."))

    def subject() -> str:
        return subject_for(incident, _("%(sender)s wrote") % {"sender": sender})

    write_mails(
        incident,
        staff_mails(
            kind="reply_received",
            recipients=recipients,
            subject=subject,
            template="reply_received",
            context=lambda: {"incident": incident, "sender": sender, "text": text, "resumed": resumed},
        ),
    )
    who = incident.assigned_group.name if incident.assigned_group_id else person_name(incident.desk_owner)
    return Mailed(recipients, subject(), notice="reply_received", text=_("%(who)s told by mail.") % {"who": who})


def mail_bounced(incident: Incident, *, recipient: str, diagnostic: str) -> None:
    """Ring the desk owner's bell: a mail to one of the incident's people could not be delivered."""
    notify_staff(
        users=[incident.desk_owner],
        incident=incident,
        kind="mail_bounced",
        text=_("%(number)s: the mail to %(recipient)s bounced (%(diagnostic)s).")
        % {"number": incident.number, "recipient": recipient, "diagnostic": diagnostic},
    )


# --- service levels -----------------------------------------------------------------------------------


def sla_labels(target: str, stage: str) -> tuple[str, str]:
    """The target's name and the stage's sentence: ("resolution", "75% of the resolution time used")."""
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
    return sla_mails(incident, target, stage, addresses)


def sla_mails(incident: Incident, target: str, stage: str, addresses: list[str]) -> list[OutgoingMail]:
    if target not in SLA_TARGETS or stage not in SLA_STAGES:
        raise ValueError(f"Unknown service-level target {target!r} or stage {stage!r}.")
    due_at = incident.response_due_at if target == "response" else incident.resolution_due_at

    def context() -> dict[str, object]:
        target_label, stage_label = sla_labels(target, stage)
        return {
            "incident": incident,
            "target": target_label,
            "stage": stage,
            "stage_label": stage_label,
            "due_at": due_at,
            "due": when(due_at),
        }

    return staff_mails(
        kind=f"sla_{stage}",
        recipients=addresses,
        subject=lambda: subject_for(incident, sla_labels(target, stage)[1]),
        template="sla",
        context=context,
        dedupe=f"sla:{incident.pk}:{target}:{stage}:{due_at.isoformat() if due_at else '-'}",
    )


def handoff_overdue(handoff: Handoff) -> Mailed:
    """Flag a handoff its group has not acknowledged in time to the desk owner and the group's manager, once
    (mail keyed by the handoff, and the bell)."""
    incident, group = handoff.incident, handoff.group
    users = [user for user in (incident.desk_owner, group.manager) if user is not None]

    def overdue() -> str:
        return _("%(number)s: %(group)s has not acknowledged it in time (due %(due)s).") % {
            "number": incident.number,
            "group": group.name,
            "due": when(handoff.due_at),
        }

    text = overdue()
    notify_staff(users=users, incident=incident, kind="handoff_overdue", text=text)
    addresses = sorted({user.email for user in users if user.email and user.is_active})
    outgoing = staff_mails(
        kind="handoff_overdue",
        recipients=addresses,
        subject=lambda: subject_for(incident, _("Not acknowledged in time by %(group)s") % {"group": group.name}),
        template="sla_handoff_overdue",
        context=lambda: {"incident": incident, "group": group, "due_at": handoff.due_at, "text": overdue()},
        dedupe=f"handoff:{handoff.pk}:overdue",
    )
    write_mails(incident, outgoing)
    return Mailed(addresses, notice="handoff_overdue", text=text, details={"group": group.name})
