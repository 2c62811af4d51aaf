"""What each kind of CMDB spreadsheet holds: its columns (the template's header), its natural key, and how a row
becomes a record, reading choices, yes/no cells and names as people write them (decision record 0012)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cmdb.choices import CIClass, CIStatus, LocationKind, RelationshipKind
from cmdb.models import ConfigurationItem, Contact, Location, Relationship, SupportGroup
from cmdb.selectors import by_name

PATH_SEPARATOR = " / "
_SEPARATOR = re.compile(r"\s*/\s*")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Column:
    """One column of a CSV file: its header name, a one-line explanation and a value for the template."""

    name: str
    help: str | Promise
    example: str = ""
    choices: type[models.Choices] | None = None

    @property
    def options(self) -> str:
        """The labels a choice column accepts, in the current language."""
        if self.choices is None:
            return ""
        return ", ".join(str(label) for label in self.choices.labels)


class RowInvalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Errors = dict[str, list[str]]


class Lookups:
    """Finds the records a row names (locations by path, groups and CIs by name) during one import."""

    def __init__(self) -> None:
        self._children: dict[int | None, list[Location]] = {}
        self._groups: dict[str, SupportGroup] = {}
        self._cis: dict[str, ConfigurationItem] = {}

    def location(self, path: str) -> Location | None:
        """The location at ``path``: names from the site down, separated by "/", in any case.

        Names may contain "/" themselves: at each level the longest matching child name wins.
        """
        parent: Location | None = None
        rest = path.strip()
        while rest:
            children = self._children_of(parent.pk if parent else None)
            for child in children:
                name = child.name.strip()
                head = rest[: len(name)]
                if head.lower() != name.lower():
                    continue
                if len(rest) == len(name):
                    return child
                separator = _SEPARATOR.match(rest, len(name))
                if separator:
                    parent, rest = child, rest[separator.end() :]
                    break
            else:
                return None
        return parent  # a path that ends in "/" names its last location

    def forget_locations(self) -> None:
        """Locations were added or renamed: read them afresh."""
        self._children.clear()

    def _children_of(self, parent_id: int | None) -> list[Location]:
        if parent_id not in self._children:
            children = list(Location.objects.filter(parent_id=parent_id))
            children.sort(key=lambda location: len(location.name), reverse=True)
            self._children[parent_id] = children
        return self._children[parent_id]

    def group(self, name: str) -> SupportGroup | None:
        key = name.lower()
        if key not in self._groups:
            found = by_name(SupportGroup.objects.all(), name)
            if found is None:
                return None
            self._groups[key] = found
        return self._groups[key]

    def ci(self, name: str) -> ConfigurationItem | None:
        key = name.lower()
        if key not in self._cis:
            found = by_name(ConfigurationItem.objects.all(), name)
            if found is None:
                return None
            self._cis[key] = found
        return self._cis[key]


def location_path(location: Location | None) -> str:
    """ "Amsterdam HQ / Building A / Floor 2": the names from the site down to ``location``."""
    names = []
    while location is not None:
        names.append(location.name)
        location = location.parent
    return PATH_SEPARATOR.join(reversed(names))


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _choice(row: Mapping[str, str], column: str, choices: type[models.Choices], default: str) -> str:
    """The value for a value or label in any case; anything else goes to the model, which refuses it."""
    raw = row[column]
    if not raw:
        return default
    wanted = raw.casefold()
    for value, label in choices.choices:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return value
    return raw


def _boolean(row: Mapping[str, str], column: str, default: bool, errors: Errors) -> bool:
    raw = row[column].casefold()
    if not raw:
        return default
    if raw in _YES or raw == gettext("yes").casefold():
        return True
    if raw in _NO or raw == gettext("no").casefold():
        return False
    errors.setdefault(column, []).append(gettext("“%(value)s” is not yes or no.") % {"value": row[column]})
    return default


def _location(row: Mapping[str, str], column: str, lookups: Lookups, errors: Errors) -> Location | None:
    path = row[column]
    if not path:
        return None
    found = lookups.location(path)
    if found is None:
        errors.setdefault(column, []).append(gettext("There is no location “%(path)s”.") % {"path": path})
    return found


def _group(row: Mapping[str, str], column: str, lookups: Lookups, errors: Errors) -> SupportGroup | None:
    name = row[column]
    if not name:
        return None
    found = lookups.group(name)
    if found is None:
        errors.setdefault(column, []).append(gettext("There is no support group named “%(name)s”.") % {"name": name})
    return found


def _ci(row: Mapping[str, str], column: str, lookups: Lookups, errors: Errors) -> ConfigurationItem | None:
    name = row[column]
    if not name:
        field = Relationship._meta.get_field(column)
        errors.setdefault(column, []).append(str(field.error_messages["blank"]))
        return None
    found = lookups.ci(name)
    if found is None:
        errors.setdefault(column, []).append(
            gettext("There is no configuration item named “%(name)s”.") % {"name": name}
        )
    return found


def _json_object(row: Mapping[str, str], column: str, errors: Errors) -> Any:
    raw = row[column]
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError as error:
        errors.setdefault(column, []).append(
            gettext('This is not valid JSON (%(reason)s); write it like {"ram_gb": 16}.') % {"reason": error}
        )
        return {}


class Importer:
    """How one kind of CSV file maps onto a model. Subclasses name the columns and the natural key."""

    kind: ClassVar[str]
    model: ClassVar[type[models.Model]]
    label: ClassVar[str | Promise]
    key_help: ClassVar[str | Promise]
    columns: ClassVar[tuple[Column, ...]]
    # The model's attributes a row sets: when none of them changes, the record is "unchanged".
    fields: ClassVar[tuple[str, ...]]
    # Model field → column, where the names differ (for the error messages and for full_clean).
    field_columns: ClassVar[dict[str, str]] = {}

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def example(self) -> list[str]:
        return [column.example for column in self.columns]

    @property
    def permissions(self) -> tuple[str, str]:
        name = self.model._meta.model_name
        return (f"cmdb.add_{name}", f"cmdb.change_{name}")

    def column_for(self, field_name: str) -> str:
        return self.field_columns.get(field_name, field_name)

    def find(self, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> models.Model | None:
        """The record this row describes, found by its natural key; None when it is new."""
        raise NotImplementedError

    def apply(self, instance: Any, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> None:
        """Set the record's fields from the row; names that resolve to nothing go to ``errors``."""
        raise NotImplementedError

    def saved(self, instance: Any, lookups: Lookups) -> None:
        """Called once the row's record is saved."""

    def repeated(self, line: int) -> str:
        return gettext("Line %(line)s already has this %(thing)s; list each only once.") % {
            "line": line,
            "thing": self.model._meta.verbose_name,
        }

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        """The queryset with everything ``export_row`` reads, so an export takes a fixed number of queries."""
        return queryset

    def export_row(self, instance: Any) -> list[str]:
        raise NotImplementedError


