"""Benchmark of known-error matching (``knowledge/matching.py``) on a knowledge base of 50,000 known errors.

Run it with ``uv run python bench/knowledge_matching.py`` (``--help`` lists the options). It works in the
benchmarks' own database, ``servicedesk_bench`` (see ``bench/README.md``), so it never touches development
data. The known errors are loaded once, with COPY; later runs reuse them (``--reload`` loads them again).

The known errors are written in the words of an IT service desk: a few hundred content words and phrases
(devices, applications, accounts, symptoms, error codes) drawn with Zipf-like frequencies, so that a few
words ("error", "screen", "working") are in most known errors and most words are rare, and stop words
between them as in real sentences. Each known error is about one thing failing in one way ("Printer paper
jam after the toner change"); its symptoms say so in 15 to 60 words, in a caller's phrasing. About 90% are
published. They are linked to categories, services and CIs: those of the CMDB benchmark when it has been
loaded (``bench/cmdb_impact.py``), otherwise a small set created here.

Every known error is embedded as the portal does (``manage.py embed_known_errors``: the real model, one thread,
about 70 ms a known error of some 50 tokens on a busy machine, so an hour for 50,000);
a data set loaded before the vectors existed, or with another model's, is embedded on the next run, without loading
it again.

The queries are what an operator types while a caller talks: 5 to 12 words about the problem of a
published known error, mixed with the caller's own words, a third of them with a typo, and some with the
incident's CI, service or category.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import harness

KNOWN_ERRORS = 50_000
PUBLISHED_SHARE = 0.9
# The small CMDB created when the CMDB benchmark's data are not there.
OWN_CIS, OWN_SERVICES = 2_000, 100

# --- The vocabulary --------------------------------------------------------------------------------
#
# What fails (with its category) and how it fails, by kind of thing. A known error is one thing failing
# in one way, in some circumstances.

HARDWARE = {
    "printer": "Printer",
    "label printer": "Printer",
    "plotter": "Printer",
    "scanner": "Printer",
    "multifunction printer": "Printer",
    "laptop": "Laptop",
    "desktop pc": "Desktop",
    "thin client": "Desktop",
    "monitor": "Monitor",
    "external monitor": "Monitor",
    "docking station": "Laptop",
    "keyboard": "Peripherals",
    "mouse": "Peripherals",
    "headset": "Peripherals",
    "webcam": "Peripherals",
    "usb stick": "Peripherals",
    "external disk": "Peripherals",
    "smart card reader": "Peripherals",
    "badge reader": "Peripherals",
    "projector": "Meeting rooms",
    "meeting room screen": "Meeting rooms",
    "desk phone": "Telephony",
    "mobile phone": "Telephony",
    "tablet": "Telephony",
    "charger": "Laptop",
    "battery": "Laptop",
}
HARDWARE_PROBLEMS = [
    "paper jam",
    "toner empty",
    "streaks on the paper",
    "shows offline",
    "not detected",
    "no signal",
    "flickers",
    "black screen",
    "blue screen",
    "overheats",
    "loud fan noise",
    "does not charge",
    "battery drains fast",
    "keys stuck",
    "cursor jumps",
    "no sound",
    "microphone muted",
    "echo on calls",
    "blurry image",
    "does not power on",
    "beeps on startup",
    "stuck on the logo",
    "disconnects randomly",
    "driver missing",
    "firmware update failed",
    "cracked screen",
    "dead pixels",
    "wrong resolution",
    "prints blank pages",
    "error 0x0000007b",
]
SOFTWARE = {
    "outlook": "E-mail",
    "mailbox": "E-mail",
    "shared mailbox": "E-mail",
    "calendar": "E-mail",
    "teams": "Collaboration",
    "zoom": "Collaboration",
    "sharepoint": "Collaboration",
    "onedrive": "Collaboration",
    "excel": "Office",
    "word": "Office",
    "powerpoint": "Office",
    "adobe reader": "Office",
    "browser": "Browser",
    "chrome": "Browser",
    "edge": "Browser",
    "citrix": "Remote access",
    "remote desktop": "Remote access",
    "vpn client": "Remote access",
    "sap": "Business applications",
    "payroll application": "Business applications",
    "timesheet": "Business applications",
    "crm": "Business applications",
    "expense tool": "Business applications",
    "hr portal": "Business applications",
    "intranet": "Business applications",
    "antivirus": "Security",
    "windows update": "Operating system",
    "java runtime": "Business applications",
}
SOFTWARE_PROBLEMS = [
    "crashes on start",
    "freezes",
    "very slow",
    "cannot open attachments",
    "not syncing",
    "mailbox full",
    "meeting invitations missing",
    "add-in disabled",
    "license expired",
    "certificate error",
    "error 0x80070005",
    "error 0x800ccc0e",
    "error 500",
    "page not found",
    "login loop",
    "session timeout",
    "file locked by another user",
    "cannot save files",
    "update stuck at 30 percent",
    "macro blocked",
    "plugin missing",
    "spinning wheel",
    "white screen",
    "search not working",
    "printing fails",
    "keeps asking for the password",
    "wrong time zone",
    "error 1603 during installation",
]
ACCESS = {
    "password": "Passwords",
    "account": "Accounts",
    "multi factor authentication": "Accounts",
    "authenticator app": "Accounts",
    "security token": "Accounts",
    "shared drive": "File shares",
    "network share": "File shares",
    "mapped drive": "File shares",
    "printer queue": "Printer",
    "distribution list": "E-mail",
    "vpn connection": "VPN",
    "wifi": "Wi-Fi",
    "guest wifi": "Wi-Fi",
    "network cable": "LAN",
    "network port": "LAN",
}
ACCESS_PROBLEMS = [
    "expired",
    "locked out",
    "access denied",
    "permission missing",
    "cannot connect",
    "drops every few minutes",
    "no internet",
    "limited connectivity",
    "authentication failed",
    "code not accepted",
    "reset link not received",
    "error 691",
    "error 809",
    "not visible",
    "very slow",
]
CATEGORY_TREE = {
    "Hardware": ["Printer", "Laptop", "Desktop", "Monitor", "Peripherals", "Meeting rooms", "Telephony"],
    "Software": ["E-mail", "Collaboration", "Office", "Browser", "Business applications", "Security"],
    "Access": ["Passwords", "Accounts", "File shares", "Remote access"],
    "Network": ["VPN", "Wi-Fi", "LAN"],
    "Workplace": ["Operating system"],
}
CONTEXTS = [
    "since this morning",
    "after the update",
    "after a restart",
    "when working from home",
    "in the meeting room",
    "on the third floor",
    "every few minutes",
    "since yesterday",
    "after moving desks",
    "for the whole team",
    "only on battery",
    "when docked",
    "after the password change",
    "with large files",
    "on the new laptops",
    "after the toner change",
    "at the branch office",
    "during video calls",
    "",
    "",
]
# The caller's and the writer's other words, ranked at random and drawn with Zipf-like frequencies.
_WORDS = """
user users error message screen window click button open close start restart reboot login logon network
connection server file files folder document email mail attachment update install installation driver
device settings setting profile desktop application app program version system computer pc laptop monitor
printer phone meeting call audio video sound camera keyboard mouse cable port usb bluetooth wifi wireless
internet website page browser link download upload sync cloud drive disk space memory cpu slow fast freeze
frozen crash hang stuck blank black blue white grey red light blinking flashing noise loud hot warm battery
power charge charging plug socket dock station office home remote vpn token code password account username
access permission denied locked expired reset change changed new old replaced moved team manager colleague
department floor room building morning afternoon yesterday today week monday friday always sometimes
intermittent random often every minutes hours seconds times again still anymore working works worked fails
failed failing cannot unable shows says displays appears disappears missing lost gone wrong incorrect
invalid unknown unexpected timeout timed response responding loading loads spinning wheel popup warning
notification alert certificate license subscription calendar invitation teams outlook excel word sharepoint
onedrive citrix sap payroll timesheet portal intranet report reports export import print printing scan
scanning paper tray toner cartridge jam ink copy pdf format font signature template macro plugin addin
extension java adobe zoom chrome edge firefox windows mac linux iphone android tablet display resolution
brightness pixels cracked broken damaged spilled coffee water dropped screen menu icon taskbar start
shortcut desktop background wallpaper mailbox quota full archive folder rule rules forward forwarding
shared calendar delegate contact contacts address book directory group groups member members policy
encryption bitlocker recovery key pin fingerprint face unlock sleep hibernate shutdown wake lid fan heat
temperature smell smoke sparks firmware bios boot logo loop safe mode repair restore backup restored
deleted recycle bin version history conflict duplicate copies sync status red cross green tick yellow
triangle exclamation mark question spinning circle hourglass cursor pointer touchpad trackpad keys key
stuck sticky typing characters letters numbers numlock capslock layout language english german french
dutch region timezone clock date time wrong hour daylight saving invoice order purchase approval workflow
ticket request form submit submitted saved save saving autosave recovered crashed unresponsive responding
"""
WORDS = _WORDS.split()
FILLERS = [
    "the {w} {w}",
    "when i {w} the {w}",
    "it {w} {w}",
    "my {w} and {w}",
    "after {w} {w}",
    "then the {w} {w} again",
    "we tried {w} but {w} {w}",
    "there is a {w} {w}",
    "nothing {w}",
    "{w} {w} {w}",
    "since the {w}",
]
CALLER_OPENINGS = ["", "", "hi", "hello, my", "the", "our", "my colleague says the", "again the", "urgent:"]
CALLER_CLOSINGS = ["", "", "", "please help", "cannot work", "since this morning", "again", "urgent", "for everyone"]


class Zipf:
    """Draws words with frequencies proportional to 1 / rank (after a seeded shuffle of the ranks)."""

    def __init__(self, words: Sequence[str], rng: random.Random, exponent: float = 1.0) -> None:
        self.words = list(dict.fromkeys(words))
        rng.shuffle(self.words)
        self.weights = [1 / (rank + 1) ** exponent for rank in range(len(self.words))]
        self.cumulative = list(_accumulate(self.weights))

    def draw(self, rng: random.Random, k: int = 1) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


def _accumulate(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


@dataclass(frozen=True)
class Topic:
    thing: str
    problem: str
    context: str
    category: str


def topics() -> list[tuple[str, str, str]]:
    """Every (thing, problem, category) pair: the faults a knowledge base could describe."""
    pairs = []
    for things, problems in ((HARDWARE, HARDWARE_PROBLEMS), (SOFTWARE, SOFTWARE_PROBLEMS), (ACCESS, ACCESS_PROBLEMS)):
        pairs.extend((thing, problem, category) for thing, category in things.items() for problem in problems)
    return pairs


class Writer:
    """Writes known errors and callers' queries with a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = Zipf(WORDS, rng)
        pairs = topics()
        rng.shuffle(pairs)
        self.pairs = pairs
        self.pair_weights = list(_accumulate(1 / (rank + 1) ** 0.6 for rank in range(len(pairs))))

    def topic(self) -> Topic:
        thing, problem, category = self.rng.choices(self.pairs, cum_weights=self.pair_weights)[0]
        return Topic(thing, problem, self.rng.choice(CONTEXTS), category)

    def filler(self, words: int) -> list[str]:
        out: list[str] = []
        while len(out) < words:
            template = self.rng.choice(FILLERS)
            drawn = iter(self.words.draw(self.rng, template.count("{w}")))
            out.extend(" ".join(next(drawn) if part == "{w}" else part for part in template.split()).split())
        return out[:words]

    def known_error(self, topic: Topic) -> tuple[str, str, str, str]:
        rng = self.rng
        title = f"{topic.thing.capitalize()} {topic.problem} {topic.context}".strip()
        opening = rng.choice(
            [
                f"The {topic.thing} {topic.problem}",
                f"Callers report that the {topic.thing} {topic.problem}",
                f"{topic.thing.capitalize()}: {topic.problem}",
                f"When they use the {topic.thing} it {topic.problem}",
            ]
        ).split()
        if topic.context:
            opening += topic.context.split()
        symptoms = " ".join(opening + self.filler(max(0, rng.randint(15, 60) - len(opening)))) + "."
        cause = " ".join(["The", *self.filler(rng.randint(8, 25))]) + "."
        steps = [" ".join([f"{n}.", *self.filler(rng.randint(4, 10))]) for n in range(1, rng.randint(2, 5) + 1)]
        return title[:200], symptoms, cause, "\n".join(steps)

    def query(self, topic: Topic, *, typo: bool) -> str:
        """What an operator types: the caller's words about the topic, 5 to 12 words, maybe with a typo."""
        rng = self.rng
        core = f"{topic.thing} {topic.problem}".split()
        words = rng.choice(CALLER_OPENINGS).split() + core
        if rng.random() < 0.5 and topic.context:
            words += topic.context.split()
        words += rng.choice(CALLER_CLOSINGS).split()
        target = rng.randint(5, 12)
        while len(words) < target:
            words.insert(rng.randrange(len(words) + 1), self.words.draw(rng)[0])
        words = words[:12]
        if typo:
            long_words = [i for i, word in enumerate(words) if word in core and len(word) >= 5 and word.isalpha()]
            if long_words:
                i = rng.choice(long_words)
                words[i] = misspell(words[i], rng)
        return " ".join(words)


