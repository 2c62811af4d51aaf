"""Benchmark of the similar-incident lookup (``incidents/similar.py``) on 1,000,000 incidents, 3% of them open.

Run it with ``uv run python bench/incidents_similar.py`` (``--help`` lists the options). It works in the
benchmarks' own database, ``servicedesk_bench`` (see ``bench/README.md``), so it never touches development
data. The incidents are loaded once, with COPY; later runs reuse them (``--reload`` loads them again).

The incidents are written in the words of an IT service desk, with the vocabulary of the known-error
benchmark (``bench/knowledge_matching.py``): each is about one thing failing one way ("Printer paper jam on
the third floor"), the faults drawn with Zipf-like frequencies, the symptoms in a caller's phrasing padded
with Zipf-distributed IT words. They span three years, one every minute or so; the newer an incident, the
likelier it is still open, so about 3% are (recorded, classified or investigating) and the rest resolved or
closed. They are linked to the CMDB benchmark's 1,000 services (a few services get most of the calls) and
to 0 to 3 CIs of the service's system (1.5 on average), and called in by 20,000 contacts, a few of whom call
often. The CMDB benchmark's data are loaded first when they are not there.

The queries are what an operator types while a caller talks about an open incident (the same fault, not
necessarily that incident's words): 5 to 12 words, a third with a typo, some with the caller, service or
CI of that incident. Each is timed with the migrations' indexes only, then with the indexes that
``bench/README.md`` proposes (created for the measurement and dropped afterwards).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import harness
from cmdb_impact import APPS_PER_SYSTEM, DATABASES_PER_SYSTEM, VMS_PER_SYSTEM, Layout
from cmdb_impact import load as load_cmdb
from cmdb_impact import loaded as cmdb_loaded
from harness import INCIDENTS
from knowledge_matching import Topic, Writer, Zipf, _topic_of

CONTACTS = 20_000
YEARS = 3
SUBORDINATE_SHARE = 0.1  # of open incidents with an open incident of the same service a little earlier
# The chance that an incident is still open, by age: most new ones are, a few old ones linger.
OPEN_BY_AGE = [
    (datetime.timedelta(days=1), 0.9),
    (datetime.timedelta(days=7), 0.7),
    (datetime.timedelta(days=30), 0.35),
    (datetime.timedelta(days=180), 0.08),
    (datetime.timedelta(days=366 * YEARS), 0.01),
]
OPEN_STATES = ("recorded", "classified", "investigating")
# What the dashboard counts (bench/dashboard.py), drawn with a generator of their own so that the rest of the data
# (texts, services, CIs, callers) stays what it was before these columns were filled.
SUPPORT_GROUPS = 30
CATEGORY_TREE = {
    "Hardware": ["Printers", "Laptops", "Desktops", "Peripherals", "Mobile devices"],
    "Software": ["Office suite", "E-mail", "Business applications", "Operating system"],
    "Network": ["Wi-Fi", "VPN", "LAN", "Internet access"],
    "Access": ["Accounts", "Passwords", "Permissions", "Single sign-on"],
    "Infrastructure": ["Servers", "Storage", "Databases", "Backups"],
}
KNOWN_ERRORS = 500
# Hours within which the service level's targets are met, by priority (response, resolution).
TARGET_HOURS = {1: (0.25, 4), 2: (0.5, 8), 3: (1, 24), 4: (4, 72), 5: (8, 120)}

# The indexes measured (see bench/README.md): partial indexes on the open incidents, as ``Incident.Meta.indexes``
# would create them, and the CI's incidents in order on the link table.
_OPEN = "state IN ('recorded', 'classified', 'investigating')"
PROPOSED_INDEXES = {
    **{
        name: f"CREATE INDEX {name} ON incidents_incident {columns} WHERE {_OPEN}"
        for name, columns in (
            ("incidents_open_search", "USING gin (search_vector)"),
            ("incidents_open_service", "(service_id, reported_at DESC)"),
            ("incidents_open_caller", "(caller_id, reported_at DESC)"),
        )
    },
    "incidents_cis_by_ci": (
        "CREATE INDEX incidents_cis_by_ci ON incidents_incident_cis (configurationitem_id, incident_id)"
    ),
}

_FIRST_NAMES = """
Ann Ben Carla David Eva Frank Grace Hugo Ines Jan Karin Lars Mia Nils Olga Pedro Quinn Rosa Sven Tara Umar Vera Wim
Xena Yusuf Zoe Anouk Bram Chloe Daan Emma Finn Gijs Hanna Ivo Julia Kees Lotte Maarten Noor Aisha Omar Lina Mateo
"""
_LAST_NAMES = """
Jansen Bakker Visser Smit Meijer Mulder Bos Vos Peters Smith Jones Brown Taylor Wilson Evans Martin Bernard Dubois
Durand Garcia Lopez Rossi Russo Novak Nowak Kowalski Schmidt Schneider Fischer Weber Meyer Hansen Larsen Nielsen
"""
FIRST_NAMES, LAST_NAMES = _FIRST_NAMES.split(), _LAST_NAMES.split()
DEPARTMENTS = ["Finance", "HR", "Sales", "Marketing", "Logistics", "Legal", "IT", "Production", "Purchasing"]
CHANNELS = ["phone"] * 6 + ["email"] * 3 + ["walk_in", "chat", "monitoring"]

# --- The data --------------------------------------------------------------------------------------


class IncidentWriter(Writer):
    """Writes incidents (a short description and the caller's symptoms) with a seeded generator."""

    def incident(self, topic: Topic) -> tuple[str, str]:
        rng = self.rng
        words = f"{topic.thing} {topic.problem}".split()
        if topic.context and len(words) + len(topic.context.split()) <= 10:
            words += topic.context.split()
        while len(words) < 4:
            words.append(self.words.draw(rng)[0])
        short = " ".join(words)
        short = short[0].upper() + short[1:]
        opening = rng.choice(
            [
                f"my {topic.thing} {topic.problem}",
                f"the {topic.thing} {topic.problem}",
                f"caller says the {topic.thing} {topic.problem}",
                f"{topic.thing}: {topic.problem}",
                f"when i use the {topic.thing} it {topic.problem}",
            ]
        ).split()
        if topic.context and rng.random() < 0.5:
            opening += topic.context.split()
        symptoms = " ".join(opening + self.filler(max(0, rng.randint(10, 40) - len(opening))))
        return short[:200], symptoms[0].upper() + symptoms[1:] + "."


def system_cis(layout: Layout, system: int) -> list[int]:
    """The CIs an incident of the service of that system may be about: its applications, VMs and databases."""
    return [
        *layout.system_slice(layout.apps, APPS_PER_SYSTEM, system),
        *layout.system_slice(layout.vms, VMS_PER_SYSTEM, system),
        *layout.system_slice(layout.databases, DATABASES_PER_SYSTEM, system),
    ]


def skewed(rng: random.Random, values: Sequence[int], exponent: float) -> Zipf:
    """A Zipf draw over ``values`` (ranks shuffled with the seed)."""
    return Zipf([str(value) for value in values], rng, exponent)


def generate_contacts(now: datetime.datetime) -> Iterable[tuple]:
    for n in range(1, CONTACTS + 1):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[(n * 7) % len(LAST_NAMES)]
        yield (
            *(n, first, last, f"caller{n:05d}@example.org", f"+31 20 {n:07d}", ""),
            *(DEPARTMENTS[n % len(DEPARTMENTS)], n % 50 == 0, True, now, now, ""),
        )


def state_for(age: datetime.timedelta, rng: random.Random) -> str:
    share = next((share for limit, share in OPEN_BY_AGE if age <= limit), 0.01)
    if rng.random() < share:
        return rng.choices(OPEN_STATES, weights=(2, 3, 5))[0]
    return "resolved" if age <= datetime.timedelta(days=7) and rng.random() < 0.5 else "closed"


@dataclass(frozen=True)
class Lifecycle:
    """What happened to incidents after they were recorded, with a generator of its own (see ``lifecycle``)."""

    rng: random.Random
    now: datetime.datetime
    groups: Zipf
    categories: Zipf
    known_errors: Sequence[int]


def _after(median_minutes: float, sigma: float, rng: random.Random) -> datetime.timedelta:
    """A log-normal delay around ``median_minutes``."""
    return datetime.timedelta(minutes=median_minutes * rng.lognormvariate(0, sigma))


def lifecycle(life: Lifecycle, state: str, reported: datetime.datetime, priority: int) -> tuple:
    """The columns the dashboard reads, plausible for the state: classification, escalation and acknowledgement,
    response and resolution (with the service level's verdicts), known error, closure (confirmed by the caller,
    automatic or by the desk), the root cause, satisfaction, the time to log the call, and the serious flag.

    Times are capped a minute before ``now`` (an incident closed minutes after it was reported closes fast)."""
    rng, latest = life.rng, life.now - datetime.timedelta(minutes=1)

    def capped(moment: datetime.datetime) -> datetime.datetime:
        return max(reported, min(moment, latest))

    logging_seconds = int(30 + 150 * rng.lognormvariate(0, 0.5))
    serious = priority == 1 and rng.random() < 0.05
    category = root_cause = group = acknowledged = responded = response_met = resolved = resolution_met = None
    known_error = closed = confirmed = satisfaction = None
    automatic = False
    if state == "recorded":
        return (category, root_cause, group, acknowledged, responded, response_met, resolved, resolution_met,
                known_error, closed, automatic, confirmed, satisfaction, logging_seconds, serious)  # fmt: skip
    response_hours, resolution_hours = TARGET_HOURS[priority]
    category = int(life.categories.draw(rng)[0]) if rng.random() < 0.97 else None
    escalated = state == "investigating" or (state in ("resolved", "closed") and rng.random() < 0.55)
    if escalated:
        group = int(life.groups.draw(rng)[0])
        if state != "investigating" or rng.random() < 0.8:
            acknowledged = capped(reported + _after(25, 1.0, rng))
            responded = acknowledged
    elif state != "classified":
        responded = capped(reported + _after(4, 0.8, rng))
    if responded is not None:
        response_met = responded - reported <= datetime.timedelta(hours=response_hours)
    if state in ("resolved", "closed"):
        took = _after(480, 1.3, rng) if escalated else _after(20, 1.0, rng)
        resolved = capped(max(reported + took, responded or reported))
        resolution_met = resolved - reported <= datetime.timedelta(hours=resolution_hours)
        if rng.random() < 0.2:
            known_error = rng.choice(life.known_errors)
    if state == "closed":
        how = rng.random()
        if how < 0.45:
            confirmed = capped(resolved + _after(24 * 60, 1.0, rng))
            closed = confirmed
            if rng.random() < 0.4:
                satisfaction = rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 12, 40, 40))[0]
        elif how < 0.95:
            automatic = True
            closed = capped(resolved + datetime.timedelta(days=5))
        else:
            closed = capped(resolved + _after(60, 1.0, rng))
        root_cause = category if category is None or rng.random() < 0.82 else int(life.categories.draw(rng)[0])
    return (category, root_cause, group, acknowledged, responded, response_met, resolved, resolution_met,
            known_error, closed, automatic, confirmed, satisfaction, logging_seconds, serious)  # fmt: skip


