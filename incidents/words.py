"""Words searched for in incidents, as the planner's statistics see them: each word's lexeme and rarity, the
common word a typo may stand for (read from the statistics only, never the table), and the text queries built
from them. The similar-incident lookup (``recording.similar``) and the incident list's search share them, so
both forgive the same misspellings (decision record 0007)."""

from __future__ import annotations

import math
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


# Only the statistics are read here, never the table (see the module docstring).
_WORDS = f"""
WITH stats AS MATERIALIZED (
    SELECT s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs
    FROM pg_stats AS s
    WHERE s.schemaname = current_schema() AND s.tablename = 'incidents_incident' AND s.attname = 'search_vector'
),
states AS MATERIALIZED (
    SELECT CASE WHEN count(*) > 0 THEN coalesce(sum(v.freq) FILTER (WHERE v.state IN {OPEN_SQL}), 0) END AS open_share
    FROM pg_stats AS s
    CROSS JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(state, freq)
    WHERE s.schemaname = current_schema() AND s.tablename = 'incidents_incident' AND s.attname = 'state'
),
words AS MATERIALIZED (
    SELECT w.word, w.typo_able, w.pos, l.lexeme, array_position(st.elems, l.lexeme) AS position
    FROM unnest(%(words)s::text[], %(typo_able)s::boolean[]) WITH ORDINALITY AS w(word, typo_able, pos)
    CROSS JOIN LATERAL (SELECT (tsvector_to_array(to_tsvector(%(config)s::regconfig, w.word)))[1] AS lexeme) AS l
    LEFT JOIN stats AS st ON true
)
SELECT w.word, w.lexeme, st.freqs[w.position], st.freqs[cardinality(st.elems) + 1],
    (SELECT c.reltuples FROM pg_class AS c WHERE c.oid = 'incidents_incident'::regclass),
    (SELECT states.open_share FROM states),
    fix.lexeme, fix.freq
FROM words AS w
LEFT JOIN stats AS st ON true
-- A word the statistics do not list may be a typo of one they list: stem against stem with pg_trgm (so that
-- "conection" finds "connection": "conect" and "connect"), keeping the first letter and the length give or
-- take one, as typos do (else "urgent" would become "agent").
LEFT JOIN LATERAL (
    SELECT e.lexeme, e.freq
    FROM unnest(st.elems, st.freqs[1:cardinality(st.elems)]) AS e(lexeme, freq)
    WHERE w.typo_able AND w.position IS NULL AND w.lexeme IS NOT NULL
      AND left(e.lexeme, 1) = left(w.lexeme, 1) AND abs(length(e.lexeme) - length(w.lexeme)) <= 1
      AND similarity(e.lexeme, w.lexeme) >= %(typo_similarity)s
    ORDER BY similarity(e.lexeme, w.lexeme) DESC, e.freq DESC, e.lexeme
    LIMIT 1
) AS fix ON true
WHERE w.lexeme IS NOT NULL
ORDER BY w.pos
"""  # noqa: S608 (only this module's constants are formatted in)


def analyse(tokens: list[str]) -> tuple[list[Word], float]:
    """The words to search for (not stop words), with their lexeme, frequency and possible correction; and how
    many incidents are open.

    The number of open incidents is estimated from the statistics (0 when they say nothing).
    """
    typo_able = [len(token) >= MIN_TYPO_LENGTH and token.isalpha() for token in tokens]
    with connection.cursor() as cursor:
        cursor.execute(
            _WORDS,
            {"words": tokens, "typo_able": typo_able, "config": SEARCH_CONFIG, "typo_similarity": TYPO_SIMILARITY},
        )
        result = cursor.fetchall()
    words: list[Word] = []
    seen: set[str] = set()
    rows = 0.0
    open_share: float | None = None
    for word, lexeme, df, min_df, reltuples, share, fix, fix_df in result:
        rows = max(float(reltuples or 0), 0.0)
        open_share = share
        if lexeme in seen:
            continue
        seen.add(lexeme)
        common = df is not None and bool(rows)
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