def misspell(word: str, rng: random.Random) -> str:
    """A typo as operators make them: two letters swapped, one dropped or one doubled."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


# --- Loading ---------------------------------------------------------------------------------------


def cmdb_ids(cursor, rng: random.Random, now: datetime.datetime) -> tuple[list[int], list[int]]:
    """The ids of the CIs and services to link to: the CMDB benchmark's, or a small set created here."""
    cursor.execute("SELECT count(*) FROM cmdb_configurationitem")
    if not cursor.fetchone()[0]:
        harness.copy_rows(
            cursor,
            "cmdb_configurationitem",
            (
                *("name", "ci_class", "status", "serial_number", "asset_tag", "attributes", "description"),
                *("created_at", "updated_at"),
            ),
            ((f"ke-bench-{n:05d}", "server", "live", "", "", "{}", "", now, now) for n in range(OWN_CIS)),
        )
    cursor.execute("SELECT count(*) FROM cmdb_service")
    if not cursor.fetchone()[0]:
        harness.copy_rows(
            cursor,
            "cmdb_service",
            ("name", "description", "criticality", "active", "created_at", "updated_at"),
            (
                (f"KE bench service {n:03d}", "", rng.choice(("low", "medium", "high")), True, now, now)
                for n in range(OWN_SERVICES)
            ),
        )
    return harness.ids(cursor, "cmdb_configurationitem"), harness.ids(cursor, "cmdb_service")


