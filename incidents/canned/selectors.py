"""Reads of canned replies: those a user may use on an incident (the picker), and the managed list."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cmdb.models import SupportGroup
from incidents.models import CannedReply, CannedReplyRevision

PICKER_LIMIT = 20


def _matching(rows: QuerySet[CannedReply], q: str) -> QuerySet[CannedReply]:
    for word in q.split()[:8]:
        rows = rows.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return rows


def usable_replies(*, user: Any, group_id: int | None) -> QuerySet[CannedReply]:
    """The active replies ``user`` may use on an incident assigned to ``group_id``: the desk-wide ones, the
    group's, and those of the user's own groups (an operator who is also a group member)."""
    own_groups = SupportGroup.objects.filter(members=user).values("pk")
    scope = Q(group__isnull=True) | Q(group__in=own_groups)
    if group_id is not None:
        scope |= Q(group_id=group_id)
    return CannedReply.objects.filter(scope, active=True)


def replies_to_pick(*, user: Any, group_id: int | None, q: str = "") -> list[CannedReply]:
    """The picker's options: usable replies whose title or text holds every word typed, one query."""
    rows = _matching(usable_replies(user=user, group_id=group_id), q).select_related("group")
    return list(rows.order_by("title", "id")[:PICKER_LIMIT])


def reply_list(*, q: str = "", show: str = "active") -> QuerySet[CannedReply]:
    """The managed list: every reply (reading them is harmless), active ones unless ``show`` says otherwise."""
    rows = CannedReply.objects.select_related("group", "updated_by")
    if show == "active":
        rows = rows.filter(active=True)
    elif show == "inactive":
        rows = rows.filter(active=False)
    return _matching(rows, q).order_by("title", "id")


def reply_revisions(reply: CannedReply) -> QuerySet[CannedReplyRevision]:
    return reply.revisions.select_related("by", "group").order_by("-at", "-id")