def generate_incidents(
    rng: random.Random,
    now: datetime.datetime,
    desk_owner: int,
    contacts: Sequence[int],
    services: Sequence[int],
    life: Lifecycle,
    incidents: int,
) -> tuple[list[tuple], list[tuple[int, int]]]:
    """``incidents`` incidents, oldest first (ids grow with time, as in production), and their CIs."""
    writer = IncidentWriter(rng)
    layout = Layout()
    callers = skewed(rng, contacts, 0.6)
    by_service = skewed(rng, services, 0.8)
    cis_of: dict[int, Zipf] = {}
    span = YEARS * 365 * 24 * 3600
    ages = sorted((rng.random() * span for _ in range(incidents)), reverse=True)
    last_open: dict[int, tuple[int, datetime.datetime]] = {}
    rows, links = [], []
    for incident_id, age_seconds in enumerate(ages, start=1):
        age = datetime.timedelta(seconds=age_seconds)
        reported = now - age
        occurred = reported - datetime.timedelta(minutes=rng.randint(0, 240))
        short, symptoms = writer.incident(writer.topic())
        state = state_for(age, rng)
        service = int(by_service.draw(rng)[0]) if rng.random() < 0.9 else None
        parent = None
        if service is not None:
            system = service - 1
            if system not in cis_of:
                cis_of[system] = skewed(rng, system_cis(layout, system), 1.0)
            picked = {int(ci) for ci in cis_of[system].draw(rng, rng.choice((0, 1, 1, 2, 2, 3)))}
            if state in OPEN_STATES:
                earlier = last_open.get(service)
                if earlier and reported - earlier[1] < datetime.timedelta(hours=4) and rng.random() < 0.5:
                    parent = earlier[0]
                else:
                    last_open[service] = (incident_id, reported)
        else:
            picked = set(rng.sample(range(1, layout.apps.stop), rng.choice((0, 1, 1, 2, 2, 3))))
        links.extend((incident_id, ci) for ci in sorted(picked))
        impact, urgency = rng.choice((1, 2, 2, 3, 3, 3)), rng.choice((1, 2, 2, 2, 3))
        priority = min(5, impact + urgency - 1)
        *after, serious = lifecycle(life, state, reported, priority)
        rows.append(
            (
                *(incident_id, f"INC{incident_id + 999:07d}", state, int(callers.draw(rng)[0])),
                *(rng.choice(CHANNELS), occurred, reported, short, symptoms, service),
                *(1, impact, urgency, priority, serious, desk_owner, parent, 1, reported, reported),
                *after,
            )
        )
    return rows, links