def load(*, seed: int) -> None:
    """Empty the knowledge tables of the benchmark database and load the known errors, saying how long it took."""
    from django.db import connection, transaction

    clock = harness.Stopwatch()
    now = datetime.datetime.now(tz=datetime.UTC)
    rng = harness.generator(seed)
    writer = Writer(rng)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE knowledge_knownerror_cis, knowledge_knownerror_services, knowledge_knownerror_categories,"
            " knowledge_knownerror, knowledge_category RESTART IDENTITY CASCADE"
        )
        cis, services = cmdb_ids(cursor, rng, now)
        category_ids: dict[str, int] = {}
        categories = []
        for parent, children in CATEGORY_TREE.items():
            category_ids[parent] = len(categories) + 1
            categories.append((len(categories) + 1, parent, None, "", True))
            for child in children:
                category_ids[child] = len(categories) + 1
                categories.append((len(categories) + 1, child, category_ids[parent], "", True))
        harness.copy_rows(
            cursor, "knowledge_category", ("id", "name", "parent_id", "description", "active"), categories
        )
        leaves = [name for children in CATEGORY_TREE.values() for name in children]
        rows, ke_cis, ke_services, ke_categories = [], [], [], []
        for ke_id in range(1, KNOWN_ERRORS + 1):
            topic = writer.topic()
            title, symptoms, cause, workaround = writer.known_error(topic)
            published = rng.random() < PUBLISHED_SHARE
            used = rng.choice((0, 0, 0, 1, 2, 5, 12, 40))
            updated = now - datetime.timedelta(days=rng.randint(0, 1500))
            rows.append(
                (
                    *(ke_id, f"KE{ke_id + 999:07d}", title, symptoms, cause, workaround),
                    *(rng.choice(("none", "none", "planned", "in_progress", "released")), published),
                    *(updated if published else None, used, updated if used else None, updated, updated),
                )
            )
            ke_categories.append((ke_id, category_ids[topic.category]))
            if rng.random() < 0.2:
                other = category_ids[rng.choice(leaves)]
                if other != category_ids[topic.category]:
                    ke_categories.append((ke_id, other))
            ke_services.extend((ke_id, s) for s in rng.sample(services, rng.choice((0, 0, 1, 1, 1, 2))))
            ke_cis.extend((ke_id, ci) for ci in rng.sample(cis, rng.choice((0, 0, 1, 1, 2, 3))))
        clock.lap("generating")
        harness.copy_rows(
            cursor,
            "knowledge_knownerror",
            (
                *("id", "number", "title", "symptoms", "cause", "workaround", "fix_status", "published"),
                *("published_at", "times_used", "last_used_at", "created_at", "updated_at"),
            ),
            rows,
        )
        harness.copy_rows(cursor, "knowledge_knownerror_categories", ("knownerror_id", "category_id"), ke_categories)
        harness.copy_rows(cursor, "knowledge_knownerror_services", ("knownerror_id", "service_id"), ke_services)
        harness.copy_rows(cursor, "knowledge_knownerror_cis", ("knownerror_id", "configurationitem_id"), ke_cis)
        harness.reset_sequences(cursor, "knowledge_category", "knowledge_knownerror")
        cursor.execute("SELECT setval('knowledge_knownerror_number_seq', %s)", [KNOWN_ERRORS + 1000])
    clock.lap("COPY with indexes")
    harness.vacuum_analyze(
        *("knowledge_knownerror", "knowledge_knownerror_cis", "knowledge_knownerror_services"),
        *("knowledge_knownerror_categories", "knowledge_category"),
    )
    clock.lap("VACUUM ANALYZE")
    print(clock.summary())


