"""The CMDB demo as plain data, computed from the records without the database: the same on every call (seeded).

The records give the sites, groups and most CIs; this adds the callers and the end-user devices, drawn from
one seeded generator (no Faker: production installs have no dev dependencies), and every CI's serial number.
"""

from __future__ import annotations

import datetime
import itertools
import random
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from cmdb.choices import CIClass, CIStatus, LocationKind, RelationshipKind
from cmdb.demo.records import (
    APPLICATIONS,
    INFRASTRUCTURE,
    ORGANISATION,
    VIRTUAL_MACHINES,
    WORKPLACE,
    Department,
    DeviceModel,
    Devices,
    room_keys,
)

SEED = 1907
DEPENDS_ON, RUNS_ON, CONNECTED_TO = RelationshipKind.DEPENDS_ON, RelationshipKind.RUNS_ON, RelationshipKind.CONNECTED_TO


@dataclass(frozen=True)
class _Room:
    path: tuple[str, str, str, str]
    site: str
    building: str
    floor: str
    departments: tuple[str, ...]

    @property
    def switch(self) -> str:
        """The access switch of the room's floor."""
        return f"sw-{self.site}-{self.building}-{self.floor}"


@dataclass
class DemoPlan:
    """Everything the demo loads, as plain data: locations, contacts, CIs and relationships."""

    locations: list[tuple[tuple[str, ...], LocationKind, str]]
    contacts: list[dict[str, Any]]
    cis: list[dict[str, Any]]
    relationships: list[tuple[str, RelationshipKind, str]]


