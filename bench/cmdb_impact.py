"""Benchmark of the CMDB impact analysis (``cmdb/impact.py``) on a CMDB of 100,000 CIs.

Run it with ``uv run python bench/cmdb_impact.py`` (``--help`` lists the options). It works in a database
of its own, ``servicedesk_bench``, on the server the portal uses (``DATABASE_URL``, or the checkout's
embedded PostgreSQL), so it never touches development data. The data are loaded once, with COPY; later
runs reuse them (``--reload`` loads them again).

The generated CMDB has the shape of a real one, in layers: network devices (a ring of core switches,
distribution and access switches) and storage arrays at the bottom, physical servers on them, virtual
machines on the servers, databases on the VMs, and applications on top, grouped in 1,000 systems. Each
business service is built from a few applications of its system; a hundred shared platform applications
(single sign-on, messaging...) are used by many systems. There are cycles: the core ring, replicated
databases that depend on each other, and applications that call each other.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable

import harness

# The size of the CMDB, layer by layer.
SYSTEMS = 1_000
CORE, DISTRIBUTION, ACCESS = 16, 184, 1_800
STORAGE = 1_000
SERVERS_PER_SYSTEM, VMS_PER_SYSTEM, DATABASES_PER_SYSTEM, APPS_PER_SYSTEM = 12, 40, 15, 30
PLATFORM_APPS = 100
RELATIONSHIPS = 300_000
CHANGES = 20_000

NETWORK = CORE + DISTRIBUTION + ACCESS
SERVERS = SYSTEMS * SERVERS_PER_SYSTEM
VMS = SYSTEMS * VMS_PER_SYSTEM
DATABASES = SYSTEMS * DATABASES_PER_SYSTEM
APPS = SYSTEMS * APPS_PER_SYSTEM
CIS = NETWORK + STORAGE + SERVERS + VMS + DATABASES + APPS


# --- The data --------------------------------------------------------------------------------------


class Layout:
    """The ids of each layer (ids are given explicitly, from 1, in a fresh set of tables)."""

    def __init__(self) -> None:
        start = 1
        self.core, start = range(start, start + CORE), start + CORE
        self.distribution, start = range(start, start + DISTRIBUTION), start + DISTRIBUTION
        self.access, start = range(start, start + ACCESS), start + ACCESS
        self.storage, start = range(start, start + STORAGE), start + STORAGE
        self.servers, start = range(start, start + SERVERS), start + SERVERS
        self.vms, start = range(start, start + VMS), start + VMS
        self.databases, start = range(start, start + DATABASES), start + DATABASES
        self.apps = range(start, start + APPS)

    def system_slice(self, layer: range, per_system: int, system: int) -> range:
        return layer[system * per_system : (system + 1) * per_system]

    def platform_apps(self) -> list[int]:
        """The first three applications of the first systems: shared platforms that many systems use."""
        return [
            app
            for system in range(PLATFORM_APPS // 3 + 1)
            for app in self.system_slice(self.apps, APPS_PER_SYSTEM, system)[:3]
        ][:PLATFORM_APPS]


def generate_cis(layout: Layout) -> Iterable[tuple]:
    now = datetime.datetime.now(tz=datetime.UTC)
    layers = [
        (layout.core, "network", "core"),
        (layout.distribution, "network", "dist"),
        (layout.access, "network", "access"),
        (layout.storage, "storage", "san"),
        (layout.servers, "server", "srv"),
        (layout.vms, "vm", "vm"),
        (layout.databases, "database", "db"),
        (layout.apps, "application", "app"),
    ]
    for ids, ci_class, prefix in layers:
        for number, ci_id in enumerate(ids):
            status = "maintenance" if ci_id % 97 == 0 else "live"
            yield (ci_id, f"{prefix}-{number:05d}", ci_class, status, f"SN{ci_id:08d}", "", "{}", "", now, now)


def generate_relationships(layout: Layout, rng: random.Random) -> list[tuple[int, int, str]]:
    """Exactly ``RELATIONSHIPS`` distinct (source, target, kind) links, read "source <kind> target"."""
    links: dict[tuple[int, int], str] = {}

    def link(source: int, target: int, kind: str) -> None:
        if source != target:
            links.setdefault((source, target), kind)

    core = list(layout.core)
    for i, switch in enumerate(core):  # the core ring: a cycle through every core switch
        link(switch, core[(i + 1) % CORE], "connected_to")
    for switch in layout.distribution:
        for uplink in rng.sample(core, 2):
            link(switch, uplink, "connected_to")
    for i, switch in enumerate(layout.access):
        link(switch, layout.distribution[i * DISTRIBUTION // ACCESS], "connected_to")
        link(switch, layout.distribution[(i * DISTRIBUTION // ACCESS + 1) % DISTRIBUTION], "connected_to")
    for i, array in enumerate(layout.storage):
        link(array, layout.distribution[i % DISTRIBUTION], "connected_to")
        link(array, layout.distribution[(i + 7) % DISTRIBUTION], "connected_to")
    for i, server in enumerate(layout.servers):
        access = i * ACCESS // SERVERS
        link(server, layout.access[access], "connected_to")
        link(server, layout.access[(access + 1) % ACCESS], "connected_to")
        link(server, layout.storage[i * STORAGE // SERVERS], "depends_on")
    platform = layout.platform_apps()
    platform_set = set(platform)
    for system in range(SYSTEMS):
        servers = layout.system_slice(layout.servers, SERVERS_PER_SYSTEM, system)
        vms = layout.system_slice(layout.vms, VMS_PER_SYSTEM, system)
        databases = layout.system_slice(layout.databases, DATABASES_PER_SYSTEM, system)
        apps = layout.system_slice(layout.apps, APPS_PER_SYSTEM, system)
        storage = layout.storage[system * STORAGE // SYSTEMS]
        for vm in vms:
            link(vm, rng.choice(servers), "runs_on")
            link(vm, storage, "depends_on")
        for db in databases:
            link(db, rng.choice(vms), "runs_on")
        for db in rng.sample(databases, 4):  # replicas: primary and standby depend on each other
            other = rng.choice(databases)
            link(db, other, "depends_on")
            link(other, db, "depends_on")
        for i, app in enumerate(apps):
            for vm in rng.sample(vms, rng.choice((1, 1, 2, 2))):
                link(app, vm, "runs_on")
            for _ in range(rng.choice((1, 2, 2, 3))):
                shared = rng.random() < 0.1
                db_system = rng.randrange(SYSTEMS) if shared else system
                link(
                    app,
                    rng.choice(layout.system_slice(layout.databases, DATABASES_PER_SYSTEM, db_system)),
                    "depends_on",
                )
            if i:  # applications call the ones built before them in their system (a DAG...)
                for callee in rng.sample(apps[:i], min(i, rng.choice((1, 1, 2)))):
                    link(app, callee, "depends_on")
            if rng.random() < 0.3 and app not in platform_set:
                link(app, rng.choice(platform), "depends_on")
        if system % 20 == 0:  # ...with a few cycles: two applications that call each other, and a triangle
            link(apps[3], apps[5], "depends_on")
            link(apps[5], apps[3], "depends_on")
            link(apps[10], apps[11], "depends_on")
            link(apps[11], apps[12], "depends_on")
            link(apps[12], apps[10], "depends_on")
    # Top up to the exact size with more database dependencies inside each system.
    while len(links) < RELATIONSHIPS:
        system = rng.randrange(SYSTEMS)
        app = rng.choice(layout.system_slice(layout.apps, APPS_PER_SYSTEM, system))
        link(app, rng.choice(layout.system_slice(layout.databases, DATABASES_PER_SYSTEM, system)), "depends_on")
    return [(source, target, kind) for (source, target), kind in list(links.items())[:RELATIONSHIPS]]


def generate_services(layout: Layout, rng: random.Random) -> tuple[list[tuple], list[tuple[int, int]]]:
    now = datetime.datetime.now(tz=datetime.UTC)
    criticalities = ("low", "medium", "medium", "high", "critical")
    services, built_from = [], []
    for system in range(SYSTEMS):
        service_id = system + 1
        services.append((service_id, f"Service {system:04d}", "", rng.choice(criticalities), True, now, now))
        apps = layout.system_slice(layout.apps, APPS_PER_SYSTEM, system)
        cis = set(rng.sample(apps[20:], rng.randint(1, 4)))  # the front ends, built last
        if rng.random() < 0.2:
            cis.add(rng.choice(layout.system_slice(layout.databases, DATABASES_PER_SYSTEM, system)))
        built_from.extend((service_id, ci) for ci in sorted(cis))
    return services, built_from


def generate_changes(rng: random.Random) -> tuple[list[tuple], list[tuple[int, int]]]:
    now = datetime.datetime.now(tz=datetime.UTC)
    changes, affected = [], []
    for change_id in range(1, CHANGES + 1):
        start = now + datetime.timedelta(minutes=rng.randint(-365 * 24 * 60, 90 * 24 * 60))
        end = start + datetime.timedelta(hours=rng.randint(1, 8))
        implemented = start + datetime.timedelta(minutes=rng.randint(0, 60)) if end < now else None
        state = "completed" if implemented else "approved"
        changes.append((change_id, f"Change {change_id}", "", state, start, end, implemented, now, now))
        affected.extend((change_id, ci) for ci in rng.sample(range(1, CIS + 1), rng.randint(1, 3)))
    return changes, affected


def load(*, seed: int) -> None:
    """Empty the CMDB tables of the benchmark database and load the generated data, saying how long it took."""
    from django.db import connection, transaction

    clock = harness.Stopwatch()
    now = datetime.datetime.now(tz=datetime.UTC)
    rng = harness.generator(seed)
    layout = Layout()
    relationships = generate_relationships(layout, rng)
    services, built_from = generate_services(layout, rng)
    changes, affected = generate_changes(rng)
    clock.lap("generating")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cmdb_change_cis, cmdb_change, cmdb_service_cis, cmdb_service, cmdb_relationship,"
            " cmdb_configurationitem RESTART IDENTITY CASCADE"
        )
        harness.copy_rows(
            cursor,
            "cmdb_configurationitem",
            (
                *("id", "name", "ci_class", "status", "serial_number", "asset_tag", "attributes", "description"),
                *("created_at", "updated_at"),
            ),
            generate_cis(layout),
        )
        harness.copy_rows(
            cursor,
            "cmdb_relationship",
            ("source_id", "target_id", "kind", "created_at"),
            ((source, target, kind, now) for source, target, kind in relationships),
        )
        harness.copy_rows(
            cursor,
            "cmdb_service",
            ("id", "name", "description", "criticality", "active", "created_at", "updated_at"),
            services,
        )
        harness.copy_rows(cursor, "cmdb_service_cis", ("service_id", "configurationitem_id"), built_from)
        harness.copy_rows(
            cursor,
            "cmdb_change",
            (
                *("id", "title", "description", "state", "planned_start", "planned_end", "implemented_at"),
                *("created_at", "updated_at"),
            ),
            changes,
        )
        harness.copy_rows(cursor, "cmdb_change_cis", ("change_id", "configurationitem_id"), affected)
        harness.reset_sequences(cursor, "cmdb_configurationitem", "cmdb_service", "cmdb_change")
    clock.lap("COPY with indexes and constraints")
    # Index-only scans on the relationship indexes need a fresh visibility map, not only statistics.
    harness.vacuum_analyze(
        *("cmdb_configurationitem", "cmdb_relationship", "cmdb_service", "cmdb_service_cis"),
        *("cmdb_change", "cmdb_change_cis"),
    )
    clock.lap("VACUUM ANALYZE")
    print(clock.summary())


def loaded() -> bool:
    from cmdb.models import ConfigurationItem, Relationship

    return ConfigurationItem.objects.count() == CIS and Relationship.objects.count() == RELATIONSHIPS


# --- The measurements ------------------------------------------------------------------------------


def measure(*, samples: int, seed: int) -> None:
    from django.utils import timezone

    from cmdb import impact

    layout = Layout()
    rng = harness.generator(seed + 1)
    random_cis = rng.sample(range(1, CIS + 1), samples)
    print(f"{samples} random CIs (of every layer), warm cache:")
    harness.timed("affected_services", random_cis, lambda ci: len(impact.affected_services(ci_id=ci)))
    harness.timed("downstream_cis", random_cis, lambda ci: len(impact.downstream_cis(ci_id=ci)))
    harness.timed("upstream_cis", random_cis, lambda ci: len(impact.upstream_cis(ci_id=ci)))
    # What an incident page asks: the changes of the last 72 hours and the next 24 on the CI and on
    # what it depends on (three levels up, found beforehand: only the changes query is timed).
    now = timezone.now()
    start, end = now - datetime.timedelta(hours=72), now + datetime.timedelta(hours=24)
    suspects = {ci: [ci, *(node.id for node in impact.upstream_cis(ci_id=ci, max_depth=3))] for ci in random_cis}

    def changes(ci: int) -> int:
        return len(list(impact.changes_on_cis(ci_ids=suspects[ci], start=start, end=end)))

    harness.timed("changes_on_cis (the CI and 3 levels up)", random_cis, changes)
    services = rng.sample(range(1, SYSTEMS + 1), min(samples, SYSTEMS))
    harness.timed("service_tree", services, lambda service: len(impact.service_tree(service_id=service)))

    print("The heaviest CIs (the lower the layer, the more depends on it):")
    for label, layer in (
        ("access switches", layout.access),
        ("storage arrays", layout.storage),
        ("distribution switches", layout.distribution),
        ("platform applications", layout.platform_apps()),
        ("core switches", layout.core),
    ):
        picks = rng.sample(list(layer), min(20, len(layer)))
        harness.timed(f"affected_services, {label}", picks, lambda ci: len(impact.affected_services(ci_id=ci)))
    print(harness.server_version())


def describe() -> None:
    """Print the size of the data set on disk."""
    cis, relationships, database = harness.fetch_one(
        "SELECT pg_size_pretty(pg_total_relation_size('cmdb_configurationitem')),"
        " pg_size_pretty(pg_total_relation_size('cmdb_relationship')),"
        " pg_size_pretty(pg_database_size(current_database()))"
    )
    print(f"On disk, with indexes: CIs {cis}, relationships {relationships}, whole database {database}.")


def main(argv: list[str] | None = None) -> None:
    args = harness.arguments(__doc__, samples=(200, "random CIs")).parse_args(argv)
    harness.setup("cmdb")
    harness.ensure_data(
        f"{CIS:,} CIs, {RELATIONSHIPS:,} relationships, {SYSTEMS:,} services, {CHANGES:,} changes",
        loaded=loaded,
        load=lambda: load(seed=args.seed),
        reload=args.reload,
    )
    describe()
    measure(samples=args.samples, seed=args.seed)


if __name__ == "__main__":
    main()