def loaded() -> bool:
    from knowledge.models import KnownError

    return (
        KnownError.objects.count() == KNOWN_ERRORS
        and KnownError.cis.through.objects.exists()
        and KnownError.services.through.objects.exists()
    )


# --- The measurements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    target_id: int
    target_title: str
    service_id: int | None = None
    ci_ids: tuple[int, ...] = ()
    category_id: int | None = None
    typo: bool = False


def queries(*, samples: int, seed: int) -> list[Query]:
    """Callers' queries about random published known errors, some with a typo, a CI, a service, a category."""
    from knowledge.models import KnownError

    rng = harness.generator(seed + 1)
    writer = Writer(rng)
    ids = list(KnownError.objects.filter(published=True).values_list("id", flat=True))
    picked = rng.sample(ids, samples)
    targets = KnownError.objects.in_bulk(picked)
    links = {
        "cis": _links(KnownError.cis.through, "configurationitem_id", targets),
        "services": _links(KnownError.services.through, "service_id", targets),
        "categories": _links(KnownError.categories.through, "category_id", targets),
    }
    out = []
    for ke in (targets[ke_id] for ke_id in picked):
        thing, problem, category = _topic_of(ke.title)
        typo = rng.random() < 0.33
        text = writer.query(Topic(thing, problem, "", category), typo=typo)
        cis, services, categories = (links[kind].get(ke.id, []) for kind in ("cis", "services", "categories"))
        out.append(
            Query(
                text=text,
                target_id=ke.id,
                target_title=ke.title,
                ci_ids=tuple(cis[:1]) if cis and rng.random() < 0.4 else (),
                service_id=services[0] if services and rng.random() < 0.3 else None,
                category_id=categories[0] if categories and rng.random() < 0.3 else None,
                typo=typo,
            )
        )
    return out


