"""How well the desk's matching finds what a caller means: the phrasings of ``bench/matching_eval/`` against the demo.

Run it with ``uv run python bench/matching_quality.py`` (``--verbose`` lists the misses, ``--help`` the options).
It loads the demo data (``manage.py serve --demo``'s ``load_demo``) into a database of its own,
``<BENCH_DATABASE>_matching`` (``servicedesk_bench_matching`` by default), on the server the portal uses, with
the clock at ``MOMENT``: the demo is seeded and relative to now, so the same moment gives the same open incidents
on every run. Later runs reuse the data (``--reload`` drops the database and loads it again).

Each phrasing goes through the code the pages call, as they call it, with the caller's words only (no service,
CI or caller picked):

- the known-error matcher as the call-logging panel shows it (``known_error_matches``, five matches);
- the similar open incidents of the same panel (``similar_incidents``, five);
- the knowledge search page ``/knowledge/?q=`` (its form, then ``knowledge_search``; its known errors, ten).

For the phrasings with a right answer: top-1 and top-3 (a right one first, among the first three), MRR (the mean
of 1/rank of the first right one, 0 when not listed) and "listed" (anywhere in the list). For those with none:
the false offers (something was listed anyway). Then the same by tag, and for the known errors by the word
stems a phrasing shares with its known error's title and symptoms. The set's format: ``bench/README.md``.
"""

from __future__ import annotations

import datetime
import re
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import harness
import yaml

EVAL_DIR = Path(__file__).resolve().parent / "matching_eval"
KNOWN_ERRORS_FILE = EVAL_DIR / "known_errors.yaml"
INCIDENTS_FILE = EVAL_DIR / "incidents.yaml"
DATABASE = f"{harness.BENCH_DATABASE}_matching"
# The clock while the demo is loaded and searched: a Tuesday afternoon, so that "this morning's" clusters are of
# that day. The incidents the set names as open are those open at this moment.
MOMENT = datetime.datetime(2026, 12, 1, 14, 0, tzinfo=datetime.UTC)
PANEL_LIMIT = 5  # what the call-logging panel shows of each
SEARCH_LIMIT = 10  # the knowledge search page's list
NONE = "none"
TAGS = ("short", "misspelt", "own-words", "paraphrase", "long", "non-native", "ci-name")
# Shared word stems with the known error (title and symptoms), as the breakdown groups them.
OVERLAP_GROUPS = (("no shared stem", 0, 0), ("1-2 shared stems", 1, 2), ("3+ shared stems", 3, 10_000))


# --- The set --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A caller's phrasing and the keys of the right answers (none: empty); ``about`` is the demo topic of a
    none-case whose incidents are all closed."""

    text: str
    expected: frozenset[str]
    tags: tuple[str, ...]
    about: str = ""


def read_cases(path: Path, field: str) -> list[Case]:
    """The cases of one file of the set; ``field`` holds the answer: a key, a list of keys, or ``none``."""
    cases = []
    for n, raw in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]):
        answer = raw[field]
        if answer == NONE:
            expected: frozenset[str] = frozenset()
        elif isinstance(answer, str):
            expected = frozenset([answer])
        elif isinstance(answer, list) and answer and all(isinstance(key, str) for key in answer):
            expected = frozenset(answer)
        else:
            raise ValueError(f"{path.name}: case {n} has no {field} (a key, a list of keys, or none)")
        cases.append(Case(raw["text"], expected, tuple(raw.get("tags", ())), raw.get("about", "")))
    return cases


def set_problems(cases: Sequence[Case], *, keys: Iterable[str], topics: Iterable[str] = ()) -> list[str]:
    """What is wrong with a file's cases: an answer or ``about`` that the demo does not have, an unknown tag, a
    phrasing twice, or text missing."""
    keys, topics = set(keys), set(topics)
    problems, seen = [], set()
    for case in cases:
        where = case.text[:60] or "(no text)"
        problems += [f"{where}: no such answer {key!r}" for key in sorted(case.expected - keys)]
        problems += [f"{where}: no such tag {tag!r}" for tag in case.tags if tag not in TAGS]
        if case.about and case.about not in topics:
            problems.append(f"{where}: no such topic {case.about!r}")
        if not case.text.strip() or not case.tags:
            problems.append(f"{where}: text and at least one tag are needed")
        if case.text.lower() in seen:
            problems.append(f"{where}: twice")
        seen.add(case.text.lower())
    return problems


# --- The figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one tool listed for one case, as keys, best first."""

    case: Case
    found: tuple[str, ...]

    @property
    def rank(self) -> int | None:
        """The rank of the first right answer (from 1), None when none is listed."""
        return next((i for i, key in enumerate(self.found, 1) if key in self.case.expected), None)


@dataclass(frozen=True)
class Figures:
    answered: int  # cases with a right answer
    top1: float
    top3: float
    mrr: float
    listed: float
    nones: int  # cases with none
    false_offers: float

    def row(self) -> str:
        def share(value: float, count: int) -> str:
            return f"{value:6.0%}" if count else "     -"

        mrr = f"{self.mrr:6.2f}" if self.answered else "     -"
        return (
            f"{self.answered:5d} {share(self.top1, self.answered)} {share(self.top3, self.answered)} {mrr}"
            f" {share(self.listed, self.answered)}   {self.nones:5d} {share(self.false_offers, self.nones)}"
        )


