"""The CMDB part of the demo data (``serve --demo``): Kestrel Logistics, a small freight company.

The records are in ``cmdb/demo/data/*.toml`` (read by ``records``), the seeded callers and devices are
added by ``plan``; this loads them, creating only what is missing (docs/decisions/0015-demo-data-as-data.md).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from cmdb.choices import ChangeState, LocationKind
from cmdb.demo.plan import DemoPlan, demo_plan
from cmdb.demo.records import ORGANISATION, SERVICES
from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup

__all__ = ["DOMAIN", "DemoPlan", "demo_plan", "load_cmdb_demo"]

DOMAIN = ORGANISATION.domain


@transaction.atomic
def load_cmdb_demo() -> None:
    """Load Kestrel Logistics into the CMDB; rows are found by their natural keys (location parent and name,
    contact e-mail, group, CI and service name, change title) and only missing ones are created, in bulk."""
    plan = demo_plan()
    usernames = [staff.username for staff in ORGANISATION.staff]
    users = {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}
    groups = _load_groups(users)
    locations = _load_locations(plan.locations)
    _load_contacts(plan.contacts, locations, users)
    ci_ids = _load_cis(plan.cis, locations, groups)
    Relationship.objects.bulk_create(
        [Relationship(source_id=ci_ids[s], kind=kind, target_id=ci_ids[t]) for s, kind, t in plan.relationships],
        ignore_conflicts=True,
        batch_size=1000,
    )
    _load_services(ci_ids, groups)
    _load_changes(ci_ids)


# --- loading --------------------------------------------------------------------------------------------


def _load_groups(users: dict[str, Any]) -> dict[str, SupportGroup]:
    manager = users.get(ORGANISATION.group_manager)
    groups = {}
    for spec in ORGANISATION.groups:
        group, _ = SupportGroup.objects.get_or_create(
            name=spec.name,
            defaults={
                "tier": spec.tier,
                "email": f"{spec.mailbox}@{DOMAIN}",
                "description": spec.description,
                "manager": manager,
            },
        )
        if group.manager_id is None and manager is not None:
            group.manager = manager
            group.save(update_fields=["manager", "updated_at"])
        if present := [users[username] for username in spec.members if username in users]:
            group.members.add(*present)
        groups[spec.name] = group
    return groups


def _load_locations(rows: list[tuple[tuple[str, ...], LocationKind, str]]) -> dict[tuple[str, ...], Location]:
    """Level by level, so that each level's parents have their ids: four reads and at most four inserts."""
    by_path: dict[tuple[str, ...], Location] = {}
    for depth in (1, 2, 3, 4):
        level = [row for row in rows if len(row[0]) == depth]
        if depth == 1:
            found = Location.objects.filter(parent__isnull=True)
        else:
            found = Location.objects.filter(parent__in={by_path[path[:-1]].pk for path, _, _ in level})
        existing = {(location.parent_id, location.name.lower()): location for location in found}
        missing = []
        for path, kind, address in level:
            parent = by_path[path[:-1]] if depth > 1 else None
            location = existing.get((parent.pk if parent else None, path[-1].lower()))
            if location is None:
                location = Location(name=path[-1], kind=kind, parent=parent, address=address)
                missing.append(location)
            by_path[path] = location
        Location.objects.bulk_create(missing)
    return by_path


def _load_contacts(
    rows: list[dict[str, Any]], locations: dict[tuple[str, ...], Location], users: dict[str, Any]
) -> None:
    emails = [row["email"] for row in rows]
    existing = set(
        Contact.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .values_list("email_lower", flat=True)
    )
    fields = ("first_name", "last_name", "email", "phone", "mobile", "department", "vip")
    Contact.objects.bulk_create(
        [
            Contact(**{field: row[field] for field in fields}, workplace=locations[row["workplace"]])
            for row in rows
            if row["email"] not in existing
        ],
        batch_size=500,
    )
    for row in rows:
        user = users.get(row.get("username", ""))
        if user is not None and not Contact.objects.filter(user=user).exists():
            Contact.objects.filter(email__iexact=row["email"], user__isnull=True).update(user=user)


def _load_cis(
    rows: list[dict[str, Any]], locations: dict[tuple[str, ...], Location], groups: dict[str, SupportGroup]
) -> dict[str, int]:
    ids = dict(ConfigurationItem.objects.filter(name__in=[row["name"] for row in rows]).values_list("name", "id"))
    missing = [
        ConfigurationItem(
            **{
                **row,
                "location": locations[row["location"]] if row["location"] else None,
                "owner_group": groups[row["owner_group"]],
            }
        )
        for row in rows
        if row["name"] not in ids
    ]
    ConfigurationItem.objects.bulk_create(missing, batch_size=500)
    ids.update((ci.name, ci.pk) for ci in missing)
    return ids


def _load_services(ci_ids: dict[str, int], groups: dict[str, SupportGroup]) -> None:
    links = []
    for spec in SERVICES.services:
        defaults = {"criticality": spec.criticality, "owner_group": groups[spec.owner], "description": spec.description}
        service, _ = Service.objects.get_or_create(name=spec.name, defaults=defaults)
        links += [Service.cis.through(service_id=service.pk, configurationitem_id=ci_ids[name]) for name in spec.cis]
    Service.cis.through.objects.bulk_create(links, ignore_conflicts=True)


def _load_changes(ci_ids: dict[str, int]) -> None:
    """Find changes by title and (re)set their window around the current hour, so the demo stays current."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    existing: dict[str, Change] = {}
    for change in Change.objects.filter(title__in=[spec.title for spec in SERVICES.changes]).order_by("-id"):
        existing[change.title] = change  # the oldest of duplicate titles wins
    to_create, to_update, affected = [], [], []
    for spec in SERVICES.changes:
        start = hour + datetime.timedelta(hours=spec.start)
        end = start + datetime.timedelta(hours=spec.hours)
        implemented_at = {
            ChangeState.COMPLETED: end - datetime.timedelta(minutes=25),
            ChangeState.FAILED: start + datetime.timedelta(minutes=70),
        }.get(spec.state)
        values = {
            "state": spec.state,
            "planned_start": start,
            "planned_end": end,
            "implemented_at": implemented_at,
            "description": spec.description,
        }
        change = existing.get(spec.title)
        if change is None:
            change = Change(title=spec.title, **values)
            to_create.append(change)
        else:
            for field, value in values.items():
                setattr(change, field, value)
            to_update.append(change)
        affected.append((change, spec.cis))
    Change.objects.bulk_create(to_create)
    Change.objects.bulk_update(to_update, ["state", "planned_start", "planned_end", "implemented_at", "description"])
    Change.cis.through.objects.bulk_create(
        [
            Change.cis.through(change_id=change.pk, configurationitem_id=ci_ids[name])
            for change, names in affected
            for name in names
        ],
        ignore_conflicts=True,
    )
