"""Words searched for in incidents, as the planner's statistics see them: each word's lexeme and rarity, the
common word a typo may stand for (read from the statistics only, never the table), and the text queries built
from them. The similar-incident lookup (``recording.similar``) and the incident list's search share them, so
both forgive the same misspellings (decision record 0007). The statistics are held in each process until the table
is analysed again (decision record 0063)."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.db import connection

from incidents.choices import OPEN_STATES
from knowledge.models import SEARCH_CONFIG
from knowledge.textsearch import budgeted_tsquery
from knowledge.textsearch import tsquery_operand as _tsquery

# A word of fewer letters is too short for trigrams to tell a typo from another word.
MIN_TYPO_LENGTH = 4
TYPO_SIMILARITY = 0.3
IDF_SMOOTHING = 0.001
# How many open incidents the text query should find (expected from the statistics).
CANDIDATE_BUDGET = 300
# Pairs of common words are formed among this many of the rarest words of the query.
PAIRED_WORDS = 6
# When the statistics do not list a word: PostgreSQL's own guess for a lexeme missing from them.
DEFAULT_RARE_DF = 0.005

# The open states, written into the statements (not passed as parameters) so that PostgreSQL can prove that
# a partial index on them applies.
OPEN_SQL = "({})".format(", ".join(f"'{state.value}'" for state in OPEN_STATES))


@dataclass(frozen=True, slots=True)
class Word:
    word: str  # as typed
    lexeme: str
    df: float | None  # share of incidents that contain it; None when the statistics cannot tell
    common: bool = False  # listed in the statistics, so surely in some open incident
    fix: str | None = None  # for a word the statistics do not list: the common lexeme it may be a typo of
    fix_df: float | None = None

    @property
    def idf(self) -> float:
        return idf(self.df)

    @property
    def fix_idf(self) -> float:
        return idf(self.fix_df)

    @property
    def candidate_df(self) -> float | None:
        """The share of incidents the word finds as a candidate: as typed, or as its correction."""
        if self.fix is None:
            return self.df
        return (self.df or 0.0) + (self.fix_df or 0.0) if self.df is not None else None


def idf(df: float | None) -> float:
    """How much a word found in this share of incidents tells (inverse document frequency, smoothed)."""
    return math.log((1 + IDF_SMOOTHING) / ((df or 0.0) + IDF_SMOOTHING))


# Only the statistics are read here, never the table (see the module docstring). They change only when the table
# is analysed (decision 0063): each process keeps them, and the words' statement says, from the server's counts of
# the table's analyses, whether it should read them again. At least once an hour all the same: a server whose counts
# do not move with its statistics (a standby's, counts reset to what they were) does not keep them for ever.
RELOAD_AFTER = 60 * 60.0
_TABLE = "'incidents_incident'::regclass"
_LEXEMES = f"""
SELECT w.word, (tsvector_to_array(to_tsvector(%(config)s::regconfig, w.word)))[1],
    (SELECT c.reltuples FROM pg_class AS c WHERE c.oid = {_TABLE}),
    pg_stat_get_analyze_count({_TABLE}) + pg_stat_get_autoanalyze_count({_TABLE})
FROM unnest(%(words)s::text[]) WITH ORDINALITY AS w(word, pos)
ORDER BY w.pos
"""  # noqa: S608 (only this module's constants are formatted in)
_STATISTICS = f"""
SELECT
    (SELECT s.most_common_elems::text::text[] FROM pg_stats AS s
     WHERE s.schemaname = current_schema() AND s.tablename = 'incidents_incident' AND s.attname = 'search_vector'),
    (SELECT s.most_common_elem_freqs FROM pg_stats AS s
     WHERE s.schemaname = current_schema() AND s.tablename = 'incidents_incident' AND s.attname = 'search_vector'),
    (SELECT CASE WHEN count(*) > 0 THEN coalesce(sum(v.freq) FILTER (WHERE v.state IN {OPEN_SQL}), 0) END
     FROM pg_stats AS s
     CROSS JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(state, freq)
     WHERE s.schemaname = current_schema() AND s.tablename = 'incidents_incident' AND s.attname = 'state')
