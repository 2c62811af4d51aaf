"""What a signed-in user may do, read in the statement that loads the user for the request.

Django's model backend reads a user's permissions in two statements of their own on every request that checks
one (the user's and the groups'), and the roles cost a third. Annotated on the user's own statement they cost
nothing more and are never stale: no cache to invalidate when a role changes (decision 0038).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q, Value
from django.db.models.functions import Concat

from servicedesk.roles import remember_roles


def access_of(user: str = "pk") -> dict[str, Any]:
    """The annotations ``access_permissions`` ("app_label.codename", the user's own and their groups') and
    ``access_groups`` (their groups' names) of the user whose id is the field ``user`` of the rows annotated."""
    permissions = (
        Permission.objects.filter(Q(user=OuterRef(user)) | Q(group__user=OuterRef(user)))
        .order_by()
        .values_list(Concat("content_type__app_label", Value("."), "codename"))
    )
    groups = Group.objects.filter(user=OuterRef(user)).order_by().values_list("name")
    return {"access_permissions": ArraySubquery(permissions), "access_groups": ArraySubquery(groups)}


def with_access(users: Any) -> Any:
    """Users annotated with what they may do (``access_of``)."""
    return users.annotate(**access_of())


def remember_access(user: Any, annotated: Any = None) -> Any:
    """Hand the permissions and roles annotated on ``annotated`` (the user, or a row that names them) to the model
    backend's and ``servicedesk.roles``' caches on the user object, so that checking them costs no statement. An
    administrator holds every permission, which the model backend reads itself (once a request)."""
    annotated = user if annotated is None else annotated
    if user.is_active and not user.is_superuser:
        user._perm_cache = set(annotated.access_permissions)
    remember_roles(user, annotated.access_groups)
    return user