def demo_plan() -> DemoPlan:
    """The demo data computed without the database; the same on every call (seeded)."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    contacts = _contact_plan(rng)
    inventory = _Inventory(rng)
    _infrastructure(inventory)
    _virtual_machines(inventory)
    _databases_and_applications(inventory)
    _end_user_devices(inventory, contacts)
    return DemoPlan(_location_plan(), contacts, list(inventory.cis.values()), inventory.relationships())


def _rooms() -> list[_Room]:
    return [
        _Room((site.name, building.name, floor.name, room), site.code, building.code, floor.code, departments)
        for site in ORGANISATION.sites
        for building in site.buildings
        for floor in building.floors
        for room, departments in floor.rooms.items()
    ]


def _room(key: str) -> _Room:
    """A room by its key in the data files, "<site code>/<building code>/<room>" (checked when read)."""
    path = room_keys()[key]
    return next(room for room in _rooms() if room.path == path)


def _location_plan() -> list[tuple[tuple[str, ...], LocationKind, str]]:
    rows: list[tuple[tuple[str, ...], LocationKind, str]] = []
    for site in ORGANISATION.sites:
        rows.append(((site.name,), LocationKind.SITE, site.address))
        for building in site.buildings:
            rows.append(((site.name, building.name), LocationKind.BUILDING, ""))
            for floor in building.floors:
                rows.append(((site.name, building.name, floor.name), LocationKind.FLOOR, ""))
                rows.extend(
                    ((site.name, building.name, floor.name, room), LocationKind.ROOM, "") for room in floor.rooms
                )
    return rows


def _email(first: str, last: str) -> str:
    def slug(name: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z]", "", ascii_name.lower())

    return f"{slug(first)}.{slug(last)}@{ORGANISATION.domain}"


def _contact_plan(rng: random.Random) -> list[dict[str, Any]]:
    rooms_of: dict[str, list[_Room]] = defaultdict(list)
    for room in _rooms():
        for department in room.departments:
            rooms_of[department].append(room)
    switchboards = {site.code: site.switchboard for site in ORGANISATION.sites}
    extensions = {code: itertools.count(2000 + 100 * n) for n, code in enumerate(switchboards)}
    taken = {_email(staff.first_name, staff.last_name) for staff in ORGANISATION.staff}
    mobiles: set[str] = set()
    first_names, last_names = ORGANISATION.first_names, ORGANISATION.last_names

    def person(first: str, last: str, department: str, room: _Room, *, vip: bool, desk_phone: bool) -> dict[str, Any]:
        phone = f"{switchboards[room.site]} {next(extensions[room.site])}" if desk_phone else ""
        mobile = ""
        if vip or rng.random() < shares.get(department, 0.25):
            while not mobile or mobile in mobiles:
                mobile = f"+31 6 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
            mobiles.add(mobile)
        return {
            "first_name": first,
            "last_name": last,
            "email": _email(first, last),
            "phone": phone,
            "mobile": mobile,
            "department": department,
            "vip": vip,
            "workplace": room.path,
            "room": room,
        }

    shares = {department.name: department.mobile_share for department in ORGANISATION.departments}
    people = []
    for department in ORGANISATION.departments:
        for index in range(department.headcount):
            first, last = rng.choice(first_names), rng.choice(last_names)
            while _email(first, last) in taken:
                first, last = rng.choice(first_names), rng.choice(last_names)
            taken.add(_email(first, last))
            vip = department.vips == "all" or (index == 0 and department.vips == "first")
            desk_phone = department.desk_phone_share >= 1 or rng.random() < department.desk_phone_share
            room = rng.choice(rooms_of[department.name])
            people.append(person(first, last, department.name, room, vip=vip, desk_phone=desk_phone))
    for staff in ORGANISATION.staff:
        room = _room(staff.room)
        contact = person(staff.first_name, staff.last_name, staff.department, room, vip=False, desk_phone=True)
        people.append({**contact, "username": staff.username})
    return people


class _Inventory:
    """Collects CIs and relationships by name; physical CIs get a serial number and an asset tag."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cis: dict[str, dict[str, Any]] = {}
        self.links: dict[tuple[str, RelationshipKind, str], None] = {}
        self._asset_numbers = itertools.count(10001)
        self._serials: set[str] = set()

    def add(
        self,
        name: str,
        ci_class: CIClass,
        owner: str,
        *,
        location: tuple[str, ...] | None = None,
        status: CIStatus = CIStatus.LIVE,
        vendor: str = "",
        attributes: dict[str, Any] | None = None,
        description: str = "",
    ) -> str:
        if name in self.cis:
            raise ValueError(f"CI {name!r} planned twice")
        self.cis[name] = {
            "name": name,
            "ci_class": ci_class,
            "status": status,
            "serial_number": self._serial(vendor) if vendor else "",
            "asset_tag": f"KL-{next(self._asset_numbers)}" if vendor else "",
            "location": location,
            "owner_group": owner,
            "attributes": attributes or {},
            "description": description,
        }
        return name

    def link(self, source: str, kind: RelationshipKind, *targets: str) -> None:
        for target in targets:
            self.links[(source, kind, target)] = None

    def relationships(self) -> list[tuple[str, RelationshipKind, str]]:
        for source, _kind, target in self.links:
            if source not in self.cis or target not in self.cis:
                raise ValueError(f"relationship {source!r} → {target!r} names an unplanned CI")
        return list(self.links)

    def _serial(self, vendor: str) -> str:
        serial_format = INFRASTRUCTURE.serial_formats[vendor]
        serial = ""
        while not serial or serial in self._serials:
            random_part = "".join(self.rng.choice(serial_format.alphabet) for _ in range(serial_format.length))
            serial = serial_format.prefix + random_part
        self._serials.add(serial)
        return serial

    def purchased(self, when: tuple[int, int] | str) -> str:
        """A date drawn within the years ``when``, or the date ``when`` itself."""
        if isinstance(when, str):
            return when
        start = datetime.date(when[0], 1, 1)
        days = (datetime.date(when[1], 12, 31) - start).days
        return (start + datetime.timedelta(days=self.rng.randint(0, days))).isoformat()


def _infrastructure(inv: _Inventory) -> None:
    for ci in INFRASTRUCTURE.cis:
        inv.add(
            ci.name,
            ci.ci_class,
            ci.owner,
            location=_room(ci.room).path if ci.room else None,
            status=ci.status,
            vendor=ci.vendor,
            attributes=ci.attributes,
            description=ci.description,
        )
        inv.link(ci.name, CONNECTED_TO, *ci.connected_to)
        inv.link(ci.name, DEPENDS_ON, *ci.depends_on)
        inv.link(ci.name, RUNS_ON, *ci.runs_on)