HEADER = f"{'cases':>5} {'top-1':>6} {'top-3':>6} {'MRR':>6} {'listed':>6}   {'none':>5} {'false':>6}"


def figures(outcomes: Sequence[Outcome]) -> Figures:
    """Top-1, top-3, MRR and listed over the cases with an answer; the false-offer rate over those with none."""
    answered = [o for o in outcomes if o.case.expected]
    nones = [o for o in outcomes if not o.case.expected]
    ranks = [o.rank for o in answered]

    def mean(values: Iterable[float]) -> float:
        values = list(values)
        return statistics.fmean(values) if values else 0.0

    return Figures(
        answered=len(answered),
        top1=mean(rank == 1 for rank in ranks),
        top3=mean(rank is not None and rank <= 3 for rank in ranks),
        mrr=mean(1 / rank if rank else 0.0 for rank in ranks),
        listed=mean(rank is not None for rank in ranks),
        nones=len(nones),
        false_offers=mean(bool(o.found) for o in nones),
    )


def overlap_group(shared: int) -> str:
    return next(name for name, low, high in OVERLAP_GROUPS if low <= shared <= high)


# --- The demo -------------------------------------------------------------------------------------


def summary_patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each way the demo words an incident's short description, with its topic: the topics' summaries
    (``{floor}`` and ``{city}`` stand for the caller's) and the clusters' calls."""
    from incidents.demo.records import CLUSTERS, TOPICS

    def pattern(summary: str) -> re.Pattern[str]:
        parts = re.split(r"\{(?:floor|city)\}", summary)
        return re.compile(".+".join(re.escape(part) for part in parts) + r"\Z")

    found = [(pattern(summary), topic.key) for topic in TOPICS for summary in topic.summaries]
    found += [(pattern(call.summary), cluster.topic) for cluster in CLUSTERS for call in cluster.calls]
    return found


def topic_of(summary: str, patterns: Sequence[tuple[re.Pattern[str], str]]) -> str:
    """The demo topic of an incident, from its short description ("" when no topic words it so)."""
    topics = {topic for pattern, topic in patterns if pattern.match(summary)}
    if len(topics) > 1:
        raise ValueError(f"{summary!r} could be any of {sorted(topics)}")
    return topics.pop() if topics else ""


def loaded() -> bool:
    from incidents.choices import ActivityKind
    from incidents.models import Activity

    return Activity.objects.filter(kind=ActivityKind.RECORDED, data__demo=True).exists()


def load() -> None:
    from django.db import connection

    from servicedesk.demo import load_demo

    load_demo()
    with connection.cursor() as cursor:
        # The matcher reads word frequencies from the planner's statistics, as on a server autovacuum keeps them.
        cursor.execute("ANALYZE")


# --- Running the tools ----------------------------------------------------------------------------


def matcher(text: str) -> tuple[str, ...]:
    """The known errors the call-logging panel shows for these words (``incidents.views.recording.similar``)."""
    from knowledge.matching import known_error_matches

    matches = known_error_matches(text=text, limit=PANEL_LIMIT) if text else []
    return tuple(match.known_error.title for match in matches)


def search_page(text: str) -> tuple[str, ...]:
    """The known errors the knowledge search page lists (``knowledge.views.search.knowledge_search``): its form
    refuses what it refuses, and the page shows nothing then."""
    from knowledge.forms import KnowledgeSearchForm
    from knowledge.search import knowledge_search

    form = KnowledgeSearchForm({"q": text})
    if not (form.is_valid() and form.cleaned_data["q"].strip()):
        return ()
    return tuple(ke.title for ke in knowledge_search(text=form.cleaned_data["q"], limit=SEARCH_LIMIT).known_errors)


def similar_panel(patterns: Sequence[tuple[re.Pattern[str], str]]) -> Callable[[str], tuple[str, ...]]:
    """The open incidents the call-logging panel shows for these words, as their demo topics."""
    from incidents.recording.similar import similar_incidents

    def similar(text: str) -> tuple[str, ...]:
        return tuple(topic_of(match.incident.short_description, patterns) for match in similar_incidents(text=text))

    return similar


def run(cases: Sequence[Case], tool: Callable[[str], tuple[str, ...]]) -> list[Outcome]:
    return [Outcome(case, tool(case.text)) for case in cases]


def shared_stems(cases: Sequence[Case]) -> dict[str, int]:
    """For each known-error phrasing: how many word stems it shares with its known error's title and symptoms."""
    from django.db import connection

    from knowledge.models import SEARCH_CONFIG, KnownError

    texts = dict(KnownError.objects.values_list("title", "symptoms"))
    stems = "SELECT coalesce(tsvector_to_array(to_tsvector(%s::regconfig, %s)), '{}')"
    shared = {}
    with connection.cursor() as cursor:
        for case in cases:
            if not case.expected:
                continue
            (title,) = case.expected
            cursor.execute(stems, [SEARCH_CONFIG, case.text])
            said = set(cursor.fetchone()[0])
            cursor.execute(stems, [SEARCH_CONFIG, f"{title} {texts[title]}"])
            shared[case.text] = len(said & set(cursor.fetchone()[0]))
    return shared


# --- The report -----------------------------------------------------------------------------------


def print_table(title: str, rows: Sequence[tuple[str, Sequence[Outcome]]], *, width: int = 44) -> None:
    print(f"\n{title}")
    print(f"  {'':<{width}} {HEADER}")
    for label, outcomes in rows:
        if outcomes:
            print(f"  {label:<{width}} {figures(outcomes).row()}")


def by_tag(outcomes: Sequence[Outcome]) -> list[tuple[str, list[Outcome]]]:
    return [(tag, [o for o in outcomes if tag in o.case.tags]) for tag in TAGS]


def print_misses(label: str, outcomes: Sequence[Outcome]) -> None:
    missed = [o for o in outcomes if (o.rank != 1 if o.case.expected else o.found)]
    print(f"\n{label}: {len(missed)} of {len(outcomes)} not right first")
    for o in missed:
        wanted = " | ".join(sorted(o.case.expected)) or NONE
        got = " | ".join(key or "(not a demo topic)" for key in o.found[:3]) or "nothing"
        print(f"  - {o.case.text[:100]!r}\n      wanted: {wanted} (rank {o.rank or '-'})\n      got:    {got}")


def check_demo(incident_cases: Sequence[Case], open_topics: set[str]) -> None:
    """Warn when the set no longer fits the demo: a topic it names as open has no open incident, or one it names
    as closed has."""
    for case in incident_cases:
        for topic in sorted(case.expected - open_topics):
            print(f"warning: no open incident of {topic!r} ({case.text[:50]!r})", file=sys.stderr)
        if case.about in open_topics:
            print(f"warning: {case.about!r} has an open incident ({case.text[:50]!r})", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the demo data")
    parser.add_argument("--verbose", action="store_true", help="list the cases each tool does not get right first")
    parser.add_argument(
        "--known-errors",
        type=Path,
        default=KNOWN_ERRORS_FILE,
        metavar="FILE",
        help="the known errors' phrasings, in the set's format (default: the set's)",
    )
    args = parser.parse_args(argv)
    known_error_cases = read_cases(args.known_errors, "known_error")
    incident_cases = read_cases(INCIDENTS_FILE, "open")

    import time_machine

    with time_machine.travel(MOMENT, tick=True):
        harness.setup(None, database=DATABASE, fresh=args.reload)
        from incidents.choices import OPEN_STATES
        from incidents.demo.records import TOPICS
        from incidents.models import Incident
        from knowledge.demo.records import KNOWN_ERRORS

        published = {spec.title for spec in KNOWN_ERRORS if not spec.draft}
        problems = set_problems(known_error_cases, keys=published)
        problems += set_problems(incident_cases, keys={t.key for t in TOPICS}, topics={t.key for t in TOPICS})
        if problems:
            raise SystemExit("The set does not fit the demo data:\n  " + "\n  ".join(problems))
        harness.ensure_data(
            "the demo data", loaded=loaded, load=load, reload=args.reload, data="the demo data", database=DATABASE
        )
        from incidents.recording.vectors import incidents_embed
        from knowledge.vectors import known_errors_embed

        incidents_embed()  # a database loaded before incidents had vectors
        known_errors_embed()  # or with vectors of an earlier kind (decisions 0061, 0066)
        patterns = summary_patterns()
        open_summaries = list(
            Incident.objects.filter(state__in=OPEN_STATES).values_list("short_description", flat=True)
        )
        open_topics = {topic_of(summary, patterns) for summary in open_summaries}
        check_demo(incident_cases, open_topics)
        results = {
            "known errors: matcher (logging panel)": run(known_error_cases, matcher),
            "similar open incidents (logging panel)": run(incident_cases, similar_panel(patterns)),
            "known errors: knowledge search page": run(known_error_cases, search_page),
        }
        overlap = shared_stems(known_error_cases)

    print(
        f"\nMatching quality: the demo data at {MOMENT:%Y-%m-%d %H:%M} UTC, {len(open_summaries)} open incidents;"
        f" {len(known_error_cases)} known-error phrasings, {len(incident_cases)} incident phrasings"
        f"\n{harness.server_version()}"
    )
    print_table("All cases", list(results.items()))
    for label, outcomes in results.items():
        print_table(f"{label}, by tag", by_tag(outcomes), width=16)
    for label in ("known errors: matcher (logging panel)", "known errors: knowledge search page"):
        outcomes = results[label]
        groups = [
            (name, [o for o in outcomes if o.case.expected and overlap_group(overlap[o.case.text]) == name])
            for name, _low, _high in OVERLAP_GROUPS
        ]
        print_table(f"{label}, by word stems shared with the known error", groups, width=16)
    if args.verbose:
        for label, outcomes in results.items():
            print_misses(label, outcomes)


if __name__ == "__main__":
    main()
