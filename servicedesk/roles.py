"""Roles of the service desk, as Django groups with the permissions each role needs.

The groups are created by a data migration (``servicedesk/migrations/0002_roles.py``), so they exist on
every installation, including an empty one. Their permissions are granted after every ``migrate`` from
``ROLE_PERMISSIONS``: a permission exists only once its model has been migrated, and keeping the map in
one place lets each feature add to it. Administrators are superusers and hold every permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    SERVICE_DESK = "Service desk"
    SUPPORT = "Support"
    MANAGERS = "Managers"
    CONFIGURATION_MANAGERS = "Configuration managers"


ROLE_LABELS = {
    Role.SERVICE_DESK: _("Service desk operator"),
    Role.SUPPORT: _("Support group member"),
    Role.MANAGERS: _("Manager"),
    Role.CONFIGURATION_MANAGERS: _("Configuration manager"),
}

CMDB_MODELS = ("location", "contact", "supportgroup", "service", "configurationitem", "relationship", "change")
# Every signed-in member of staff reads the CMDB; configuration managers also edit and import it.
CMDB_READ = tuple(f"cmdb.view_{model}" for model in CMDB_MODELS)
CMDB_EDIT = tuple(f"cmdb.{action}_{model}" for model in CMDB_MODELS for action in ("add", "change", "delete"))

# The desk and support read the knowledge base and write known errors and articles; publishing a known
# error is support's call; problems are managed by support and managers.
KNOWLEDGE_READ = tuple(f"knowledge.view_{model}" for model in ("category", "problem", "knownerror", "article"))
KNOWLEDGE_WRITE = ("knowledge.add_knownerror", "knowledge.change_knownerror", "knowledge.add_article",
                   "knowledge.change_article")  # fmt: skip
PROBLEM_MANAGEMENT = ("knowledge.add_problem", "knowledge.change_problem")
PUBLISH_KNOWN_ERRORS = ("knowledge.publish_knownerror",)

# Only the service desk records incidents (add_incident); everyone in a role reads them.
INCIDENT_READ = ("incidents.view_incident", "incidents.view_activity")
# The desk adds a caller it does not know yet while logging the call.
INCIDENT_RECORD = ("incidents.add_incident", "incidents.change_incident", "cmdb.add_contact")
# The lifecycle (incidents.lifecycle): the desk owns every incident and takes the desk's steps on any of
# them; group work (acknowledge, assign, resolve after investigation) also needs membership of the
# assigned group, which the transitions' rules check. The desk holds it too, for operators who are also
# members of a support group.
INCIDENT_DESK_STEPS = tuple(
    f"incidents.{step}_incident" for step in ("classify", "resolve", "escalate", "assign", "reopen", "close")
)
INCIDENT_GROUP_WORK = ("incidents.work_incident",)
# Alerts from monitoring come in with a token of an account holding add_alert: the desk's, whose intake they
# land in (a monitoring account may be given add_alert alone; decision record 0029).
INCIDENT_ALERTS = ("incidents.add_alert",)
# Managers watch the dashboard; the desk, which owns every incident, sees it too.
DASHBOARD = ("incidents.view_dashboard",)

# Canned replies: every role that writes to callers uses and writes them; their scope (desk-wide, a group's) is
# checked by incidents.canned.rules. None is ever deleted (deactivated instead, with their history).
CANNED_REPLIES = ("incidents.view_cannedreply", "incidents.add_cannedreply", "incidents.change_cannedreply")
# Incident templates: the desk, which logs the calls, writes them, and so do its managers; none is ever deleted.
INCIDENT_TEMPLATES = (
    "incidents.view_incidenttemplate",
    "incidents.add_incidenttemplate",
    "incidents.change_incidenttemplate",
)

# "app_label.codename" per role. Features add their permissions here.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.SERVICE_DESK: CMDB_READ
    + KNOWLEDGE_READ
    + KNOWLEDGE_WRITE
    + INCIDENT_READ
    + INCIDENT_RECORD
    + INCIDENT_ALERTS
    + INCIDENT_DESK_STEPS
    + INCIDENT_GROUP_WORK
    + DASHBOARD
    + CANNED_REPLIES
    + INCIDENT_TEMPLATES,
    Role.SUPPORT: CMDB_READ
    + KNOWLEDGE_READ
    + KNOWLEDGE_WRITE
    + PUBLISH_KNOWN_ERRORS
    + PROBLEM_MANAGEMENT
    + INCIDENT_READ
    + INCIDENT_GROUP_WORK
    + CANNED_REPLIES,
    Role.MANAGERS: CMDB_READ
    + KNOWLEDGE_READ
    + PROBLEM_MANAGEMENT
    + INCIDENT_READ
    + DASHBOARD
    + CANNED_REPLIES
    + INCIDENT_TEMPLATES,
    Role.CONFIGURATION_MANAGERS: CMDB_READ + CMDB_EDIT,
}


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles a user holds, read once per request and cached on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_servicedesk_roles", None)
    if cached is None:
        cached = remember_roles(user, user.groups.values_list("name", flat=True))
    return cached


def remember_roles(user: AbstractBaseUser, group_names: Iterable[str]) -> frozenset[Role]:
    """Keep on the user object the roles of its groups, named (read with the user: ``servicedesk.access``)."""
    names = set(group_names)
    user._servicedesk_roles = frozenset(role for role in Role if role.value in names)
    return user._servicedesk_roles


def has_role(user: AbstractBaseUser | AnonymousUser, role: Role) -> bool:
    return role in user_roles(user)


def grant_role_permissions(sender: Any = None, **kwargs: Any) -> None:
    """Give each role group the permissions of ``ROLE_PERMISSIONS`` that exist by now (post_migrate).

    ``migrate`` sends post_migrate once for each app, so this runs a dozen times a migrate: the groups and the
    permissions are read in one statement each, not one a permission and role (about 2,000 a migrate)."""
    using = kwargs.get("using", "default")
    groups = Group.objects.using(using).in_bulk([role.value for role in ROLE_PERMISSIONS], field_name="name")
    if not groups:  # before the roles migration has run (a partial migrate)
        return
    existing = _permission_ids({name for names in ROLE_PERMISSIONS.values() for name in names}, using)
    for role, wanted in ROLE_PERMISSIONS.items():
        group = groups.get(role.value)
        if group is not None:
            group.permissions.add(*(existing[name] for name in wanted if name in existing))


def _permission_ids(names: set[str], using: str) -> dict[str, int]:
    """The id of each permission of ``names`` ("app_label.codename") that exists."""
    rows = Permission.objects.using(using).filter(codename__in={name.split(".", 1)[1] for name in names})
    found = rows.values_list("content_type__app_label", "codename", "pk")
    return {f"{app_label}.{codename}": pk for app_label, codename, pk in found if f"{app_label}.{codename}" in names}
