"""The CMDB part of the demo data (``serve --demo``): Kestrel Logistics, a small freight company.

The organisation
    Three sites, each with buildings → floors → rooms: the head office in Amsterdam (board, finance, HR,
    legal, sales, marketing), the distribution centre in Rotterdam (warehouse, operations, planning,
    customer service) and the campus in Eindhoven (IT, procurement, quality, facilities), which also holds
    the company's data centre. 200 callers work in rooms of their department's site; the board and two
    directors are VIPs; desk phones go through each site's switchboard, some callers have a mobile.
    The demo accounts ``operator``, ``support`` and ``manager`` are callers too, linked to their contact.

Support groups
    "Service Desk" (tier 1, ``operator`` a member) and six second- and third-line groups: Network,
    Servers & Storage, Databases, Workplace Support, Business Applications, Identity & Access.
    ``manager`` leads all seven; ``support`` works in Workplace Support and Business Applications.

Configuration items (about 300), read "source → target": when the target fails, the source is affected
    network: internet line ← routers ← firewalls ← core switches ← top-of-rack and access switches; the
    Amsterdam and Rotterdam WAN routers hang off the one in Eindhoven.
    hypervisors are connected to top-of-rack switches and depend on the storage arrays; virtual machines
    run on hypervisors, databases on virtual machines; applications run on virtual machines and depend on
    databases, on each other and on identity (Active Directory, single sign-on).
    workstations, laptops, printers and phones stand in rooms and are connected to their floor's access
    switch; phones depend on the call manager, the print server on the printers.
    Clustered pairs (core switches, firewalls, load balancers, storage replication, Exchange DAG, Oracle
    RAC) and Active Directory with its DNS are related both ways, so the graph has cycles, as real ones do.
    A few CIs are planned (the ERP upgrade, a new hypervisor), in maintenance or retired.

Services and changes
    Twelve business services, each built from its top-level applications. Eighteen changes around now,
    each on a few CIs: five implemented in the last three days (one failed), two in progress, three in the
    next 24 hours, five more within the week, three older ones (one cancelled).

Loading is deterministic (seeded, no Faker: production installs have no dev dependencies) and idempotent:
rows are found by their natural keys (location parent and name, contact e-mail, group, CI and service
name, change title) and only missing ones are created, in bulk. Change windows are set relative to the
current hour on every load, so that a demo restarted days later still has changes around "now".
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

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from cmdb.choices import ChangeState, CIClass, CIStatus, LocationKind, RelationshipKind
from cmdb.demo.data import (
    APPLICATION_CIS,
    CHANGES,
    COMMS_ROOMS,
    CONFERENCE_ROOMS,
    CONNECTED_TO,
    DATABASE_CIS,
    DATABASES,
    DEMO_STAFF,
    DEMO_USERNAMES,
    DEPARTMENTS,
    DEPENDS_ON,
    DESK_DEPARTMENTS,
    DIRECTORS,
    DOMAIN,
    FIRST_NAMES,
    GROUPS,
    LAPTOP_DEPARTMENTS,
    LAST_NAMES,
    LIVE,
    MAINTENANCE,
    MANAGER,
    MOBILE_SHARE,
    NETWORK,
    PLANNED,
    RETIRED,
    RUNS_ON,
    SEED,
    SERIAL_FORMATS,
    SERVERS,
    SERVICES,
    SITES,
    VMS,
    WIN22,
    WORKPLACE,
)
from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup


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
    _network(inventory)
    _servers_and_storage(inventory)
    _virtual_machines(inventory)
    _databases_and_applications(inventory)
    _end_user_devices(inventory, contacts)
    return DemoPlan(_location_plan(), contacts, list(inventory.cis.values()), inventory.relationships())


@transaction.atomic
def load_cmdb_demo() -> None:
    """Load Kestrel Logistics into the CMDB (see the module docstring); creates only what is missing."""
    plan = demo_plan()
    users = {user.username: user for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
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


# --- the plan -------------------------------------------------------------------------------------------


def _rooms() -> list[_Room]:
    return [
        _Room((site, building, floor, room), site_code, building_code, floor_code, departments)
        for site, site_code, _address, _phone, buildings in SITES
        for building, building_code, floors in buildings
        for floor, floor_code, rooms in floors
        for room, departments in rooms
    ]


def _location_plan() -> list[tuple[tuple[str, ...], LocationKind, str]]:
    rows: list[tuple[tuple[str, ...], LocationKind, str]] = []
    for site, _code, address, _phone, buildings in SITES:
        rows.append(((site,), LocationKind.SITE, address))
        for building, _code, floors in buildings:
            rows.append(((site, building), LocationKind.BUILDING, ""))
            for floor, _code, rooms in floors:
                rows.append(((site, building, floor), LocationKind.FLOOR, ""))
                rows.extend(((site, building, floor, room), LocationKind.ROOM, "") for room, _ in rooms)
    return rows


def _email(first: str, last: str) -> str:
    def slug(name: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z]", "", ascii_name.lower())

    return f"{slug(first)}.{slug(last)}@{DOMAIN}"


def _contact_plan(rng: random.Random) -> list[dict[str, Any]]:
    rooms_of: dict[str, list[_Room]] = defaultdict(list)
    for room in _rooms():
        for department in room.departments:
            rooms_of[department].append(room)
    switchboards = {code: phone for _site, code, _address, phone, _buildings in SITES}
    extensions = {code: itertools.count(2000 + 100 * n) for n, code in enumerate(switchboards)}
    taken = {_email(first, last) for first, last, _ in DEMO_STAFF}
    mobiles: set[str] = set()

    def person(first: str, last: str, department: str, room: _Room, *, vip: bool, desk_phone: bool) -> dict[str, Any]:
        phone = f"{switchboards[room.site]} {next(extensions[room.site])}" if desk_phone else ""
        mobile = ""
        if vip or rng.random() < MOBILE_SHARE.get(department, 0.25):
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

    people = []
    for department, headcount in DEPARTMENTS:
        for index in range(headcount):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            while _email(first, last) in taken:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            taken.add(_email(first, last))
            vip = department == "Executive board" or (index == 0 and department in DIRECTORS)
            desk_phone = department != "Warehouse" or rng.random() < 0.4
            people.append(
                person(first, last, department, rng.choice(rooms_of[department]), vip=vip, desk_phone=desk_phone)
            )
    service_desk_room = next(room for room in rooms_of["IT"] if room.path[-1] == "IT service desk")
    for first, last, username in DEMO_STAFF:
        people.append(
            {**person(first, last, "IT", service_desk_room, vip=False, desk_phone=True), "username": username}
        )
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
        status: CIStatus = LIVE,
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

    def pair(self, first: str, second: str) -> None:
        """A cluster or a replicating pair: each is connected to the other."""
        self.link(first, CONNECTED_TO, second)
        self.link(second, CONNECTED_TO, first)

    def relationships(self) -> list[tuple[str, RelationshipKind, str]]:
        for source, _kind, target in self.links:
            if source not in self.cis or target not in self.cis:
                raise ValueError(f"relationship {source!r} → {target!r} names an unplanned CI")
        return list(self.links)

    def _serial(self, vendor: str) -> str:
        prefix, alphabet, length = SERIAL_FORMATS[vendor]
        serial = ""
        while not serial or serial in self._serials:
            serial = prefix + "".join(self.rng.choice(alphabet) for _ in range(length))
        self._serials.add(serial)
        return serial

    def purchased(self, first_year: int, last_year: int) -> str:
        start = datetime.date(first_year, 1, 1)
        days = (datetime.date(last_year, 12, 31) - start).days
        return (start + datetime.timedelta(days=self.rng.randint(0, days))).isoformat()


def _room_path(site: str, building: str, room: str) -> tuple[str, ...]:
    return next(r.path for r in _rooms() if (r.site, r.building, r.path[-1]) == (site, building, room))


def _network(inv: _Inventory) -> None:
    netroom = _room_path("ein", "dc", "Network room")
    halls = {1: _room_path("ein", "dc", "Server hall 1"), 2: _room_path("ein", "dc", "Server hall 2")}
    comms = {(room.site, room.building): room.path for room in _rooms() if room.path[-1] in COMMS_ROOMS}
    management_hosts = itertools.count(11)

    def device(name: str, model: str, firmware: str, vendor: str, location: tuple[str, ...], **kw: Any) -> str:
        attributes = {
            "model": model,
            "firmware": firmware,
            "mgmt_ip": f"10.250.0.{next(management_hosts)}",
        }
        return inv.add(
            name, CIClass.NETWORK_DEVICE, NETWORK, location=location, vendor=vendor, attributes=attributes, **kw
        )

    inv.add(
        "Internet line Eindhoven",
        CIClass.OTHER,
        NETWORK,
        location=netroom,
        attributes={"carrier": "Polder Fibre", "bandwidth": "10 Gbit/s", "circuit_id": "PF-EIN-004417"},
        description="Primary internet access of all sites.",
    )
    inv.add(
        "SIP trunk Eindhoven",
        CIClass.OTHER,
        NETWORK,
        location=netroom,
        attributes={"carrier": "Polder Fibre", "channels": 60, "numbers": "+31 20 794, +31 10 428, +31 40 219"},
        description="All external calls of the three sites.",
    )
    device("rtr-ein-inet-01", "Cisco ISR 4451-X", "IOS XE 17.6.5", "cisco", netroom)
    device("rtr-ein-wan-01", "Cisco ISR 4451-X", "IOS XE 17.6.5", "cisco", netroom)
    inv.link("rtr-ein-inet-01", CONNECTED_TO, "Internet line Eindhoven")
    inv.link("SIP trunk Eindhoven", CONNECTED_TO, "rtr-ein-wan-01")
    for n in (1, 2):
        device(f"fw-ein-0{n}", "FortiGate 600F", "FortiOS 7.4.3", "fortinet", netroom)
        inv.link(f"fw-ein-0{n}", CONNECTED_TO, "rtr-ein-inet-01", "rtr-ein-wan-01")
    inv.pair("fw-ein-01", "fw-ein-02")
    for n in (1, 2):
        device(f"core-sw-ein-0{n}", "Cisco Catalyst 9500-48Y4C", "IOS XE 17.9.4", "cisco", netroom)
        inv.link(f"core-sw-ein-0{n}", CONNECTED_TO, "fw-ein-01", "fw-ein-02")
    inv.pair("core-sw-ein-01", "core-sw-ein-02")
    for hall, n in itertools.product((1, 2), (1, 2)):
        device(f"tor-ein-h{hall}-0{n}", "Cisco Nexus 93180YC-FX3", "NX-OS 10.3(4a)", "cisco", halls[hall])
        inv.link(f"tor-ein-h{hall}-0{n}", CONNECTED_TO, "core-sw-ein-01", "core-sw-ein-02")
    for n in (1, 2):
        device(f"lb-ein-0{n}", "F5 BIG-IP i5800", "TMOS 17.1.1", "f5", netroom)
        inv.link(f"lb-ein-0{n}", CONNECTED_TO, "core-sw-ein-01", "core-sw-ein-02")
        device(f"vpn-ein-0{n}", "Palo Alto PA-3410", "PAN-OS 11.1.2", "paloalto", netroom)
        inv.link(f"vpn-ein-0{n}", CONNECTED_TO, "fw-ein-01", "fw-ein-02")
    inv.pair("lb-ein-01", "lb-ein-02")
    inv.pair("vpn-ein-01", "vpn-ein-02")
    device(
        "wlc-ein-01",
        "Cisco Catalyst 9800-40",
        "IOS XE 17.9.4",
        "cisco",
        netroom,
        description="Wireless controller for the access points of all sites.",
    )
    inv.link("wlc-ein-01", CONNECTED_TO, "core-sw-ein-01", "core-sw-ein-02")

    for site, model in (("ams", "FortiGate 200F"), ("rtm", "FortiGate 100F")):
        building = "main" if site == "ams" else "wh"
        device(f"rtr-{site}-wan-01", "Cisco ISR 4331", "IOS XE 17.6.5", "cisco", comms[(site, building)])
        inv.link(f"rtr-{site}-wan-01", CONNECTED_TO, "rtr-ein-wan-01")
        device(f"fw-{site}-01", model, "FortiOS 7.4.3", "fortinet", comms[(site, building)])
        inv.link(f"fw-{site}-01", CONNECTED_TO, f"rtr-{site}-wan-01")
    for n in (1, 2):
        device(f"core-sw-ams-0{n}", "Cisco Catalyst 9500-24Y4C", "IOS XE 17.9.4", "cisco", comms[("ams", "main")])
        inv.link(f"core-sw-ams-0{n}", CONNECTED_TO, "fw-ams-01")
    inv.pair("core-sw-ams-01", "core-sw-ams-02")
    device("core-sw-rtm-01", "Cisco Catalyst 9500-24Y4C", "IOS XE 17.9.4", "cisco", comms[("rtm", "wh")])
    inv.link("core-sw-rtm-01", CONNECTED_TO, "fw-rtm-01")
    device(
        "core-sw-rtm-02",
        "Cisco Catalyst 9500-24Y4C",
        "IOS XE 17.9.4",
        "cisco",
        comms[("rtm", "wh")],
        status=PLANNED,
        description="Delivered; to be installed next week.",
    )

    cores = {
        "ein": ("core-sw-ein-01", "core-sw-ein-02"),
        "ams": ("core-sw-ams-01", "core-sw-ams-02"),
        "rtm": ("core-sw-rtm-01",),
    }
    floors = {(r.site, r.building, r.floor): r for r in _rooms() if r.building != "dc"}
    for (site, building, _floor), room in floors.items():
        device(room.switch, "Cisco Catalyst 9300-48P", "IOS XE 17.9.4", "cisco", comms[(site, building)])
        inv.link(room.switch, CONNECTED_TO, *cores[site][: 1 if building == "annex" else 2])
    device(
        "sw-ams-main-f2-new",
        "Cisco Catalyst 9300X-48HX",
        "IOS XE 17.12.2",
        "cisco",
        comms[("ams", "main")],
        status=PLANNED,
        description="Replaces sw-ams-main-f2, which has failing power supplies.",
    )


def _servers_and_storage(inv: _Inventory) -> None:
    halls = {1: _room_path("ein", "dc", "Server hall 1"), 2: _room_path("ein", "dc", "Server hall 2")}
    ams_comms, rtm_comms = _room_path("ams", "main", "Comms room"), _room_path("rtm", "wh", "Comms room")

    def storage(name: str, model: str, vendor: str, location: tuple[str, ...], capacity_tb: int, **kw: Any) -> None:
        attributes = {"model": model, "capacity_tb": capacity_tb}
        inv.add(name, CIClass.STORAGE, SERVERS, location=location, vendor=vendor, attributes=attributes, **kw)

    storage("san-ein-01", "NetApp AFF A400", "netapp", halls[1], 184)
    storage("san-ein-02", "NetApp AFF A400", "netapp", halls[2], 184, description="Replica of san-ein-01.")
    storage("nas-ein-01", "NetApp FAS2820", "netapp", halls[2], 220, description="File shares.")
    storage("tape-ein-01", "HPE StoreEver MSL3040", "hpe", halls[2], 720, description="LTO-9 tape library.")
    storage("san-ams-01", "Dell PowerVault ME5024", "dell", ams_comms, 46)
    storage(
        "san-ein-legacy",
        "NetApp FAS8200",
        "netapp",
        halls[1],
        96,
        status=RETIRED,
        description="Replaced by san-ein-01 and san-ein-02; awaiting pickup.",
    )
    inv.link("san-ein-01", CONNECTED_TO, "tor-ein-h1-01", "tor-ein-h1-02")
    inv.link("san-ein-02", CONNECTED_TO, "tor-ein-h2-01", "tor-ein-h2-02")
    inv.pair("san-ein-01", "san-ein-02")
    inv.link("nas-ein-01", CONNECTED_TO, "tor-ein-h2-01", "tor-ein-h2-02")
    inv.link("tape-ein-01", CONNECTED_TO, "tor-ein-h2-01")
    inv.link("san-ams-01", CONNECTED_TO, "core-sw-ams-01", "core-sw-ams-02")

    def server(
        name: str,
        location: tuple[str, ...],
        *,
        model: str = "Dell PowerEdge R760",
        cores: int = 64,
        ram_gb: int = 1024,
        hypervisor: str = "VMware ESXi 8.0 U2",
        **kw: Any,
    ) -> None:
        attributes = {"model": model, "cpu_cores": cores, "ram_gb": ram_gb, "os": hypervisor}
        inv.add(name, CIClass.SERVER, SERVERS, location=location, vendor="dell", attributes=attributes, **kw)

    for n in range(1, 10):
        hall = 1 if n <= 4 else 2
        status = {5: MAINTENANCE, 9: PLANNED}.get(n, LIVE)
        description = {5: "Memory errors; in maintenance mode.", 9: "Racked; joins the cluster next week."}.get(n, "")
        server(f"esx-ein-0{n}", halls[hall], status=status, description=description)
        if status != PLANNED:
            inv.link(f"esx-ein-0{n}", CONNECTED_TO, f"tor-ein-h{hall}-01", f"tor-ein-h{hall}-02")
            inv.link(f"esx-ein-0{n}", DEPENDS_ON, "san-ein-01")
    for n in (1, 2):
        server(f"esx-ein-dmz-0{n}", halls[1], cores=32, ram_gb=512, description="DMZ cluster.")
        inv.link(f"esx-ein-dmz-0{n}", CONNECTED_TO, "tor-ein-h1-01", "tor-ein-h1-02")
        inv.link(f"esx-ein-dmz-0{n}", DEPENDS_ON, "san-ein-01")
        server(f"esx-ams-0{n}", ams_comms, model="Dell PowerEdge R660", cores=32, ram_gb=384)
        inv.link(f"esx-ams-0{n}", CONNECTED_TO, "core-sw-ams-01", "core-sw-ams-02")
        inv.link(f"esx-ams-0{n}", DEPENDS_ON, "san-ams-01")
    server(
        "esx-rtm-01",
        rtm_comms,
        model="Dell PowerEdge R660",
        cores=24,
        ram_gb=256,
        description="Single host with local disks.",
    )
    inv.link("esx-rtm-01", CONNECTED_TO, "core-sw-rtm-01")
    server(
        "bak-ein-01",
        halls[2],
        model="Dell PowerEdge R760xd2",
        cores=32,
        ram_gb=256,
        hypervisor=WIN22,
        description="Backup server with 400 TB of disk.",
    )
    inv.link("bak-ein-01", CONNECTED_TO, "tor-ein-h2-01", "tor-ein-h2-02")
    server(
        "fs-legacy-01",
        halls[2],
        model="Dell PowerEdge R730",
        cores=16,
        ram_gb=128,
        hypervisor="Windows Server 2012 R2",
        status=RETIRED,
        description="The old file server; decommissioned.",
    )


def _virtual_machines(inv: _Inventory) -> None:
    clusters = {
        # esx-ein-05 is in maintenance: its virtual machines have moved to the other hosts.
        "prod": [f"esx-ein-0{n}" for n in (1, 2, 3, 4, 6, 7, 8)],
        "dmz": ["esx-ein-dmz-01", "esx-ein-dmz-02"],
        "ams": ["esx-ams-01", "esx-ams-02"],
        "rtm": ["esx-rtm-01"],
        "planned": ["esx-ein-09"],
    }
    networks = {"prod": "10.20.10", "dmz": "172.16.20", "ams": "10.10.10", "rtm": "10.30.10", "planned": "10.20.10"}
    next_host = {name: itertools.count(inv.rng.randrange(len(hosts))) for name, hosts in clusters.items()}
    addresses = {name: itertools.count(11) for name in networks}
    for name, cluster, os, cpu, ram_gb, role in VMS:
        status = {None: RETIRED, "planned": PLANNED}.get(cluster, LIVE)
        attributes: dict[str, Any] = {
            "os": os,
            "cpu": cpu,
            "ram_gb": ram_gb,
            "disk_gb": inv.rng.choice((80, 100, 120, 200)),
        }
        if cluster is not None:
            attributes["ip"] = f"{networks[cluster]}.{next(addresses[cluster])}"
        inv.add(name, CIClass.VIRTUAL_MACHINE, SERVERS, status=status, attributes=attributes, description=role)
        if cluster is not None:
            hosts = clusters[cluster]
            inv.link(name, RUNS_ON, hosts[next(next_host[cluster]) % len(hosts)])
    inv.pair("vm-mbx-01", "vm-mbx-02")
    inv.pair("vm-ora-01", "vm-ora-02")


def _databases_and_applications(inv: _Inventory) -> None:
    for name, engine, hosts, size_gb, description in DATABASE_CIS:
        inv.add(
            name,
            CIClass.DATABASE,
            DATABASES,
            attributes={"engine": engine, "size_gb": size_gb},
            description=description,
        )
        inv.link(name, RUNS_ON, *hosts)
    inv.link("shop-db-replica", DEPENDS_ON, "shop-db")
    for name, owner, hosts, needs, attributes, description in APPLICATION_CIS:
        inv.add(name, CIClass.APPLICATION, owner, attributes=attributes, description=description)
        inv.link(name, RUNS_ON, *hosts)
        inv.link(name, DEPENDS_ON, *needs)


def _end_user_devices(inv: _Inventory, contacts: list[dict[str, Any]]) -> None:
    rng = inv.rng
    rooms = _rooms()
    workstations, laptops = itertools.count(1001), itertools.count(1001)

    def personal(ci_class: CIClass, contact: dict[str, Any], model: str, os: str, vendor: str, **kw: Any) -> str:
        room: _Room = contact["room"]
        prefix, number = ("ws", workstations) if ci_class == CIClass.WORKSTATION else ("lt", laptops)
        name = f"{prefix}-{room.site}-{next(number)}"
        attributes = {"model": model, "os": os, "assigned_to": contact["email"], "purchased": inv.purchased(2021, 2024)}
        inv.add(name, ci_class, WORKPLACE, location=room.path, vendor=vendor, attributes=attributes, **kw)
        inv.link(name, CONNECTED_TO, room.switch)
        return name

    desk_people = [c for c in contacts if c["department"] in DESK_DEPARTMENTS]
    laptop_people = [c for c in contacts if c["department"] in LAPTOP_DEPARTMENTS]
    for contact in rng.sample(desk_people, 40):
        personal(CIClass.WORKSTATION, contact, "Dell OptiPlex 7010", "Windows 11 Enterprise 23H2", "dell")
    for index, contact in enumerate(rng.sample(laptop_people, 46)):
        model, vendor = rng.choice((("Lenovo ThinkPad T14 Gen 4", "lenovo"), ("Dell Latitude 7440", "dell")))
        repair = index in (7, 31)
        personal(
            CIClass.LAPTOP,
            contact,
            model,
            "Windows 11 Enterprise 23H2",
            vendor,
            status=MAINTENANCE if repair else LIVE,
            description="Sent for repair: keyboard." if repair else "",
        )

    shared_rooms = [r for r in rooms if r.site == "rtm" and r.building == "wh" and "Warehouse" in r.departments]
    for n in range(5):
        room = shared_rooms[n % len(shared_rooms)]
        name = f"ws-rtm-{next(workstations)}"
        attributes = {
            "model": "Dell OptiPlex 7010",
            "os": "Windows 11 Enterprise 23H2",
            "shared": True,
            "purchased": inv.purchased(2022, 2024),
        }
        inv.add(
            name,
            CIClass.WORKSTATION,
            WORKPLACE,
            location=room.path,
            vendor="dell",
            attributes=attributes,
            description=f"Shared workstation in {room.path[-1]}.",
        )
        inv.link(name, CONNECTED_TO, room.switch)
    staging = _room_path("ein", "dc", "Staging room")
    for _ in range(3):
        attributes = {
            "model": "Dell OptiPlex 7060",
            "os": "Windows 10 Enterprise 22H2",
            "purchased": inv.purchased(2017, 2018),
        }
        inv.add(
            f"ws-ein-{next(workstations)}",
            CIClass.WORKSTATION,
            WORKPLACE,
            location=staging,
            vendor="dell",
            status=RETIRED,
            attributes=attributes,
            description="Wiped; waiting for the recycler.",
        )
    it_desk = _room_path("ein", "office", "IT service desk")
    for _ in range(4):
        attributes = {
            "model": "Lenovo ThinkPad T14 Gen 5",
            "os": "Windows 11 Enterprise 23H2",
            "purchased": "2025-01-15",
        }
        inv.add(
            f"lt-ein-{next(laptops)}",
            CIClass.LAPTOP,
            WORKPLACE,
            location=it_desk,
            vendor="lenovo",
            status=PLANNED,
            attributes=attributes,
            description="Spare, prepared for new staff.",
        )

    printer_rooms: dict[str, _Room] = {}
    for room in rooms:
        if room.departments:
            printer_rooms.setdefault(f"prn-{room.site}-{room.building}-{room.floor}", room)
    for index, (name, room) in enumerate(printer_rooms.items()):
        colour = index % 3 != 2
        attributes = {
            "model": "HP Color LaserJet Enterprise M555" if colour else "HP LaserJet Enterprise M612",
            "ip": f"10.240.{index // 200}.{index % 200 + 20}",
            "duplex": True,
        }
        status, description = (MAINTENANCE, "Fuser unit on order.") if index == 4 else (LIVE, "")
        inv.add(
            name,
            CIClass.PRINTER,
            WORKPLACE,
            location=room.path,
            vendor="hp",
            attributes=attributes,
            status=status,
            description=description,
        )
        inv.link(name, CONNECTED_TO, room.switch)
        inv.link("Print server", DEPENDS_ON, name)

    phone_people = [c for c in contacts if c["department"] == "Executive board"]
    phone_people += rng.sample([c for c in contacts if c["department"] == "Customer service"], 12)
    for contact in phone_people:
        room = contact["room"]
        extension = contact["phone"].rsplit(" ", 1)[-1]
        name = f"ph-{room.site}-{extension}"
        attributes = {"model": "Cisco IP Phone 8845", "extension": extension, "assigned_to": contact["email"]}
        inv.add(name, CIClass.PHONE, WORKPLACE, location=room.path, vendor="cisco", attributes=attributes)
        inv.link(name, CONNECTED_TO, room.switch)
        inv.link(name, DEPENDS_ON, "Call manager")
    for room in rooms:
        if room.path[-1].startswith(CONFERENCE_ROOMS):
            slug = re.sub(r"[^a-z0-9]+", "-", room.path[-1].lower()).strip("-")
            name = f"ph-{room.site}-{room.building}-{slug}"
            inv.add(
                name,
                CIClass.PHONE,
                WORKPLACE,
                location=room.path,
                vendor="poly",
                attributes={"model": "Poly Trio C60", "conference": True},
            )
            inv.link(name, CONNECTED_TO, room.switch)
            inv.link(name, DEPENDS_ON, "Call manager")


# --- loading --------------------------------------------------------------------------------------------


def _load_groups(users: dict[str, Any]) -> dict[str, SupportGroup]:
    manager = users.get(MANAGER)
    groups = {}
    for name, tier, mailbox, description, members in GROUPS:
        group, _ = SupportGroup.objects.get_or_create(
            name=name,
            defaults={"tier": tier, "email": f"{mailbox}@{DOMAIN}", "description": description, "manager": manager},
        )
        if group.manager_id is None and manager is not None:
            group.manager = manager
            group.save(update_fields=["manager", "updated_at"])
        if present := [users[username] for username in members if username in users]:
            group.members.add(*present)
        groups[name] = group
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
    for name, criticality, owner, description, applications in SERVICES:
        service, _ = Service.objects.get_or_create(
            name=name, defaults={"criticality": criticality, "owner_group": groups[owner], "description": description}
        )
        links += [Service.cis.through(service_id=service.pk, configurationitem_id=ci_ids[app]) for app in applications]
    Service.cis.through.objects.bulk_create(links, ignore_conflicts=True)


def _load_changes(ci_ids: dict[str, int]) -> None:
    """Find changes by title and (re)set their window around the current hour, so the demo stays current."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    existing: dict[str, Change] = {}
    for change in Change.objects.filter(title__in=[spec[0] for spec in CHANGES]).order_by("-id"):
        existing[change.title] = change  # the oldest of duplicate titles wins
    to_create, to_update, affected = [], [], []
    for title, state, start_hours, duration, ci_names, description in CHANGES:
        start = hour + datetime.timedelta(hours=start_hours)
        end = start + datetime.timedelta(hours=duration)
        implemented_at = {
            ChangeState.COMPLETED: end - datetime.timedelta(minutes=25),
            ChangeState.FAILED: start + datetime.timedelta(minutes=70),
        }.get(state)
        values = {
            "state": state,
            "planned_start": start,
            "planned_end": end,
            "implemented_at": implemented_at,
            "description": description,
        }
        change = existing.get(title)
        if change is None:
            change = Change(title=title, **values)
            to_create.append(change)
        else:
            for field, value in values.items():
                setattr(change, field, value)
            to_update.append(change)
        affected.append((change, ci_names))
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