def _links(through, column: str, targets: dict) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    rows = through.objects.filter(knownerror_id__in=targets).order_by("knownerror_id", column)
    for ke_id, other in rows.values_list("knownerror_id", column):
        out.setdefault(ke_id, []).append(other)
    return out


def _topic_of(title: str) -> tuple[str, str, str]:
    """The (thing, problem, category) a generated title is about: the longest thing and problem in it."""
    lowered = title.lower()
    best = ("", "", "")
    for thing, problem, category in topics():
        if lowered.startswith(f"{thing} {problem}") and len(thing) + len(problem) > len(best[0]) + len(best[1]):
            best = (thing, problem, category)
    return best


def clocked_first_match(query: Query) -> tuple[float, list]:
    """The first match of a process, which reads the published vectors (``knowledge.meaning``): in ms."""
    from knowledge.matching import known_error_matches

    matches, ms = harness.clocked(lambda: known_error_matches(text=query.text))
    return ms, matches


def measure(*, samples: int, seed: int) -> None:
    from knowledge.matching import known_error_matches

    sample = queries(samples=samples, seed=seed)

    def match(query: Query, *, structured: bool = True) -> list:
        return known_error_matches(
            text=query.text,
            service_id=query.service_id if structured else None,
            ci_ids=query.ci_ids if structured else (),
            category_id=query.category_id if structured else None,
        )

    vectors, _ = clocked_first_match(sample[0])
    print(f"The published vectors read by this process once: {vectors:.0f} ms.")
    with_context = sum(1 for q in sample if q.ci_ids or q.service_id or q.category_id)
    print(
        f"{len(sample)} callers' queries of 5-12 words ({sum(q.typo for q in sample)} with a typo,"
        f" {with_context} with a CI, service or category), warm cache:"
    )

    def row(label: str, subset: list[Query], *, structured: bool = True) -> None:
        harness.timed(label, subset, lambda query: len(match(query, structured=structured)), counted="results")

    typos = [q for q in sample if q.typo]
    row("known_error_matches (text only)", sample, structured=False)
    row("known_error_matches (text + CI/service/category)", sample)
    row("known_error_matches (only the queries with a typo)", typos)

    # How good the answers are: is a known error about the same fault (the same thing failing the same way)
    # first, or among the first ten? Many known errors describe each fault, in different circumstances.
    def faults(query: Query) -> list[tuple[str, str]]:
        return [_topic_of(m.known_error.title)[:2] for m in match(query)]

    for label, subset in (("all queries", sample), ("queries with a typo", typos)):
        first, top10 = harness.hit_rates(subset, faults, lambda query: _topic_of(query.target_title)[:2])
        print(f"{label}: a known error about the same fault first in {first:.0%}, among the first ten in {top10:.0%}")
    print(harness.server_version())


