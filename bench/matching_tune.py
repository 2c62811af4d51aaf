"""The known-error matcher's tuned numbers, from ``bench/matching_eval/`` (``knowledge.matching``, decision 0043):
the weight of the words' score against the meaning's in the ranking, the meaning below which nothing is offered,
the words' score that is offered whatever the meaning (an error code, a CI name), and the score called "strong".

Run it with ``uv run python bench/matching_tune.py`` after ``bench/matching_quality.py`` has loaded the demo. Each
phrasing is matched once with no cut-off (the words' score and the meaning kept apart); every point of the grid is
then scored in memory. The rule: the best top-1 (then top-3) whose false offers stay within the issue's 15%; the
same rule applied to the even-numbered phrasings is checked on the odd ones, to show how much it leans on the set.

``--incidents`` tunes the similar-incident panel's cut-off instead (``incidents.recording.similar.TEXT_OFFER_AT``):
the share of the caller's words' weight an open incident brought by the words alone must hold to be offered, by
the same rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import harness
import matching_quality as quality

WEIGHTS = (0.1, 0.2, 0.3, 0.5, 1.0)
MEANING_CUTOFFS = tuple(round(0.40 + 0.01 * n, 2) for n in range(26))
LEXICAL_CUTOFFS = (0.8, 0.9, 1.0, 1.2, 99.0)
MAX_FALSE_OFFERS = 0.15
STRONG = (0.6, 0.65, 0.7, 0.75, 0.8)


@dataclass(frozen=True)
class Scored:
    case: quality.Case
    found: tuple[tuple[str, float, float], ...]  # title, words' score, meaning


@dataclass(frozen=True)
class Point:
    weight: float
    meaning: float
    lexical: float

    def offered(self, scored: Scored) -> list[tuple[float, str]]:
        ranked = sorted(((cos + self.weight * lex, title, lex, cos) for title, lex, cos in scored.found), reverse=True)
        return [(score, title) for score, title, lex, cos in ranked if cos >= self.meaning or lex >= self.lexical]

    def outcomes(self, scored: Sequence[Scored]) -> list[quality.Outcome]:
        return [quality.Outcome(s.case, tuple(t for _, t in self.offered(s))[: quality.PANEL_LIMIT]) for s in scored]


def collect(cases: Sequence[quality.Case]) -> list[Scored]:
    from knowledge import matching

    # Read at call time: every candidate comes back, and the weight cannot change which reach the rerank.
    matching.OFFER_AT, matching.LEXICAL_OFFER_AT = -100.0, -100.0
    matching._SQL_CONSTANTS["rerank_pool"] = 1_000
    scored = []
    for case in cases:
        matches = matching.known_error_matches(text=case.text, limit=matching.MAX_LIMIT)
        scored.append(Scored(case, tuple((m.known_error.title, m.lexical, m.meaning) for m in matches)))
    return scored


def best(scored: Sequence[Scored]) -> tuple[Point, quality.Figures]:
    results = []
    for point in itertools.starmap(Point, itertools.product(WEIGHTS, MEANING_CUTOFFS, LEXICAL_CUTOFFS)):
        figures = quality.figures(point.outcomes(scored))
        if figures.false_offers <= MAX_FALSE_OFFERS:
            results.append(((figures.top1, figures.top3, -point.meaning, point.lexical), point, figures))
    _, point, figures = max(results, key=lambda result: result[0])
    return point, figures


TEXT_SHARES = tuple(round(0.05 * n, 2) for n in range(21))


def collect_incidents(cases: Sequence[quality.Case]) -> list[list[tuple[str, float, bool]]]:
    """Each phrasing's open incidents with no cut-off, best first: (topic, words' share, brought by words only)."""
    from incidents.recording import similar

    similar.TEXT_OFFER_AT = -1.0  # read at call time: every candidate comes back
    patterns = quality.summary_patterns()
    found = []
    for case in cases:
        matches = similar.similar_incidents(text=case.text, limit=similar.MAX_LIMIT)
        found.append(
            [(quality.topic_of(m.incident.short_description, patterns), m.text_share, m.words_only) for m in matches]
        )
    return found


def incident_outcomes(cases, found, cutoff: float) -> list[quality.Outcome]:
    return [
        quality.Outcome(case, tuple(t for t, share, alone in f if not alone or share >= cutoff)[: quality.PANEL_LIMIT])
        for case, f in zip(cases, found, strict=True)
    ]


def best_incident_cutoff(cases, found) -> tuple[float, quality.Figures]:
    results = []
    for cutoff in TEXT_SHARES:
        figures = quality.figures(incident_outcomes(cases, found, cutoff))
        if figures.false_offers <= MAX_FALSE_OFFERS:
            results.append(((figures.top1, figures.top3, -cutoff), cutoff, figures))
    _, cutoff, figures = max(results, key=lambda result: result[0])
    return cutoff, figures


def tune_incidents() -> None:
    cases = quality.read_cases(quality.INCIDENTS_FILE, "open")
    found = collect_incidents(cases)
    print(f"{'words share at least':<32} {quality.HEADER}")
    for cutoff in TEXT_SHARES:
        print(f"{cutoff:<32} {quality.figures(incident_outcomes(cases, found, cutoff)).row()}")
    cutoff, figures = best_incident_cutoff(cases, found)
    print(f"\nbest: {cutoff}\n  {figures.row()}")
    chosen, on_even = best_incident_cutoff(cases[::2], found[::2])
    print(f"chosen on the even phrasings: {chosen}\n  even {on_even.row()}")
    print(f"  odd  {quality.figures(incident_outcomes(cases[1::2], found[1::2], chosen)).row()}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the demo data")
    parser.add_argument("--incidents", action="store_true", help="tune the similar-incident panel's cut-off")
    options = parser.parse_args(argv)
    import time_machine

    if options.incidents:
        with time_machine.travel(quality.MOMENT, tick=True):
            harness.setup(None, database=quality.DATABASE)
            tune_incidents()
        return
    cases = quality.read_cases(quality.KNOWN_ERRORS_FILE, "known_error")
    with time_machine.travel(quality.MOMENT, tick=True):
        harness.setup(None, database=quality.DATABASE)
        scored = collect(cases)
    print(f"{'point':<32} {quality.HEADER}")
    for weight in WEIGHTS:
        no_cut = Point(weight, -100.0, -100.0)
        print(f"{f'weight {weight}, no cut-off':<32} {quality.figures(no_cut.outcomes(scored)).row()}")
    for meaning in MEANING_CUTOFFS[::5]:
        point = Point(0.2, meaning, 99.0)
        print(f"{f'weight 0.2, meaning {meaning}':<32} {quality.figures(point.outcomes(scored)).row()}")
    point, figures = best(scored)
    print(f"\nbest: {point}\n  {figures.row()}")
    chosen, on_even = best(scored[::2])
    print(f"chosen on the even phrasings: {chosen}\n  even {on_even.row()}")
    print(f"  odd  {quality.figures(chosen.outcomes(scored[1::2])).row()}")
    print("\nthe first offer, by its score (for the word 'strong'):")
    for strong in STRONG:
        firsts = [(point.offered(s)[:1], s.case) for s in scored]
        shown = [(first[0][1], case) for first, case in firsts if first and first[0][0] >= strong]
        right = sum(title in case.expected for title, case in shown)
        print(f"  {strong:.2f} and above: {len(shown):3d} first offers, {right / max(len(shown), 1):4.0%} right")


if __name__ == "__main__":
    main()
