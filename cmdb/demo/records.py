"""The CMDB demo's records, read from ``cmdb/demo/data/*.toml``: the shape of each file, then the files.

Names that point elsewhere (a room, a group, a CI) are checked against the files when they are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cmdb.choices import ChangeState, CIClass, CIStatus, Criticality, SupportTier
from servicedesk.demo_data import DemoDataError, read_demo_data, show

DATA = Path(__file__).parent / "data"


# --- organisation.toml ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Floor:
    name: str
    code: str
    rooms: dict[str, tuple[str, ...]]  # each room with the departments working there


@dataclass(frozen=True)
class Building:
    name: str
    code: str
    floors: tuple[Floor, ...]


@dataclass(frozen=True)
class Site:
    name: str
    code: str
    address: str
    switchboard: str
    buildings: tuple[Building, ...]


@dataclass(frozen=True)
class Department:
    name: str
    headcount: int
    vips: Literal["none", "all", "first"] = "none"
    mobile_share: float = 0.25
    desk_phone_share: float = 1.0
    device: Literal["", "workstation", "laptop"] = ""


@dataclass(frozen=True)
class StaffMember:
    first_name: str
    last_name: str
    username: str
    department: str
    room: str


@dataclass(frozen=True)
class GroupSpec:
    name: str
    tier: SupportTier
    mailbox: str
    description: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organisation:
    domain: str
    group_manager: str
    departments: tuple[Department, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    staff: tuple[StaffMember, ...]
    groups: tuple[GroupSpec, ...]
    sites: tuple[Site, ...]


# --- infrastructure.toml, virtual_machines.toml, applications.toml --------------------------------------


@dataclass(frozen=True)
class SerialFormat:
    prefix: str
    alphabet: str
    length: int


@dataclass(frozen=True)
class CISpec:
    name: str
    ci_class: CIClass
    owner: str
    room: str = ""  # "<site code>/<building code>/<room>"
    status: CIStatus = CIStatus.LIVE
    vendor: str = ""  # a physical CI: its serial number's format
    attributes: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    connected_to: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    runs_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Infrastructure:
    serial_formats: dict[str, SerialFormat]
    cis: tuple[CISpec, ...]


@dataclass(frozen=True)
class Cluster:
    hosts: tuple[str, ...]
    network: str


@dataclass(frozen=True)
class VirtualMachine:
    name: str
    os: str
    cpu: int
    ram_gb: int
    description: str
    cluster: str = ""
    status: CIStatus = CIStatus.LIVE
    connected_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class VirtualMachines:
    owner: str
    disk_sizes_gb: tuple[int, ...]
    vms: tuple[VirtualMachine, ...]
    clusters: dict[str, Cluster]


@dataclass(frozen=True)
class Database:
    name: str
    engine: str
    size_gb: int
    runs_on: tuple[str, ...]
    description: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Application:
    name: str
    owner: str
    runs_on: tuple[str, ...]
    description: str
    depends_on: tuple[str, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Applications:
    database_owner: str
    databases: tuple[Database, ...]
    applications: tuple[Application, ...]


# --- workplace.toml -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceModel:
    model: str
    vendor: str
    os: str = ""


@dataclass(frozen=True)
class Devices:
    """One kind of end-user device; which fields apply depends on the kind (see workplace.toml)."""

    models: tuple[DeviceModel, ...]
    count: int = 0
    purchased: tuple[int, int] | str = ""  # the years to draw a date from, or the date
    room: str = ""
    building: str = ""  # "<site code>/<building code>"
    departments: tuple[str, ...] = ()
    sample: dict[str, int] = field(default_factory=dict)
    rooms_named: tuple[str, ...] = ()
    status: CIStatus = CIStatus.LIVE
    description: str = ""
    in_repair: tuple[int, ...] = ()
    repair_note: str = ""
    depends_on: tuple[str, ...] = ()
    needed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workplace:
    owner: str
    workstations: Devices
    laptops: Devices
    shared_workstations: Devices
    retired_workstations: Devices
    spare_laptops: Devices
    printers: Devices
    desk_phones: Devices
    conference_phones: Devices


# --- services.toml --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    criticality: Criticality
    owner: str
    description: str
    cis: tuple[str, ...]


@dataclass(frozen=True)
class ChangeSpec:
    title: str
    state: ChangeState
    start: int  # hours from the current hour
    hours: int
    cis: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Services:
    services: tuple[ServiceSpec, ...]
    changes: tuple[ChangeSpec, ...]


ORGANISATION = read_demo_data(DATA / "organisation.toml", Organisation)
INFRASTRUCTURE = read_demo_data(DATA / "infrastructure.toml", Infrastructure)
VIRTUAL_MACHINES = read_demo_data(DATA / "virtual_machines.toml", VirtualMachines)
APPLICATIONS = read_demo_data(DATA / "applications.toml", Applications)
WORKPLACE = read_demo_data(DATA / "workplace.toml", Workplace)
SERVICES = read_demo_data(DATA / "services.toml", Services)


def room_keys() -> dict[str, tuple[str, str, str, str]]:
    """Every room by its key "<site code>/<building code>/<room>", with its path of names."""
    return {
        f"{site.code}/{building.code}/{room}": (site.name, building.name, floor.name, room)
        for site in ORGANISATION.sites
        for building in site.buildings
        for floor in building.floors
        for room in floor.rooms
    }


def _check() -> None:
    """Every room, building, group, department and CI a file names is one the files define."""
    rooms = room_keys()
    known = {
        "room": set(rooms),
        "building": {key.rsplit("/", 1)[0] for key in rooms},
        "support group": {group.name for group in ORGANISATION.groups},
        "department": {department.name for department in ORGANISATION.departments},
        "CI": {
            *(ci.name for ci in INFRASTRUCTURE.cis),
            *(vm.name for vm in VIRTUAL_MACHINES.vms),
            *(db.name for db in APPLICATIONS.databases),
            *(app.name for app in APPLICATIONS.applications),
        },
    }

    def expect(file: str, where: str, what: str, names: Iterable[str]) -> None:
        for name in names:
            if name and name not in known[what]:
                raise DemoDataError(DATA / file, where, f"no {what} named {show(name)}")

    for n, ci in enumerate(INFRASTRUCTURE.cis):
        where = f'cis[{n}] ("{ci.name}")'
        expect("infrastructure.toml", f"{where}.owner", "support group", [ci.owner])
        expect("infrastructure.toml", f"{where}.room", "room", [ci.room])
        expect("infrastructure.toml", where, "CI", [*ci.connected_to, *ci.depends_on, *ci.runs_on])
    for n, staff in enumerate(ORGANISATION.staff):
        expect("organisation.toml", f"staff[{n}].department", "department", [staff.department])
        expect("organisation.toml", f"staff[{n}].room", "room", [staff.room])
    expect("virtual_machines.toml", "owner", "support group", [VIRTUAL_MACHINES.owner])
    for name, cluster in VIRTUAL_MACHINES.clusters.items():
        expect("virtual_machines.toml", f"clusters.{name}.hosts", "CI", cluster.hosts)
    for n, vm in enumerate(VIRTUAL_MACHINES.vms):
        if vm.cluster and vm.cluster not in VIRTUAL_MACHINES.clusters:
            raise DemoDataError(DATA / "virtual_machines.toml", f'vms[{n}] ("{vm.name}").cluster', "no such cluster")
        expect("virtual_machines.toml", f'vms[{n}] ("{vm.name}").connected_to', "CI", vm.connected_to)
    expect("applications.toml", "database_owner", "support group", [APPLICATIONS.database_owner])
    for n, db in enumerate(APPLICATIONS.databases):
        expect("applications.toml", f'databases[{n}] ("{db.name}")', "CI", [*db.runs_on, *db.depends_on])
    for n, app in enumerate(APPLICATIONS.applications):
        where = f'applications[{n}] ("{app.name}")'
        expect("applications.toml", f"{where}.owner", "support group", [app.owner])
        expect("applications.toml", where, "CI", [*app.runs_on, *app.depends_on])
    expect("workplace.toml", "owner", "support group", [WORKPLACE.owner])
    for kind in ("shared_workstations", "retired_workstations", "spare_laptops", "desk_phones", "conference_phones"):
        devices: Devices = getattr(WORKPLACE, kind)
        expect("workplace.toml", f"{kind}.room", "room", [devices.room])
        expect("workplace.toml", f"{kind}.building", "building", [devices.building])
        expect("workplace.toml", kind, "department", [*devices.departments, *devices.sample])
    for kind in ("printers", "desk_phones", "conference_phones"):
        devices = getattr(WORKPLACE, kind)
        expect("workplace.toml", kind, "CI", [*devices.depends_on, *devices.needed_by])
    for n, service in enumerate(SERVICES.services):
        where = f'services[{n}] ("{service.name}")'
        expect("services.toml", f"{where}.owner", "support group", [service.owner])
        expect("services.toml", f"{where}.cis", "CI", service.cis)
    for n, change in enumerate(SERVICES.changes):
        expect("services.toml", f'changes[{n}] ("{change.title}").cis', "CI", change.cis)


_check()