"""  # noqa: S608 (only this module's constants are formatted in)


@dataclass(frozen=True, slots=True)
class _Common:
    """A lexeme the statistics list, with its share and its trigrams (for the typos that may stand for it)."""

    lexeme: str
    freq: float
    trigrams: frozenset[str]


@dataclass(frozen=True, slots=True)
class Statistics:
    """What the planner's statistics say of the incidents' words: the most common lexemes with their share (by their
    first letter too), the share of the rarest of them, and the share of open incidents."""

    analyses: int  # the server's count of the table's analyses when they were read
    read_at: float
    freqs: dict[str, float]
    by_letter: dict[str, list[_Common]]
    min_df: float | None
    open_share: float | None

    def fix(self, lexeme: str) -> tuple[str | None, float | None]:
        """The common lexeme a typo may stand for, with its share: stem against stem with pg_trgm's similarity (so
        that "conection" finds "connection": "conect" and "connect"), keeping the first letter and the length give
        or take one, as typos do (else "urgent" would become "agent"); the most similar, then the most common."""
        typed = trigrams(lexeme)
        best: tuple[float, float, str] | None = None
        for common in self.by_letter.get(lexeme[:1], ()):
            if abs(len(common.lexeme) - len(lexeme)) > 1:
                continue
            shared = len(typed & common.trigrams)
            similarity = shared / (len(typed) + len(common.trigrams) - shared) if shared else 0.0
            if similarity < TYPO_SIMILARITY:
                continue
            key = (-similarity, -common.freq, common.lexeme)
            if best is None or key < best:
                best = key
        return (best[2], -best[1]) if best else (None, None)


_statistics: Statistics | None = None


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams of ``text``: of each run of letters and digits, lower case, padded with two spaces before
    and one after (what its ``similarity`` compares)."""
    found: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def statistics_read(analyses: int) -> Statistics:
    """The statistics, read again (one statement) when the table was analysed since this process read them."""
    global _statistics
    held = _statistics
    if held is not None and held.analyses == analyses and time.monotonic() - held.read_at < RELOAD_AFTER:
        return held
    with connection.cursor() as cursor:
        cursor.execute(_STATISTICS)
        elems, freqs, open_share = cursor.fetchone()
    elems, freqs = elems or [], freqs or []
    by_letter: dict[str, list[_Common]] = {}
    for lexeme, freq in zip(elems, freqs, strict=False):
        by_letter.setdefault(lexeme[:1], []).append(_Common(lexeme, freq, trigrams(lexeme)))
    held = Statistics(
        analyses=analyses,
        read_at=time.monotonic(),
        freqs=dict(zip(elems, freqs, strict=False)),
        by_letter=by_letter,
        # After the shares of the lexemes: the least and the greatest of them, and that of the empty ones.
        min_df=freqs[len(elems)] if len(freqs) > len(elems) else None,
        open_share=open_share,
    )
    _statistics = held
    return held


def forget() -> None:
    """Drop this process's statistics (tests: an ANALYZE rolled back with a test leaves the server's count moved)."""
    global _statistics
    _statistics = None


def analyse(tokens: list[str]) -> tuple[list[Word], float]:
    """The words to search for (not stop words), with their lexeme, frequency and possible correction; and how
    many incidents are open.

    The number of open incidents is estimated from the statistics (0 when they say nothing). One statement, and
    one more the first time after the table was analysed.
    """
    with connection.cursor() as cursor:
        cursor.execute(_LEXEMES, {"words": tokens, "config": SEARCH_CONFIG})
        result = cursor.fetchall()
    if all(lexeme is None for _, lexeme, _, _ in result):
        return [], 0.0  # stop words only
    stats = statistics_read(int(result[0][3]))
    rows = max(float(result[0][2] or 0), 0.0)
    words: list[Word] = []
    seen: set[str] = set()
    for word, lexeme, _reltuples, _analyses in result:
        if lexeme is None or lexeme in seen:
            continue
        seen.add(lexeme)
        df = stats.freqs.get(lexeme)
        common = df is not None and bool(rows)
        fix = fix_df = None
        if df is None and len(word) >= MIN_TYPO_LENGTH and word.isalpha():
            fix, fix_df = stats.fix(lexeme)
        min_df = stats.min_df
        if not rows:
            # Never analysed, or emptied since (TRUNCATE keeps the old statistics): they say nothing.
            df = min_df = fix = fix_df = None
        if df is None and min_df is not None:
            # Not among the most common elements: rarer than the rarest of them.
            df = min(DEFAULT_RARE_DF, min_df / 2)
        words.append(Word(word=word, lexeme=lexeme, df=df, common=common, fix=fix, fix_df=fix_df))
    # A typo whose correction is also typed is no typo: the word is taken as typed.
    typed = {word.lexeme for word in words}
    words = [Word(w.word, w.lexeme, w.df, w.common) if w.fix in typed else w for w in words]
    open_share = stats.open_share
    open_rows = rows * (1.0 if open_share is None else float(open_share))
    return words, open_rows


def operand(word: Word) -> str:
    """The word in a ``tsquery``: as typed, or as its correction."""
    if word.fix is None:
        return _tsquery(word.lexeme)
    return f"({_tsquery(word.lexeme)} | {_tsquery(word.fix)})"


def forgiving_tsquery(words: list[Word]) -> str | None:
    """A ``tsquery`` of every word, each as typed or as its correction; ``None`` when no word has a correction
    (the words as typed are then the whole query)."""
    if not any(word.fix for word in words):
        return None
    return " & ".join(operand(word) for word in words)


def candidates_tsquery(words: list[Word], rows: float) -> tuple[str | None, float]:
    """A ``tsquery`` for the candidates, expected to find ``CANDIDATE_BUDGET`` open incidents at most; and how many
    (``knowledge.textsearch.budgeted_tsquery``)."""
    return budgeted_tsquery(
        words,
        rows=rows,
        budget=CANDIDATE_BUDGET,
        paired=PAIRED_WORDS,
        share=lambda word: word.candidate_df,
        operand=operand,
        name=lambda word: word.lexeme,
    )
