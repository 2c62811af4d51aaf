"""The known-error matcher's tuned numbers, from ``bench/matching_eval/`` (``knowledge.matching``, decision 0043):
the weight of the words' score against the meaning's in the ranking, the meaning below which nothing is offered,
the lower meaning that is offered with a words' score that agrees (decision 0069), the words' score that is offered
whatever the meaning when it shares a word of digits (an error code, a CI name), and the score called "strong".

Run it with ``uv run python bench/matching_tune.py`` after ``bench/matching_quality.py`` has loaded the demo. Each
phrasing is matched once with no cut-off (the words' score and the meaning kept apart); every point of the grid is
then scored in memory. The rule: the best top-1 (then top-3) whose false offers stay within the issue's 15%, over
``known_errors.yaml`` and the later none-cases; the same rule applied to the even-numbered phrasings is checked on the
odd ones, to show how much it leans on the set, and the phrasings written later with answers (``LATER_FILES``) show
the chosen point and the matcher's out of sample.

``--incidents`` tunes the similar-incident panel instead (``incidents.recording.similar``, decision 0056): the
meaning's weight in the score, the meaning an open incident with nothing else in common must reach to be offered,
and the share of the caller's words' weight that offers it without the meaning, by the same rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import harness
import matching_quality as quality
import numpy as np

WEIGHTS = (0.1, 0.2, 0.3, 0.5, 1.0)
MEANING_CUTOFFS = tuple(round(0.40 + 0.01 * n, 2) for n in range(26))
LEXICAL_CUTOFFS = (0.8, 0.9, 1.0, 1.2, 99.0)
# The lower meaning offered with the words agreeing, and the words' score it needs (99: never).
PAIRED_MEANINGS = tuple(round(0.44 + 0.01 * n, 2) for n in range(14))
PAIRED_LEXICALS = (0.4, 0.5, 0.6, 0.8, 1.0, 99.0)
MAX_FALSE_OFFERS = 0.15
STRONG = (0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
# Tuned on the set and its later none-cases; the phrasings written later with answers show it out of sample.
NONE_LATER_FILE = quality.EVAL_DIR / "known_errors_none_later.yaml"
LATER_FILES = (quality.EVAL_DIR / "known_errors_later.yaml", quality.EVAL_DIR / "known_errors_held_out_later.yaml")


@dataclass(frozen=True)
class Scored:
    case: quality.Case
    found: tuple[tuple[str, float, float, bool], ...]  # title, words' score, meaning, a word of digits shared


@dataclass(frozen=True)
class Point:
    weight: float
    meaning: float
    lexical: float
    paired_meaning: float = 99.0
    paired_lexical: float = 99.0

    def offers(self, cosine, lexical, coded):
        """Whether a candidate is offered (``knowledge.matching``'s rule): of floats and a bool, or of arrays."""
        return (
            (cosine >= self.meaning)
            | ((cosine >= self.paired_meaning) & (lexical >= self.paired_lexical))
            | ((lexical >= self.lexical) & coded)
        )

    def offered(self, scored: Scored) -> list[tuple[float, str]]:
        ranked = sorted(
            ((cos + self.weight * lex, title, lex, cos, coded) for title, lex, cos, coded in scored.found), reverse=True
        )
        return [(score, title) for score, title, lex, cos, coded in ranked if self.offers(cos, lex, coded)]

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
        scored.append(Scored(case, tuple((m.known_error.title, m.lexical, m.meaning, _coded(m)) for m in matches)))
    return scored


def _coded(match) -> bool:
    """Whether the words a match shares include one of digits, which the words alone need to offer it."""
    from knowledge.textsearch import is_code

    return any(is_code(term) for reason in match.reasons if reason.kind.value == "words" for term in reason.terms)


def best(scored: Sequence[Scored]) -> tuple[Point, quality.Figures]:
    """The best top-1, then top-3, within the false offers allowed; of equals, the lowest meaning alone, then the
    pair that asks the most of both. The grid is scored in arrays (some 40,000 points); the chosen point again by
    ``quality.figures``."""
    results = []
    for weight in WEIGHTS:
        table = _Table.of(scored, weight)
        for meaning, lexical, paired_meaning, paired_lexical in itertools.product(
            MEANING_CUTOFFS, LEXICAL_CUTOFFS, PAIRED_MEANINGS, PAIRED_LEXICALS
        ):
            if paired_meaning >= meaning and paired_lexical < 99.0:
                continue  # the pair adds nothing to the meaning alone
            point = Point(weight, meaning, lexical, paired_meaning, paired_lexical)
            top1, top3, false_offers = table.figures(point)
            if false_offers <= MAX_FALSE_OFFERS:
                results.append(((top1, top3, -meaning, paired_lexical, paired_meaning, lexical), point))
    _, point = max(results, key=lambda result: result[0])
    return point, quality.figures(point.outcomes(scored))


@dataclass(frozen=True)
class _Table:
    """Each phrasing's candidates in the order of one weight, as arrays (phrasings by candidates, padded)."""

    cosine: np.ndarray
    lexical: np.ndarray
    coded: np.ndarray
    right: np.ndarray
    answered: np.ndarray  # (phrasings,): whether the phrasing has a right answer

    @classmethod
    def of(cls, scored: Sequence[Scored], weight: float) -> _Table:
        width = max((len(s.found) for s in scored), default=0)
        cosine = np.full((len(scored), width), -9.0)
        lexical = np.full((len(scored), width), -9.0)
        coded = np.zeros((len(scored), width), dtype=bool)
        right = np.zeros((len(scored), width), dtype=bool)
        for row, s in enumerate(scored):
            ranked = sorted(s.found, key=lambda found: -(found[2] + weight * found[1]))
            for column, (title, lex, cos, code) in enumerate(ranked):
                cosine[row, column], lexical[row, column] = cos, lex
                coded[row, column], right[row, column] = code, title in s.case.expected
        answered = np.array([bool(s.case.expected) for s in scored])
        return cls(cosine, lexical, coded, right, answered)

    def figures(self, point: Point) -> tuple[float, float, float]:
        """Top-1, top-3 and the false offers at ``point`` (its weight is the table's)."""
        offered = point.offers(self.cosine, self.lexical, self.coded)
        # The place of each offered candidate among the offered (1, 2, 3...), the others 0.
        place = np.cumsum(offered, axis=1) * offered
        right = self.right & offered
        top1 = (right & (place == 1)).any(axis=1)[self.answered].mean()
        top3 = (right & (place >= 1) & (place <= 3)).any(axis=1)[self.answered].mean()
        false_offers = offered.any(axis=1)[~self.answered].mean()
        return float(top1), float(top3), float(false_offers)


TEXT_SHARES = (*(round(0.1 * n, 1) for n in range(2, 11)), 99.0)
INCIDENT_MEANINGS = tuple(round(0.40 + 0.01 * n, 2) for n in range(26))
INCIDENT_WEIGHTS = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Found:
    topic: str
    base: float  # the score without the meaning
    meaning: float
    share: float
    alone: bool  # no CI, service or caller in common
    coded: bool  # a word of digits among the words it shares


@dataclass(frozen=True)
class IncidentPoint:
    weight: float
    meaning: float
    share: float

    def outcomes(self, cases, found: Sequence[Sequence[Found]]) -> list[quality.Outcome]:
        outcomes = []
        for case, candidates in zip(cases, found, strict=True):
            offered = sorted(
                ((f.base + self.weight * f.meaning, f.topic) for f in candidates
                 if not f.alone or f.meaning >= self.meaning or (f.share > 0 and f.share >= self.share and f.coded)),
                reverse=True,
            )  # fmt: skip
            outcomes.append(quality.Outcome(case, tuple(topic for _, topic in offered)[: quality.PANEL_LIMIT]))
        return outcomes


def collect_incidents(cases: Sequence[quality.Case]) -> list[list[Found]]:
    """Each phrasing's open incidents with no cut-off: every candidate with its meaning and words' share."""
    from incidents.recording import similar

    # Read at call time: every candidate comes back.
    similar.TEXT_OFFER_AT, similar.TEXT_ONLY_OFFER_AT, similar.MEANING_OFFER_AT = -1.0, -1.0, -1.0
    patterns = quality.summary_patterns()
    found = []
    for case in cases:
        matches = similar.similar_incidents(text=case.text, limit=similar.MAX_LIMIT)
        found.append([
            Found(quality.topic_of(m.incident.short_description, patterns),
                  m.score - similar.MEANING_WEIGHT * m.meaning, m.meaning, m.text_share, m.words_only, _coded(m))
            for m in matches
        ])  # fmt: skip
    return found


def best_incident_point(cases, found) -> tuple[IncidentPoint, quality.Figures]:
    """The best top-1, then top-3, within the false offers allowed; of equals, the highest cut-offs."""
    results = []
    grid = itertools.product(INCIDENT_WEIGHTS, INCIDENT_MEANINGS, TEXT_SHARES)
    for point in itertools.starmap(IncidentPoint, grid):
        figures = quality.figures(point.outcomes(cases, found))
        if figures.false_offers <= MAX_FALSE_OFFERS:
            results.append(((figures.top1, figures.top3, point.meaning, point.share, -point.weight), point, figures))
    _, point, figures = max(results, key=lambda result: result[0])
    return point, figures


def tune_incidents() -> None:
    cases = quality.read_cases(quality.INCIDENTS_FILE, "open")
    found = collect_incidents(cases)
    print(f"{'point':<32} {quality.HEADER}")
    for meaning in (*INCIDENT_MEANINGS[::5], 99.0):
        for share in (0.3, 0.6, 99.0):
            point = IncidentPoint(1.0, meaning, share)
            label = f"meaning {meaning}, words {share}"
            print(f"{label:<32} {quality.figures(point.outcomes(cases, found)).row()}")
    point, figures = best_incident_point(cases, found)
    print(f"\nbest: {point}\n  {figures.row()}")
    chosen, on_even = best_incident_point(cases[::2], found[::2])
    print(f"chosen on the even phrasings: {chosen}\n  even {on_even.row()}")
    print(f"  odd  {quality.figures(chosen.outcomes(cases[1::2], found[1::2])).row()}")
    chosen, on_odd = best_incident_point(cases[1::2], found[1::2])
    print(f"chosen on the odd phrasings: {chosen}\n  odd  {on_odd.row()}")
    print(f"  even {quality.figures(chosen.outcomes(cases[::2], found[::2])).row()}")


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
    cases = [
        *quality.read_cases(quality.KNOWN_ERRORS_FILE, "known_error"),
        *quality.read_cases(NONE_LATER_FILE, "known_error"),
    ]
    later = {path.name: quality.read_cases(path, "known_error") for path in LATER_FILES}
    with time_machine.travel(quality.MOMENT, tick=True):
        harness.setup(None, database=quality.DATABASE)
        from knowledge import matching

        current = Point(
            matching.LEXICAL_WEIGHT,
            matching.OFFER_AT,
            matching.LEXICAL_OFFER_AT,
            matching.PAIRED_OFFER_AT,
            matching.PAIRED_LEXICAL_AT,
        )
        scored = collect(cases)
        scored_later = {name: collect(cases) for name, cases in later.items()}
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
    print(f"the matcher's: {current}\n  {quality.figures(current.outcomes(scored)).row()}")
    print("out of sample, the best point's and the matcher's:")
    for name, found in scored_later.items():
        print(f"  {name:<32} {quality.figures(point.outcomes(found)).row()}")
        print(f"  {'':<32} {quality.figures(current.outcomes(found)).row()}")
    print("\nthe first offer, by its score (for the word 'strong'):")
    for strong in STRONG:
        firsts = [(point.offered(s)[:1], s.case) for s in scored]
        shown = [(first[0][1], case) for first, case in firsts if first and first[0][0] >= strong]
        right = sum(title in case.expected for title, case in shown)
        print(f"  {strong:.2f} and above: {len(shown):3d} first offers, {right / max(len(shown), 1):4.0%} right")


if __name__ == "__main__":
    main()
