"""Choice sets of the CMDB, each value with its label and the badge colour the pages show it in.

CMDB statuses are plain choices, freely editable: no state machine guards them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BadgeChoices(models.TextChoices):
    """TextChoices whose members know their badge colour (a CSS modifier: ok, warn, bad, info, muted)."""

    @property
    def colour(self) -> str:
        return BADGE_COLOURS[type(self)].get(self, "muted")


class LocationKind(models.TextChoices):
    SITE = "site", _("Site")
    BUILDING = "building", _("Building")
    FLOOR = "floor", _("Floor")
    ROOM = "room", _("Room")


# A location's parent must be of a higher level: a room sits on a floor, a floor in a building...
LOCATION_LEVEL = {LocationKind.SITE: 0, LocationKind.BUILDING: 1, LocationKind.FLOOR: 2, LocationKind.ROOM: 3}


class SupportTier(models.IntegerChoices):
    SERVICE_DESK = 1, _("Tier 1 · service desk")
    SECOND_LINE = 2, _("Tier 2 · second line")
    THIRD_LINE = 3, _("Tier 3 · third line")


class Criticality(BadgeChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class CIClass(models.TextChoices):
    SERVER = "server", _("Server")
    VIRTUAL_MACHINE = "vm", _("Virtual machine")
    APPLICATION = "application", _("Application")
    DATABASE = "database", _("Database")
    NETWORK_DEVICE = "network", _("Network device")
    STORAGE = "storage", _("Storage")
    WORKSTATION = "workstation", _("Workstation")
    LAPTOP = "laptop", _("Laptop")
    PRINTER = "printer", _("Printer")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class CIStatus(BadgeChoices):
    PLANNED = "planned", _("Planned")
    LIVE = "live", _("Live")
    MAINTENANCE = "maintenance", _("In maintenance")
    RETIRED = "retired", _("Retired")


class RelationshipKind(models.TextChoices):
    """How the source CI relates to the target CI; read as "source <kind> target"."""

    DEPENDS_ON = "depends_on", _("depends on")
    RUNS_ON = "runs_on", _("runs on")
    CONNECTED_TO = "connected_to", _("connected to")


class ChangeState(BadgeChoices):
    PLANNED = "planned", _("Planned")
    APPROVED = "approved", _("Approved")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


BADGE_COLOURS: dict[type[BadgeChoices], dict[BadgeChoices, str]] = {
    Criticality: {
        Criticality.LOW: "muted",
        Criticality.MEDIUM: "info",
        Criticality.HIGH: "warn",
        Criticality.CRITICAL: "bad",
    },
    CIStatus: {
        CIStatus.PLANNED: "info",
        CIStatus.LIVE: "ok",
        CIStatus.MAINTENANCE: "warn",
        CIStatus.RETIRED: "muted",
    },
    ChangeState: {
        ChangeState.PLANNED: "info",
        ChangeState.APPROVED: "info",
        ChangeState.IN_PROGRESS: "warn",
        ChangeState.COMPLETED: "ok",
        ChangeState.FAILED: "bad",
        ChangeState.CANCELLED: "muted",
    },
}