def _virtual_machines(inv: _Inventory) -> None:
    """Each on the next host of its cluster (from a seeded start), with the cluster's next address."""
    clusters = VIRTUAL_MACHINES.clusters
    next_host = {name: itertools.count(inv.rng.randrange(len(cluster.hosts))) for name, cluster in clusters.items()}
    addresses = {name: itertools.count(11) for name in clusters}
    for vm in VIRTUAL_MACHINES.vms:
        attributes: dict[str, Any] = {
            "os": vm.os,
            "cpu": vm.cpu,
            "ram_gb": vm.ram_gb,
            "disk_gb": inv.rng.choice(VIRTUAL_MACHINES.disk_sizes_gb),
        }
        if vm.cluster:
            attributes["ip"] = f"{clusters[vm.cluster].network}.{next(addresses[vm.cluster])}"
        inv.add(
            vm.name,
            CIClass.VIRTUAL_MACHINE,
            VIRTUAL_MACHINES.owner,
            status=vm.status,
            attributes=attributes,
            description=vm.description,
        )
        if vm.cluster:
            hosts = clusters[vm.cluster].hosts
            inv.link(vm.name, RUNS_ON, hosts[next(next_host[vm.cluster]) % len(hosts)])
        inv.link(vm.name, CONNECTED_TO, *vm.connected_to)


def _databases_and_applications(inv: _Inventory) -> None:
    for db in APPLICATIONS.databases:
        attributes = {"engine": db.engine, "size_gb": db.size_gb}
        inv.add(
            db.name, CIClass.DATABASE, APPLICATIONS.database_owner, attributes=attributes, description=db.description
        )
        inv.link(db.name, RUNS_ON, *db.runs_on)
        inv.link(db.name, DEPENDS_ON, *db.depends_on)
    for app in APPLICATIONS.applications:
        inv.add(app.name, CIClass.APPLICATION, app.owner, attributes=app.attributes, description=app.description)
        inv.link(app.name, RUNS_ON, *app.runs_on)
        inv.link(app.name, DEPENDS_ON, *app.depends_on)


def _end_user_devices(inv: _Inventory, contacts: list[dict[str, Any]]) -> None:
    """Workstations and laptops of a sample of the callers, shared, retired and spare ones, printers, phones."""
    rng, rooms, owner = inv.rng, _rooms(), WORKPLACE.owner
    numbers = {CIClass.WORKSTATION: itertools.count(1001), CIClass.LAPTOP: itertools.count(1001)}
    prefixes = {CIClass.WORKSTATION: "ws", CIClass.LAPTOP: "lt"}

    def device(ci_class: CIClass, devices: Devices, model: DeviceModel, room: _Room, **kw: Any) -> str:
        name = f"{prefixes[ci_class]}-{room.site}-{next(numbers[ci_class])}"
        attributes = {"model": model.model, "os": model.os, **kw.pop("attributes", {})}
        attributes["purchased"] = inv.purchased(devices.purchased)
        inv.add(name, ci_class, owner, location=room.path, vendor=model.vendor, attributes=attributes, **kw)
        return name

    def personal(ci_class: CIClass, devices: Devices, kind: str) -> None:
        people = [c for c in contacts if _department(c["department"]).device == kind]
        for index, contact in enumerate(rng.sample(people, devices.count)):
            model = devices.models[0] if len(devices.models) == 1 else rng.choice(devices.models)
            repair = index in devices.in_repair
            name = device(
                ci_class,
                devices,
                model,
                contact["room"],
                attributes={"assigned_to": contact["email"]},
                status=CIStatus.MAINTENANCE if repair else devices.status,
                description=devices.repair_note if repair else devices.description,
            )
            inv.link(name, CONNECTED_TO, contact["room"].switch)

    personal(CIClass.WORKSTATION, WORKPLACE.workstations, "workstation")
    personal(CIClass.LAPTOP, WORKPLACE.laptops, "laptop")
    shared = WORKPLACE.shared_workstations
    site, building = shared.building.split("/")
    shared_rooms = [
        room
        for room in rooms
        if (room.site, room.building) == (site, building) and set(shared.departments) & set(room.departments)
    ]
    for n in range(shared.count):
        room = shared_rooms[n % len(shared_rooms)]
        description = shared.description.format(room=room.path[-1])
        model = shared.models[0]
        name = device(CIClass.WORKSTATION, shared, model, room, attributes={"shared": True}, description=description)
        inv.link(name, CONNECTED_TO, room.switch)
    for ci_class, devices in (
        (CIClass.WORKSTATION, WORKPLACE.retired_workstations),
        (CIClass.LAPTOP, WORKPLACE.spare_laptops),
    ):
        for _ in range(devices.count):
            model, room = devices.models[0], _room(devices.room)
            device(ci_class, devices, model, room, status=devices.status, description=devices.description)
    _printers(inv, rooms)
    _phones(inv, contacts, rooms)


