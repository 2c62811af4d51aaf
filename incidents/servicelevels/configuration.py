"""What recording a call reads of the desk's configuration, cached in each process (decision record 0037).

The priority matrix, the service levels with their coverage, targets and calendars, and the active webhook
subscriptions (decision record 0059) change a few times a year and are read on every recording. Each process keeps
them in memory and, inside the transaction that uses them, reads one stamp row that a database trigger moves on any
change to those tables (migrations 0028 and 0033): a web node or a worker sees an administrator's change with its
next recording, whatever changed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from incidents.choices import Priority
from incidents.models import (
    PriorityRule,
    ServiceLevel,
    ServiceLevelCoverage,
    ServiceLevelTarget,
    WebhookSubscription,
)
from incidents.priority import Matrix
from incidents.servicelevels.calendar import CalendarSpec, calendar_specs


@dataclass(frozen=True)
class Configuration:
    """The configuration as loaded under one stamp. Shared by every caller in the process: read it, never change
    it (nor the service levels and targets it hands out)."""

    stamp: int
    matrix: Matrix
    default_level: ServiceLevel | None
    levels_by_service: dict[int, ServiceLevel]
    specs: dict[int, CalendarSpec]
    targets: dict[tuple[int, int], ServiceLevelTarget | None] = field(default_factory=dict)
    # The active webhook subscriptions, by id: what ``webhooks_write`` reads for the journal entries of a recording.
    subscriptions: tuple[WebhookSubscription, ...] = ()

    def service_level_for(self, service_id: int | None) -> ServiceLevel | None:
        """The service level covering the service (a service has one at most), else the default one."""
        return self.levels_by_service.get(service_id, self.default_level) if service_id else self.default_level


_loaded: Configuration | None = None


def current() -> Configuration:
    """The configuration as committed now: one query (the stamp) while it is unchanged, seven when it moved."""
    global _loaded
    stamp = _stamp()
    # The stamp is read before the tables: what is loaded is at least as new as it, never older.
    if _loaded is None or _loaded.stamp != stamp:
        _loaded = _load(stamp)
    return _loaded


def _stamp() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stamp FROM incidents_configstamp WHERE id = 1")
        return cursor.fetchone()[0]


def _load(stamp: int) -> Configuration:
    levels = {level.pk: level for level in ServiceLevel.objects.all()}
    targets: dict[tuple[int, int], ServiceLevelTarget | None] = {
        (level_id, priority): None for level_id in levels for priority in Priority.values
    }
    for target in ServiceLevelTarget.objects.order_by():
        targets[target.service_level_id, target.priority] = target
    coverage = ServiceLevelCoverage.objects.values_list("service_id", "service_level_id")
    return Configuration(
        stamp=stamp,
        matrix={(rule.impact, rule.urgency): rule.priority for rule in PriorityRule.objects.all()},
        default_level=next((level for level in levels.values() if level.is_default), None),
        levels_by_service={service_id: levels[level_id] for service_id, level_id in coverage},
        specs=calendar_specs(),
        targets=targets,
        subscriptions=tuple(WebhookSubscription.objects.filter(active=True).order_by("pk")),
    )