_INCIDENT_COLUMNS = (
    *("id", "number", "state", "caller_id", "channel", "occurred_at", "reported_at", "short_description"),
    *("symptoms", "service_id", "affected_users", "impact", "urgency", "priority", "serious", "desk_owner_id"),
    *("parent_id", "version", "created_at", "updated_at"),
    *("category_id", "root_cause_category_id", "assigned_group_id", "acknowledged_at", "responded_at"),
    *("response_met", "resolved_at", "resolution_met", "known_error_id", "closed_at", "closed_automatically"),
    *("confirmed_at", "satisfaction", "logging_seconds"),
)


def reference_data(now: datetime.datetime) -> tuple[list[int], list[int], list[int]]:
    """The support groups, categories (leaves of a small tree) and known errors the incidents refer to;
    created when there are none."""
    from cmdb.models import SupportGroup
    from knowledge.models import Category, KnownError

    if not SupportGroup.objects.exists():
        SupportGroup.objects.bulk_create(
            SupportGroup(name=f"Second line {n:02d}", tier=2, email=f"group{n:02d}@example.org")
            for n in range(1, SUPPORT_GROUPS + 1)
        )
    if not Category.objects.exists():
        for top, leaves in CATEGORY_TREE.items():
            parent = Category.objects.create(name=top)
            Category.objects.bulk_create(Category(name=leaf, parent=parent) for leaf in leaves)
    if not KnownError.objects.exists():
        KnownError.objects.bulk_create(
            KnownError(
                title=f"Known error {n}",
                symptoms="Generated for the benchmarks.",
                published=True,
                published_at=now,
            )
            for n in range(1, KNOWN_ERRORS + 1)
        )
    groups = sorted(SupportGroup.objects.values_list("pk", flat=True))
    categories = sorted(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    known_errors = sorted(KnownError.objects.values_list("pk", flat=True))
    return groups, categories, known_errors


def load(*, seed: int, incidents: int = INCIDENTS) -> None:
    """Empty the incident tables of the benchmark database and load ``incidents`` incidents, saying how long it
    took.

    The table's own indexes are dropped during the COPY and built again afterwards, as a bulk load does.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    if not cmdb_loaded():
        print("Loading the CMDB benchmark's data first...")
        load_cmdb(seed=seed)
    clock = harness.Stopwatch(digits=0)
    now = datetime.datetime.now(tz=datetime.UTC)
    rng = harness.generator(seed)
    desk_owner, _ = get_user_model().objects.get_or_create(username="bench-desk", defaults={"first_name": "Bench"})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        # CASCADE: what refers to incidents goes too (their history, attachments, re-evaluations).
        cursor.execute(
            "TRUNCATE incidents_activity, incidents_incident_cis, incidents_incident RESTART IDENTITY CASCADE"
        )
        # The audit triggers (incidents.history) stay off, or the load would write a history row per incident
        # and link; so do the day figures' triggers, which are built once at the end instead.
        with harness.triggers_off(cursor, "incidents_incident", "incidents_incident_cis"):
            cursor.execute("SELECT count(*) FROM cmdb_contact")
            if not cursor.fetchone()[0]:
                harness.copy_rows(
                    cursor,
                    "cmdb_contact",
                    (
                        *("id", "first_name", "last_name", "email", "phone", "mobile", "department", "vip"),
                        *("active", "created_at", "updated_at", "language"),
                    ),
                    generate_contacts(now),
                )
                harness.reset_sequences(cursor, "cmdb_contact")
            contacts, services = harness.ids(cursor, "cmdb_contact"), harness.ids(cursor, "cmdb_service")
            groups, categories, known_errors = reference_data(now)
            life_rng = harness.generator(seed + 2)
            groups_drawn, categories_drawn = skewed(life_rng, groups, 0.8), skewed(life_rng, categories, 0.7)
            life = Lifecycle(life_rng, now, groups_drawn, categories_drawn, known_errors)
            rows, links = generate_incidents(rng, now, desk_owner.pk, contacts, services, life, incidents)
            clock.lap("generating")
            # The indexes that do not back a constraint, to build again after the COPY.
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes AS i WHERE i.schemaname = current_schema()"
                " AND i.tablename = 'incidents_incident' AND NOT EXISTS ("
                "  SELECT FROM pg_constraint AS c WHERE c.conindid = (quote_ident(i.indexname))::regclass)"
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            harness.copy_rows(cursor, "incidents_incident", _INCIDENT_COLUMNS, rows)
            harness.copy_rows(cursor, "incidents_incident_cis", ("incident_id", "configurationitem_id"), links)
            # Django's foreign keys are checked at commit; the index builds cannot wait for that.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            clock.lap("COPY", f"({len(rows):,} incidents, {len(links):,} CI links) and checking the foreign keys")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SELECT setval(pg_get_serial_sequence('incidents_incident', 'id'), %s)", [len(rows)])
            cursor.execute("SELECT setval('incidents_incident_number_seq', %s)", [len(rows) + 1000])
        clock.lap("indexes")
        # The dashboard's day figures (incidents.models.figures), which the triggers keep, built once.
        cursor.execute("SELECT incidents_rebuild_figures()")
    clock.lap("day figures")
    harness.vacuum_analyze(
        *("incidents_incident", "incidents_incident_cis", "cmdb_contact", "incidents_dayfigures"),
        *("incidents_cidayfigures", "incidents_servicedayfigures", "incidents_categorydayfigures"),
    )
    clock.lap("VACUUM ANALYZE")
    print(clock.summary())


def ensure_loaded(*, reload: bool, seed: int, incidents: int = INCIDENTS) -> None:
    """The million incidents (or ``incidents``) in the benchmark database: loaded when missing or asked for, else
    reused (the other incident benchmarks share them)."""
    harness.ensure_data(
        f"{incidents:,} incidents",
        loaded=lambda: loaded(incidents),
        load=lambda: load(seed=seed, incidents=incidents),
        reload=reload,
        data="the incidents",
    )


def loaded(incidents: int = INCIDENTS) -> bool:
    from incidents.models import Incident

    # Incidents loaded before the loader filled the lifecycle's columns (closed_at...) are loaded again.
    return (
        Incident.objects.count() == incidents
        and Incident.cis.through.objects.exists()
        and Incident.objects.filter(state="closed", closed_at__isnull=False).exists()
    )


# --- The measurements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    target_id: int
    fault: tuple[str, str]
    caller_id: int | None = None
    service_id: int | None = None
    ci_ids: tuple[int, ...] = ()
    typo: bool = False


def queries(*, samples: int, seed: int) -> list[Query]:
    """Callers' words about random open incidents, some with a typo, some with its caller, service or CI."""
    from incidents.models import Incident

    rng = harness.generator(seed + 1)
    writer = Writer(rng)
    ids = list(Incident.objects.filter(state__in=OPEN_STATES).values_list("id", flat=True))
    picked = rng.sample(ids, min(samples, len(ids)))
    targets = Incident.objects.in_bulk(picked)
    cis: dict[int, list[int]] = {}
    for incident_id, ci in Incident.cis.through.objects.filter(incident_id__in=picked).values_list(
        "incident_id", "configurationitem_id"
    ):
        cis.setdefault(incident_id, []).append(ci)
    out = []
    for incident in (targets[incident_id] for incident_id in picked):
        thing, problem, category = _topic_of(incident.short_description)
        typo = rng.random() < 0.33
        with_caller, with_service, with_ci = rng.random() < 0.4, rng.random() < 0.4, rng.random() < 0.3
        out.append(
            Query(
                text=writer.query(Topic(thing, problem, "", category), typo=typo),
                target_id=incident.id,
                fault=(thing, problem),
                caller_id=incident.caller_id if with_caller else None,
                service_id=incident.service_id if with_service else None,
                ci_ids=tuple(sorted(cis.get(incident.id, []))[:1]) if with_ci else (),
                typo=typo,
            )
        )
    return out


def measure(sample: list[Query]) -> None:
    from incidents.recording.similar import similar_incidents

    def lookup(query: Query, *, text: bool = True, structured: bool = True, words: int | None = None) -> list:
        typed = " ".join(query.text.split()[:words]) if words else query.text
        return similar_incidents(
            text=typed if text else "",
            caller_id=query.caller_id if structured else None,
            service_id=query.service_id if structured else None,
            ci_ids=query.ci_ids if structured else (),
        )

    def row(label: str, subset: list[Query], **how: bool | int) -> None:
        harness.timed(label, subset, lambda query: len(lookup(query, **how)), counted="results")

    with_context = [q for q in sample if q.caller_id or q.service_id or q.ci_ids]
    typos = [q for q in sample if q.typo]
    row("text only", sample, structured=False)
    row(f"text + caller/service/CI ({len(with_context)} queries)", with_context)
    row(f"with a typo ({len(typos)} queries)", typos)
    row("the first two words only (while typing)", sample, words=2, structured=False)
    row("caller/service/CI, no text yet", with_context, text=False)

    # How good the answers are: is an open incident about the same fault (the same thing failing the same
    # way) first, or among the five shown? With the caller, service or CI: is the incident itself shown?
    def faults(query: Query) -> list[tuple[str, str]]:
        return [_topic_of(m.incident.short_description)[:2] for m in lookup(query, structured=False)]

    for label, subset in (("all queries, text only", sample), ("queries with a typo, text only", typos)):
        first, shown = harness.hit_rates(subset, faults, lambda query: query.fault)
        print(
            f"  {label}: an open incident about the same fault first in {first:.0%},"
            f" among the five shown in {shown:.0%}"
        )
    _, itself = harness.hit_rates(
        with_context, lambda query: [m.incident.id for m in lookup(query)], lambda query: query.target_id
    )
    print(f"  with the caller, service or CI: the incident itself among the five in {itself:.0%}")


def proposed_indexes(*, create: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name, definition in PROPOSED_INDEXES.items():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
            if create:
                _, ms = harness.clocked(lambda definition=definition: cursor.execute(definition))
                cursor.execute("SELECT pg_size_pretty(pg_relation_size(%s::regclass))", [name])
                print(f"  built {name} in {ms / 1000:.1f} s ({cursor.fetchone()[0]})")
        cursor.execute("ANALYZE incidents_incident, incidents_incident_cis")


def ensure_vectors() -> None:
    """The open incidents' vectors (decision 0056), embedded when missing (a few minutes on one core the first time),
    then this process's first read of them all, timed."""
    from incidents.recording import meaning
    from incidents.recording.vectors import incidents_embed

    written, ms = harness.clocked(lambda: incidents_embed(batch=256))
    if written:
        print(f"Embedded {written:,} open incidents in {ms / 1000:.0f} s.")
    meaning.forget()
    _, ms = harness.clocked(lambda: meaning.nearest_open("printer", count=1, floor=0.0))
    print(f"This process's first read of the open incidents' vectors: {ms:.0f} ms.")


def describe() -> None:
    """Print the size of the data set on disk."""
    table, fts, links, open_count, version = harness.fetch_one(
        "SELECT pg_size_pretty(pg_total_relation_size('incidents_incident')),"
        " pg_size_pretty(pg_relation_size('incidents_search')),"
        " pg_size_pretty(pg_total_relation_size('incidents_incident_cis')),"
        " (SELECT count(*) FROM incidents_incident WHERE state = ANY(%s)), version()",
        [list(OPEN_STATES)],
    )
    print(
        f"On disk: incidents {table} with their indexes (tsvector GIN {fts}), CI links {links};"
        f" {open_count:,} open incidents. {version.split(' on ')[0]}."
    )


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the incidents", samples=(200, "queries"), incidents=True)
    parser.add_argument(
        "--meaning",
        choices=("with", "without"),
        default="with",
        help="rank with the open incidents' vectors (default), or by the words alone as before decision 0056",
    )
    parser.add_argument(
        "--indexes",
        choices=("without", "with", "both"),
        default="both",
        help="measure with the migrations' indexes only, with the proposed ones too, or both (default)",
    )
    args = parser.parse_args(argv)

    harness.setup(None)  # every app: incidents rests on all, and its loaders write their columns
    ensure_loaded(reload=args.reload, seed=args.seed, incidents=args.incidents)
    if args.meaning == "with":
        ensure_vectors()
    else:
        from incidents.recording import similar
        from incidents.recording.meaning import Meaning

        similar.nearest_open = lambda *args, **kwargs: Meaning([], None)
        similar.TEXT_OFFER_AT = similar.TEXT_ONLY_OFFER_AT  # as before vectors: the words alone at decision 51's
    describe()
    sample = queries(samples=args.samples, seed=args.seed)
    print(
        f"{len(sample)} callers' queries of 5-12 words about open incidents ({sum(q.typo for q in sample)} with a"
        " typo), warm cache:"
    )
    try:
        if args.indexes in ("without", "both"):
            proposed_indexes(create=False)
            print("With the migrations' indexes only:")
            measure(sample)
        if args.indexes in ("with", "both"):
            print("With the proposed indexes (partial on open incidents; the links by CI):")
            proposed_indexes(create=True)
            measure(sample)
    finally:
        proposed_indexes(create=False)


if __name__ == "__main__":
    main()