def describe() -> None:
    """Print the size of the data set on disk."""
    table, fts = harness.fetch_one(
        "SELECT pg_size_pretty(pg_total_relation_size('knowledge_knownerror')),"
        " pg_size_pretty(pg_relation_size('knowledge_ke_search'))"
    )
    print(f"On disk: known errors {table} with their indexes (tsvector GIN {fts}).")


def embed_missing() -> None:
    """The vectors of the known errors that have none (all of them after a load), timed."""
    from knowledge.vectors import known_errors_embed

    clock = harness.Stopwatch()
    written = known_errors_embed()
    if written:
        clock.lap(f"{written:,} vectors (manage.py embed_known_errors)")
        harness.vacuum_analyze("knowledge_knownerror")
        print(clock.summary())


# Random vectors of the real shape: a known error's whole text and one to three sentences (``known_error_views``),
# each about unit length, written by the server in a few minutes where the model takes hours.
_RANDOM_VECTORS = """
UPDATE knowledge_knownerror AS k
SET embedding = v.views, embedded_digest = k.words_digest
FROM (
    SELECT k2.id, array_agg(row_values ORDER BY view) AS views
    FROM knowledge_knownerror AS k2
    CROSS JOIN LATERAL generate_series(1, 2 + k2.id %% 3) AS view
    CROSS JOIN LATERAL (
        SELECT array_agg((random() - 0.5) * 2 * sqrt(3.0 / %(dimensions)s)) AS row_values
        FROM generate_series(1, %(dimensions)s)
    ) AS r
    WHERE k2.embedded_digest IS DISTINCT FROM k2.words_digest
    GROUP BY k2.id
) AS v
WHERE v.id = k.id
"""


def random_vectors() -> None:
    """Random vectors for the known errors that have none: the matcher's cost without the hours of the model (its
    answers are then not meant)."""
    from django.db import connection

    from knowledge.embeddings import DIMENSIONS

    clock = harness.Stopwatch()
    with connection.cursor() as cursor:
        cursor.execute(_RANDOM_VECTORS, {"dimensions": DIMENSIONS})
        written = cursor.rowcount
    if written:
        clock.lap(f"{written:,} random vectors")
        harness.vacuum_analyze("knowledge_knownerror")
        print(clock.summary())


def main(argv: list[str] | None = None) -> None:
    parser = harness.arguments(__doc__, samples=(200, "queries"))
    parser.add_argument(
        "--random-vectors",
        action="store_true",
        help="give the known errors without vectors random ones of the real shape instead of the model's (minutes"
        " instead of hours; the timings hold, the answers' quality does not)",
    )
    args = parser.parse_args(argv)
    harness.setup("knowledge")
    harness.ensure_data(
        f"{KNOWN_ERRORS:,} known errors", loaded=loaded, load=lambda: load(seed=args.seed), reload=args.reload
    )
    if args.random_vectors:
        random_vectors()
    embed_missing()
    describe()
    measure(samples=args.samples, seed=args.seed)


if __name__ == "__main__":
    main()