class LocationImporter(Importer):
    kind = "locations"
    model = Location
    label = _("Locations")
    key_help = _("A row is matched on its parent's path and its name: list sites before their buildings.")
    columns = (
        Column("name", _("The location's name, unique within its parent."), "Floor 2"),
        Column(
            "parent",
            _("The path of the location it is part of, from the site down; empty for a site."),
            "Amsterdam HQ / Building A",
        ),
        Column("kind", _("Site, building, floor or room; empty means site."), "floor", LocationKind),
        Column("address", _("The postal address (sites and buildings)."), ""),
    )
    fields = ("name", "kind", "parent_id", "address")

    def find(self, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> Location | None:
        parent = _location(row, "parent", lookups, errors)
        if errors or not row["name"]:
            return None
        return (
            Location.objects.select_for_update().filter(parent=parent, name__iexact=row["name"]).order_by("pk").first()
        )

    def apply(self, instance: Location, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> None:
        instance.name = row["name"]
        instance.kind = _choice(row, "kind", LocationKind, LocationKind.SITE)
        instance.parent = _location(row, "parent", lookups, errors)
        instance.address = row["address"]

    def saved(self, instance: Location, lookups: Lookups) -> None:
        lookups.forget_locations()

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        # Parents before children (sites, then buildings, then floors...), so the file imports in order.
        return queryset.select_related("parent__parent__parent").order_by(
            models.F("parent__parent__parent__name").asc(nulls_first=True),
            models.F("parent__parent__name").asc(nulls_first=True),
            models.F("parent__name").asc(nulls_first=True),
            "name",
            "pk",
        )

    def export_row(self, instance: Location) -> list[str]:
        return [instance.name, location_path(instance.parent), instance.kind, instance.address]


class ContactImporter(Importer):
    kind = "contacts"
    model = Contact
    label = _("Contacts")
    key_help = _("A row is matched on its e-mail address, in any case; rows without one are refused.")
    columns = (
        Column("email", _("The caller's e-mail address: required, it identifies the row."), "j.jansen@example.org"),
        Column("first_name", _("First name."), "Jan"),
        Column("last_name", _("Last name."), "Jansen"),
        Column("phone", _("Phone number, as people dial it."), "+31 20 555 1234"),
        Column("mobile", _("Mobile number."), ""),
        Column("department", _("Department."), "Finance"),
        Column("workplace", _("The path of the location where the caller works."), "Amsterdam HQ / Building A"),
        Column("vip", _("Yes for callers whose incidents get extra attention; empty means no."), "no"),
        Column("active", _("No for callers who left; empty means yes."), "yes"),
    )
    fields = ("email", "first_name", "last_name", "phone", "mobile", "department", "workplace_id", "vip", "active")

    def find(self, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> Contact | None:
        if not row["email"]:
            errors.setdefault("email", []).append(
                gettext("An e-mail address is required: it is how the row is matched when it is imported again.")
            )
            return None
        return Contact.objects.select_for_update().filter(email__iexact=row["email"]).order_by("pk").first()

    def apply(self, instance: Contact, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> None:
        instance.email = row["email"]
        instance.first_name = row["first_name"]
        instance.last_name = row["last_name"]
        instance.phone = row["phone"]
        instance.mobile = row["mobile"]
        instance.department = row["department"]
        instance.workplace = _location(row, "workplace", lookups, errors)
        instance.vip = _boolean(row, "vip", False, errors)
        instance.active = _boolean(row, "active", True, errors)

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("workplace__parent__parent__parent")

    def export_row(self, instance: Contact) -> list[str]:
        return [
            instance.email,
            instance.first_name,
            instance.last_name,
            instance.phone,
            instance.mobile,
            instance.department,
            location_path(instance.workplace),
            yes_no(instance.vip),
            yes_no(instance.active),
        ]


class CIImporter(Importer):
    kind = "cis"
    model = ConfigurationItem
    label = _("Configuration items")
    key_help = _("A row is matched on the configuration item's name.")
    columns = (
        Column("name", _("The CI's unique name."), "vm-042"),
        Column("class", _("What kind of CI it is; empty means server."), "vm", CIClass),
        Column("status", _("Its life-cycle status; empty means live."), "live", CIStatus),
        Column("serial_number", _("The manufacturer's serial number."), ""),
        Column("asset_tag", _("The asset tag, unique when given."), "AT-10042"),
        Column("location", _("The path of the location where it stands."), "Amsterdam HQ / Building A"),
        Column("owner_group", _("The name of the support group that owns it."), "Infrastructure"),
        Column("attributes", _("Free attributes as a JSON object, or empty."), '{"ram_gb": 16, "os": "Debian 13"}'),
        Column("description", _("Free text."), ""),
    )
    fields = (
        "name",
        "ci_class",
        "status",
        "serial_number",
        "asset_tag",
        "location_id",
        "owner_group_id",
        "attributes",
        "description",
    )
    field_columns: ClassVar[dict[str, str]] = {"ci_class": "class"}

    def find(self, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> ConfigurationItem | None:
        return by_name(ConfigurationItem.objects.select_for_update(), row["name"])

    def apply(self, instance: ConfigurationItem, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> None:
        instance.name = row["name"]
        instance.ci_class = _choice(row, "class", CIClass, CIClass.SERVER)
        instance.status = _choice(row, "status", CIStatus, CIStatus.LIVE)
        instance.serial_number = row["serial_number"]
        instance.asset_tag = row["asset_tag"]
        instance.location = _location(row, "location", lookups, errors)
        instance.owner_group = _group(row, "owner_group", lookups, errors)
        instance.attributes = _json_object(row, "attributes", errors)
        instance.description = row["description"]

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("location__parent__parent__parent", "owner_group")

    def export_row(self, instance: ConfigurationItem) -> list[str]:
        attributes = instance.attributes
        return [
            instance.name,
            instance.ci_class,
            instance.status,
            instance.serial_number,
            instance.asset_tag,
            location_path(instance.location),
            instance.owner_group.name if instance.owner_group else "",
            json.dumps(attributes, ensure_ascii=False, sort_keys=True) if attributes else "",
            instance.description,
        ]


class RelationshipImporter(Importer):
    kind = "relationships"
    model = Relationship
    label = _("Relationships")
    key_help = _("A row is the whole relationship: source, kind and target. Import the CIs first.")
    columns = (
        Column("source", _("The name of the CI that depends on, runs on or connects to the target."), "payroll-app"),
        Column("kind", _("How the source relates to the target; empty means depends on."), "runs on", RelationshipKind),
        Column("target", _("The name of the CI the source relates to."), "vm-042"),
    )
    fields = ("source_id", "kind", "target_id")

    def find(self, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> Relationship | None:
        source = _ci(row, "source", lookups, errors)
        target = _ci(row, "target", lookups, errors)
        if errors:
            return None
        kind = _choice(row, "kind", RelationshipKind, RelationshipKind.DEPENDS_ON)
        return Relationship.objects.filter(source=source, target=target, kind=kind).first()

    def apply(self, instance: Relationship, row: Mapping[str, str], lookups: Lookups, errors: Errors) -> None:
        # find() has resolved both names without errors, so the lookups answer from memory.
        instance.source = lookups.ci(row["source"])
        instance.target = lookups.ci(row["target"])
        instance.kind = _choice(row, "kind", RelationshipKind, RelationshipKind.DEPENDS_ON)

    def repeated(self, line: int) -> str:
        unique = next(c for c in Relationship._meta.constraints if c.name == "cmdb_relationship_unique")
        return "{} {}".format(unique.violation_error_message, gettext("(line %(line)s)") % {"line": line})

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("source", "target")

    def export_row(self, instance: Relationship) -> list[str]:
        return [instance.source.name, instance.kind, instance.target.name]


IMPORTERS: dict[str, Importer] = {
    importer.kind: importer
    for importer in (LocationImporter(), ContactImporter(), CIImporter(), RelationshipImporter())
}


def can_import(user: User, importer: Importer) -> bool:
    """Importing creates and changes records, so it takes both permissions (configuration managers)."""
    return user.is_active and user.has_perms(importer.permissions)


def importers_for(user: User) -> list[Importer]:
    return [importer for importer in IMPORTERS.values() if can_import(user, importer)]
