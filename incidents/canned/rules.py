"""Who may manage which canned replies. Using one needs ``view_cannedreply``; changing one needs
``add_``/``change_cannedreply`` and the reply's scope: managers and administrators manage them all, the desk's
operators the desk-wide ones and their own groups', a support group's members their own groups' only (a desk-wide
reply speaks for the desk, which owns every incident)."""

from __future__ import annotations

from typing import Any

from cmdb.models import SupportGroup
from servicedesk.roles import Role, has_role


def manages_everything(user: Any) -> bool:
    return user.is_superuser or has_role(user, Role.MANAGERS)


def may_manage_desk_wide(user: Any) -> bool:
    return manages_everything(user) or has_role(user, Role.SERVICE_DESK)


def manageable_groups(user: Any) -> Any:
    """The support groups whose replies ``user`` may manage."""
    if manages_everything(user):
        return SupportGroup.objects.all()
    return SupportGroup.objects.filter(members=user)


def may_manage(user: Any, group_id: int | None, own_group_ids: frozenset[int] | None = None) -> bool:
    """``user`` may create or change a reply of ``group_id`` (None: desk-wide). ``own_group_ids``: the user's
    groups when already read (a list of replies asks once)."""
    if not (user.has_perm("incidents.add_cannedreply") or user.has_perm("incidents.change_cannedreply")):
        return False
    if manages_everything(user):
        return True
    if group_id is None:
        return may_manage_desk_wide(user)
    if own_group_ids is None:
        own_group_ids = frozenset(SupportGroup.objects.filter(members=user).values_list("pk", flat=True))
    return group_id in own_group_ids