def _department(name: str) -> Department:
    return next(department for department in ORGANISATION.departments if department.name == name)


def _printers(inv: _Inventory, rooms: list[_Room]) -> None:
    """One on every floor where someone works, the models in turn; addresses from 10.240.0.20."""
    printers = WORKPLACE.printers
    printer_rooms: dict[str, _Room] = {}
    for room in rooms:
        if room.departments:
            printer_rooms.setdefault(f"prn-{room.site}-{room.building}-{room.floor}", room)
    for index, (name, room) in enumerate(printer_rooms.items()):
        model = printers.models[index % len(printers.models)]
        attributes = {"model": model.model, "ip": f"10.240.{index // 200}.{index % 200 + 20}", "duplex": True}
        repair = index in printers.in_repair
        inv.add(
            name,
            CIClass.PRINTER,
            WORKPLACE.owner,
            location=room.path,
            vendor=model.vendor,
            attributes=attributes,
            status=CIStatus.MAINTENANCE if repair else CIStatus.LIVE,
            description=printers.repair_note if repair else "",
        )
        inv.link(name, CONNECTED_TO, room.switch)
        for user in printers.needed_by:
            inv.link(user, DEPENDS_ON, name)


def _phones(inv: _Inventory, contacts: list[dict[str, Any]], rooms: list[_Room]) -> None:
    """A desk phone (named by its extension) for the callers who need one, and one in each meeting room."""
    desk, owner = WORKPLACE.desk_phones, WORKPLACE.owner
    people = [c for c in contacts if c["department"] in desk.departments]
    for department, count in desk.sample.items():
        people += inv.rng.sample([c for c in contacts if c["department"] == department], count)
    model = desk.models[0]
    for contact in people:
        room = contact["room"]
        extension = contact["phone"].rsplit(" ", 1)[-1]
        name = f"ph-{room.site}-{extension}"
        attributes = {"model": model.model, "extension": extension, "assigned_to": contact["email"]}
        inv.add(name, CIClass.PHONE, owner, location=room.path, vendor=model.vendor, attributes=attributes)
        inv.link(name, CONNECTED_TO, room.switch)
        inv.link(name, DEPENDS_ON, *desk.depends_on)
    conference = WORKPLACE.conference_phones
    model = conference.models[0]
    for room in rooms:
        if room.path[-1].startswith(conference.rooms_named):
            slug = re.sub(r"[^a-z0-9]+", "-", room.path[-1].lower()).strip("-")
            name = f"ph-{room.site}-{room.building}-{slug}"
            attributes = {"model": model.model, "conference": True}
            inv.add(
                name, CIClass.PHONE, WORKPLACE.owner, location=room.path, vendor=model.vendor, attributes=attributes
            )
            inv.link(name, CONNECTED_TO, room.switch)
            inv.link(name, DEPENDS_ON, *conference.depends_on)
