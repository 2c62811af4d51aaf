"""Known errors that match an incident or a caller's words, ranked with a transparent score and the reasons
for it, for the classification and first-line pages (decision record 0008).

The score adds a share of the words' (lexical) score to the meaning's: the cosine of the caller's words with the
known error's title and symptoms (``knowledge.meaning``). A known error neither close in meaning nor sharing rare
words with the call is not offered; from ``STRONG_AT`` a match is "strong" (decision 0043, tuned on
``bench/matching_eval/`` by ``bench/matching_tune.py``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, models
from django.utils.translation import gettext, pgettext, pgettext_lazy

from knowledge.meaning import STAMP_SQL, nearest
from knowledge.models import SEARCH_CONFIG, KnownError
from knowledge.textsearch import MAX_WORDS, budgeted_tsquery, is_code, search_tokens
from knowledge.textsearch import tsquery_operand as _tsquery
from knowledge.vectors import known_error_views
from servicedesk.compiled import planned_once

if TYPE_CHECKING:
    import numpy as np

MAX_LIMIT = 100
# A word of fewer letters is too short for trigrams to tell a typo from another word.
MIN_TYPO_LENGTH = 4
TYPO_SIMILARITY = 0.3

# The score (see the module docstring). A CI's boost is divided by the square root of the published known errors
# that name it (issue 16: a CI many share says little).
TITLE_WEIGHT = 0.2
CI_BOOST = 0.35
SERVICE_BOOST = 0.15
CATEGORY_BOOST = 0.1
RELATED_CATEGORY_BOOST = 0.05
SECONDARY_FIELD_WEIGHT = 0.3
TYPO_WEIGHT = 0.7
IDF_SMOOTHING = 0.001

# The meaning (decision 0043, tuned by bench/matching_tune.py): known errors are ranked by the cosine plus
# LEXICAL_WEIGHT times the words' score; one is offered when its meaning reaches OFFER_AT, when its meaning reaches
# PAIRED_OFFER_AT and its words' score PAIRED_LEXICAL_AT (the two agree, decision 0069), or when its words' score
# reaches LEXICAL_OFFER_AT with a code among them (an error code, a CI name's part: textsearch.is_code); it is called
# strong from STRONG_AT. The meaning is a reason when it counted for the offer. MEANING_POOL known errors nearest in
# meaning join the words' candidates.
LEXICAL_WEIGHT = 0.5
OFFER_AT = 0.58
PAIRED_OFFER_AT = 0.51
PAIRED_LEXICAL_AT = 0.6
LEXICAL_OFFER_AT = 0.9
STRONG_AT = 0.95
MEANING_POOL = 50

# The candidates: how many known errors the text query should find (expected from the statistics) and may
# return, how many of a service or category (without words) and of the CIs are taken, and how many of the
# best candidates lend their words to correct typos.
CANDIDATE_BUDGET = 500
CANDIDATE_CAP = 1_000
STRUCTURED_CAP = 500
CI_CAP = 200
TYPO_POOL = 50
# The best candidates whose titles are read (for the title share of the score).
RERANK_POOL = 30
# Pairs of common words are formed among this many of the rarest words of the query.
PAIRED_WORDS = 6
# When the statistics do not know a word: PostgreSQL's own guess for a lexeme missing from them.
DEFAULT_RARE_DF = 0.005


class MatchKind(models.TextChoices):
    WORDS = "words", pgettext_lazy("match reason", "words")
    MISSPELLING = "misspelling", pgettext_lazy("match reason", "misspelling")
    CI = "ci", pgettext_lazy("match reason", "same CI")
    SERVICE = "service", pgettext_lazy("match reason", "same service")
    CATEGORY = "category", pgettext_lazy("match reason", "same category")
    RELATED_CATEGORY = "related_category", pgettext_lazy("match reason", "related category")
    MEANING = "meaning", pgettext_lazy("match reason", "similar meaning")


class Confidence(models.TextChoices):
    STRONG = "strong", pgettext_lazy("match confidence", "strong")
    POSSIBLE = "possible", pgettext_lazy("match confidence", "possible")


@dataclass(frozen=True, slots=True)
class MatchReason:
    """Why a known error matched: the caller's words it contains, a corrected typo, or a CI, service or category.

    ``terms`` are the words (as the operator typed them), the typo and its correction, the sentence of the symptoms
    nearest in meaning (when there are several and one is nearer than the whole text), the CI names, or the name of
    the service or category.
    """

    kind: MatchKind
    terms: tuple[str, ...]

    def __str__(self) -> str:
        if not self.terms:
            return str(self.kind.label)
        if self.kind == MatchKind.MISSPELLING:
            typed, found = self.terms
            detail = gettext("%(typed)s → %(found)s") % {"typed": typed, "found": found}
        elif self.kind == MatchKind.MEANING:
            detail = pgettext("quoted text", "“%(text)s”") % {"text": self.terms[0]}
        else:
            detail = ", ".join(self.terms)
        return gettext("%(reason)s: %(detail)s") % {"reason": self.kind.label, "detail": detail}


@dataclass(frozen=True, slots=True)
class KnownErrorMatch:
    """A published known error that matches an incident, with its score and why it matched.

    ``reasons`` come in a fixed order: the words, the corrected typos, the meaning, the CIs, the service, the
    category. ``confidence`` says in words how sure the match is; ``lexical`` and ``meaning`` are the two parts of
    ``score``.

    ``known_error`` has what a list of matches shows (number, title, symptoms, workaround, fix status,
    times used, last used); its other fields are deferred.
    """

    known_error: KnownError
    score: float
    reasons: tuple[MatchReason, ...]
    confidence: Confidence = Confidence.POSSIBLE
    lexical: float = 0.0
    meaning: float = 0.0


@dataclass(frozen=True, slots=True)
class _Word:
    word: str
    lexeme: str
    df: float | None  # share of known errors that contain it; None when the statistics cannot tell
    known: bool

    @property
    def idf(self) -> float:
        return math.log((1 + IDF_SMOOTHING) / ((self.df or 0.0) + IDF_SMOOTHING))


def known_error_matches(
    *,
    text: str,
    service_id: int | None = None,
    ci_ids: Sequence[int] = (),
    category_id: int | None = None,
    limit: int = 10,
    offer_at: float | None = None,
    vector: np.ndarray | None = None,
) -> list[KnownErrorMatch]:
    """The published known errors that best match the caller's words and the incident's service, CIs, category.

    At most ``limit`` (1 to 100), best first; with words, only those close enough in meaning or words
    (``OFFER_AT``, or ``offer_at`` for a list that may go further; ``PAIRED_OFFER_AT`` with ``PAIRED_LEXICAL_AT``;
    ``LEXICAL_OFFER_AT``): none when no known error fits. Two queries, and the model embeds the text (12 to 17 ms)
    unless ``vector`` is its stored embedding (an incident's); the vectors are read once a process and again after they
    change. One query when nothing is found to match; none when there is nothing to match on.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}.")
    tokens = search_tokens(text)
    ci_ids = sorted({int(ci) for ci in ci_ids})
    structured = bool(ci_ids) or service_id is not None or category_id is not None
    if not tokens and not structured:
        return []
    words, rows, stamp = _analyse(tokens) if tokens else ([], 0.0, 0)
    known = [word for word in words if word.known]
    typos = [word for word in words if not word.known and len(word.word) >= MIN_TYPO_LENGTH and word.word.isalpha()]
    candidate_query, expected = _candidate_query(known, rows)
    meaning = nearest(text, stamp=stamp, count=MEANING_POOL, vector=vector) if words else None
    if candidate_query is None and not structured and not (meaning and meaning.ids):
        return []
    idf_total = sum(word.idf for word in known)
    params: dict[str, object] = {
        "idf_total": idf_total,
        "candidate_query": candidate_query,
        # When the words say too little (only common ones), the first known errors found will do: sorting
        # them all by use first would read every one of them (40 ms for 8,000 of 50,000).
        "vague": expected > CANDIDATE_CAP,
        "structured_only": not known,
        "typos": [word.word for word in typos],
        "typo_lexemes": [word.lexeme for word in typos],
        "typo_idf": idf_total / len(known) if known else 1.0,
        "has_typos": bool(typos),
        "ci_ids": ci_ids,
        "has_cis": bool(ci_ids),
        "service_id": service_id,
        "category_id": category_id,
        "limit": limit,
        "meaning_ids": meaning.ids if meaning else [],
        "meaning_cosines": meaning.cosines if meaning else [],
        "lexical_weight": LEXICAL_WEIGHT,
        **_SQL_CONSTANTS,
    }
    for i, word in enumerate(known):
        params.update(
            {
                f"w{i}": word.word,
                f"q{i}": _tsquery(word.lexeme),
                f"qa{i}": _tsquery(word.lexeme, "A"),
                f"idf{i}": word.idf,
            }
        )
    # PostgreSQL would plan it for every call, its plan for any values looking costlier to it than one for the values
    # at hand: planning took longer than running it (decision 0071).
    with connection.cursor() as cursor, planned_once(cursor):
        cursor.execute(_matches_sql(len(known), structured=structured), params)
        rows_found = cursor.fetchall()
    matches = [_match(row, sentences=meaning.sentences if meaning else {}) for row in rows_found]
    # Without words the CIs, service and category are all there is to go on, and without any vector (before the
    # backfill) the words are: offered as they are, with no cut-off calibrated for them.
    if not (meaning and meaning.ids):
        return matches
    meaning_at = OFFER_AT if offer_at is None else offer_at
    return [
        match
        for match in matches
        if match.meaning >= meaning_at or _meaning_counts(match.meaning, match.lexical) or _offered_by_words(match)
    ]


def _meaning_counts(meaning: float, lexical: float) -> bool:
    """Whether the meaning offers a known error (and so is a reason): near enough alone, or nearly so with the words
    agreeing (decision 0069: a call that shares words with a known error and is near it in meaning, "sso invalid
    pasword", is as often right as one nearer in meaning alone)."""
    return meaning >= OFFER_AT or (meaning >= PAIRED_OFFER_AT and lexical >= PAIRED_LEXICAL_AT)


def _offered_by_words(match: KnownErrorMatch) -> bool:
    """Whether the words alone offer it: a high words' score that an error code, CI name or number shares. A
    score of common words alone is easy to reach for a short call ("the coffee machine on floor 3": "floor")."""
    if match.lexical < LEXICAL_OFFER_AT:
        return False
    return any(is_code(term) for reason in match.reasons if reason.kind == MatchKind.WORDS for term in reason.terms)


# --- The words -------------------------------------------------------------------------------------


_WORDS = """
WITH stats AS MATERIALIZED (
    SELECT s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs
    FROM pg_stats AS s
    WHERE s.schemaname = current_schema() AND s.tablename = 'knowledge_knownerror' AND s.attname = 'search_vector'
)
SELECT w.word, l.lexeme, st.freqs[array_position(st.elems, l.lexeme)],
    st.freqs[cardinality(st.elems) + 1],
    (SELECT c.reltuples FROM pg_class AS c WHERE c.oid = 'knowledge_knownerror'::regclass),
    CASE
        WHEN l.lexeme IS NULL THEN false
        WHEN array_position(st.elems, l.lexeme) IS NOT NULL THEN true
        ELSE EXISTS (
            SELECT FROM knowledge_knownerror AS k
            WHERE k.published AND k.search_vector @@ l.lexeme::tsquery
        )
    END,
    (STAMP)
FROM unnest(%(words)s::text[]) WITH ORDINALITY AS w(word, pos)
CROSS JOIN LATERAL (SELECT (tsvector_to_array(to_tsvector(%(config)s::regconfig, w.word)))[1] AS lexeme) AS l
LEFT JOIN stats AS st ON true
ORDER BY w.pos
"""


_WORDS = _WORDS.replace("(STAMP)", f"({STAMP_SQL})")


def _analyse(tokens: list[str]) -> tuple[list[_Word], float, int]:
    """The words that are not stop words, with their lexeme and frequency; the number of known errors; and the
    meaning stamp (``knowledge.meaning``).

    The lexeme is safe to put in a ``tsquery`` as it is: the tokens are made of letters and digits only.
    """
    with connection.cursor() as cursor:
        cursor.execute(_WORDS, {"words": tokens, "config": SEARCH_CONFIG})
        result = cursor.fetchall()
    words: list[_Word] = []
    seen: set[str] = set()
    rows = 0.0
    stamp = int(result[0][-1]) if result else 0
    for word, lexeme, df, min_df, reltuples, known, _stamp in result:
        rows = max(float(reltuples or 0), 0.0)
        if lexeme is None or lexeme in seen:
            continue
        seen.add(lexeme)
        if not rows:
            # Never analysed, or emptied since (TRUNCATE keeps the old statistics): they say nothing.
            df = min_df = None
        if df is None and min_df is not None:
            # Not among the most common elements: rarer than the rarest of them.
            df = min(DEFAULT_RARE_DF, min_df / 2)
        words.append(_Word(word=word, lexeme=lexeme, df=df, known=known))
    return words, rows, stamp


def _candidate_query(words: list[_Word], rows: float) -> tuple[str | None, float]:
    """A ``tsquery`` for the candidates, expected to find ``CANDIDATE_BUDGET`` known errors at most; and how many
    (``knowledge.textsearch.budgeted_tsquery``)."""
    return budgeted_tsquery(
        words,
        rows=rows,
        budget=CANDIDATE_BUDGET,
        paired=PAIRED_WORDS,
        share=lambda word: word.df,
        operand=lambda word: _tsquery(word.lexeme),
        name=lambda word: word.lexeme,
    )


# --- The matches -----------------------------------------------------------------------------------

_SQL_CONSTANTS = {
    "config": SEARCH_CONFIG,
    "candidate_cap": CANDIDATE_CAP,
    "structured_cap": STRUCTURED_CAP,
    "ci_cap": CI_CAP,
    "typo_pool": TYPO_POOL,
    "typo_similarity": TYPO_SIMILARITY,
    "typo_weight": TYPO_WEIGHT,
    "secondary_weight": SECONDARY_FIELD_WEIGHT,
    "title_weight": TITLE_WEIGHT,
    "ci_boost": CI_BOOST,
    "service_boost": SERVICE_BOOST,
    "category_boost": CATEGORY_BOOST,
    "related_category_boost": RELATED_CATEGORY_BOOST,
    "rerank_pool": RERANK_POOL,
}

# The columns of the known error a list of matches shows, in the order of the model's fields.
_SHOWN_FIELDS = [
    field.attname
    for field in KnownError._meta.concrete_fields
    if field.attname
    in {"id", "number", "title", "symptoms", "workaround", "fix_status", "published", "times_used", "last_used_at"}
]
_SHOWN_COLUMNS = ", ".join(f"k.{name}" for name in _SHOWN_FIELDS)

# The statement, for a given number of words. Each word's test is written out in the expressions that
# score a row (``%(q0)s``, ``%(q1)s``...): PostgreSQL evaluates them for every candidate, and a lateral
# subquery over the words there cost five times as much. ``%(name)s`` placeholders are the only thing
# that varies; every value travels as a parameter.
_MATCHES = """
WITH RECURSIVE
ancestors(id) AS (
    SELECT c.id FROM knowledge_category AS c WHERE c.id = %(category_id)s
    UNION
    SELECT c.parent_id FROM knowledge_category AS c JOIN ancestors AS a ON c.id = a.id WHERE c.parent_id IS NOT NULL
),
descendants(id) AS (
    SELECT c.id FROM knowledge_category AS c WHERE c.id = %(category_id)s
    UNION
    SELECT c.id FROM knowledge_category AS c JOIN descendants AS d ON c.parent_id = d.id
),
-- A CI tells as much as it is rare: its boost is divided by the square root of the published known errors linked
-- to it (a database server that forty known errors name says little about which one this call is).
ci_weights AS (
    SELECT kc.configurationitem_id AS ci_id, 1 / sqrt(count(*)) AS weight
    FROM knowledge_knownerror_cis AS kc
    JOIN knowledge_knownerror AS k ON k.id = kc.knownerror_id AND k.published
    WHERE kc.configurationitem_id = ANY(%(ci_ids)s::bigint[])
    GROUP BY kc.configurationitem_id
),
ci_hits AS (
    SELECT kc.knownerror_id AS id, array_agg(ci.name ORDER BY ci.name) AS names, coalesce(max(w.weight), 1) AS weight
    FROM knowledge_knownerror_cis AS kc
    JOIN cmdb_configurationitem AS ci ON ci.id = kc.configurationitem_id
    LEFT JOIN ci_weights AS w ON w.ci_id = kc.configurationitem_id
    WHERE kc.configurationitem_id = ANY(%(ci_ids)s::bigint[])
    GROUP BY kc.knownerror_id
),
related_categories AS (
    SELECT id FROM ancestors UNION SELECT id FROM descendants
),
-- The known errors nearest in meaning (knowledge.meaning), with their cosine.
meaning AS (
    SELECT m.id, m.cosine FROM unnest(%(meaning_ids)s::bigint[], %(meaning_cosines)s::float8[]) AS m(id, cosine)
),
-- The candidates, scored as they are read: the text query's matches and the known errors of the CIs;
-- those of the service and the category only when there are no words to search for (a service or a
-- category may have thousands). The constant conditions let PostgreSQL skip what was not asked for.
text_matches AS (
    SELECT k.id, k.title, k.search_vector, k.times_used, {text_weight} AS text_weight
    FROM knowledge_knownerror AS k
    WHERE k.published AND k.search_vector @@ %(candidate_query)s::tsquery
    ORDER BY CASE WHEN NOT %(vague)s THEN k.times_used END DESC, CASE WHEN NOT %(vague)s THEN k.id END
    LIMIT %(candidate_cap)s
),
structured AS (
    (SELECT h.id FROM ci_hits AS h WHERE %(has_cis)s LIMIT %(ci_cap)s)
    UNION
    (
        SELECT ks.knownerror_id FROM knowledge_knownerror_services AS ks
        WHERE %(structured_only)s AND ks.service_id = %(service_id)s
        LIMIT %(structured_cap)s
    )
    UNION
    (
        SELECT kc.knownerror_id FROM knowledge_knownerror_categories AS kc
        WHERE %(structured_only)s AND kc.category_id IN (SELECT r.id FROM related_categories AS r)
        LIMIT %(structured_cap)s
    )
    UNION
    (SELECT m.id FROM meaning AS m)
),
structured_matches AS (
    SELECT k.id, k.title, k.search_vector, k.times_used, {text_weight} AS text_weight
    FROM structured AS s
    JOIN knowledge_knownerror AS k ON k.id = s.id
    WHERE k.published AND k.id NOT IN (SELECT t.id FROM text_matches AS t)
),
candidates AS (
    SELECT * FROM text_matches UNION ALL SELECT * FROM structured_matches
),
service_links AS (
    SELECT ks.knownerror_id AS id, s.name
    FROM knowledge_knownerror_services AS ks
    JOIN cmdb_service AS s ON s.id = ks.service_id
    WHERE %(service_id)s::bigint IS NOT NULL AND ks.service_id = %(service_id)s
      AND ks.knownerror_id IN (SELECT c.id FROM candidates AS c)
),
category_links AS (
    SELECT DISTINCT ON (kc.knownerror_id) kc.knownerror_id AS id, c.name, c.id = %(category_id)s AS exact
    FROM knowledge_knownerror_categories AS kc
    JOIN knowledge_category AS c ON c.id = kc.category_id
    WHERE %(category_id)s::bigint IS NOT NULL AND kc.category_id IN (SELECT r.id FROM related_categories AS r)
      AND kc.knownerror_id IN (SELECT c.id FROM candidates AS c)
    ORDER BY kc.knownerror_id, c.id = %(category_id)s DESC, c.name
),
scored AS (
    SELECT m.*, ci.names AS ci_names, sl.name AS service_name, cl.name AS category_name, cl.exact AS category_exact,
        coalesce(mm.cosine, 0) AS cosine,
        CASE WHEN ci.id IS NULL THEN 0 ELSE %(ci_boost)s * ci.weight END
        + CASE WHEN sl.id IS NULL THEN 0 ELSE %(service_boost)s END
        + CASE WHEN cl.id IS NULL THEN 0 WHEN cl.exact THEN %(category_boost)s ELSE %(related_category_boost)s END
            AS boost
    FROM candidates AS m
    LEFT JOIN ci_hits AS ci ON ci.id = m.id
    LEFT JOIN service_links AS sl ON sl.id = m.id
    LEFT JOIN category_links AS cl ON cl.id = m.id
    LEFT JOIN meaning AS mm ON mm.id = m.id
),
-- Typos are corrected against the lexemes of the best candidates so far, stem against stem with pg_trgm
-- (so that "conection" finds "connection": "conect" and "connect"), keeping the first letter and the
-- length give or take one, as typos do (else "urgent" would become "agent", and "everyone" "every").
-- The word shown for the correction is the first one of that stem in the known error's title or symptoms.
pool AS (
    SELECT s.title, s.search_vector FROM scored AS s
    WHERE %(has_typos)s
    ORDER BY coalesce(s.text_weight / nullif(%(idf_total)s, 0), 0) + s.boost DESC, s.times_used DESC, s.id
    LIMIT %(typo_pool)s
),
vocabulary AS MATERIALIZED (
    SELECT DISTINCT v.lexeme FROM pool, unnest(tsvector_to_array(pool.search_vector)) AS v(lexeme)
),
corrections AS (
    SELECT DISTINCT ON (t.typed) t.typed, v.lexeme, t.pos
    FROM unnest(%(typos)s::text[], %(typo_lexemes)s::text[]) WITH ORDINALITY AS t(typed, lexeme, pos)
    CROSS JOIN vocabulary AS v
    CROSS JOIN LATERAL (SELECT similarity(t.lexeme, v.lexeme) AS value) AS similarity
    WHERE similarity.value >= %(typo_similarity)s
      AND left(v.lexeme, 1) = left(t.lexeme, 1) AND abs(length(v.lexeme) - length(t.lexeme)) <= 1
    ORDER BY t.typed, similarity.value DESC, v.lexeme
),
fixes AS (
    SELECT c.typed, c.pos, (quote_literal(c.lexeme) || ':A')::tsquery AS qa, c.lexeme
    FROM corrections AS c
),
total AS (
    SELECT %(idf_total)s + count(*) * %(typo_idf)s AS idf FROM fixes
),
ranked AS (
    SELECT s.*, coalesce((s.text_weight + f.weight) / nullif(total.idf, 0), 0) + s.boost AS base
    FROM scored AS s
    CROSS JOIN total
    CROSS JOIN LATERAL (
        SELECT CASE WHEN %(has_typos)s
            THEN %(typo_weight)s * %(typo_idf)s * (SELECT count(*) FROM fixes AS f WHERE s.search_vector @@ f.qa)
            ELSE 0 END AS weight
    ) AS f
),
best AS (
    SELECT r.* FROM ranked AS r
    ORDER BY %(lexical_weight)s * r.base + r.cosine DESC, r.times_used DESC, r.id
    LIMIT %(rerank_pool)s
),
final AS (
    SELECT b.*, {matched} AS matched,
        b.base + %(title_weight)s * coalesce(
            ({title_weight} + %(typo_weight)s * %(typo_idf)s * (SELECT count(*) FROM fixes AS f WHERE t.tv @@ f.qa))
            / nullif(total.idf, 0), 0) AS lexical,
        (SELECT array_agg(f.typed ORDER BY f.pos) FROM fixes AS f WHERE b.search_vector @@ f.qa) AS fixed_typed,
        (SELECT array_agg(f.lexeme ORDER BY f.pos) FROM fixes AS f WHERE b.search_vector @@ f.qa) AS fixed_lexemes
    FROM best AS b
    CROSS JOIN total
    CROSS JOIN LATERAL (SELECT setweight(to_tsvector(%(config)s::regconfig, b.title), 'A') AS tv) AS t
),
combined AS (
    SELECT f.*, %(lexical_weight)s * f.lexical + f.cosine AS score FROM final AS f
),
top AS (
    SELECT c.* FROM combined AS c ORDER BY c.score DESC, c.times_used DESC, c.id LIMIT %(limit)s
)
SELECT {shown}, top.score, top.lexical, top.cosine, top.matched, top.fixed_typed,
    ARRAY(
        SELECT coalesce(lower(substring(
            ts_headline(%(config)s::regconfig, k.title || ' ' || k.symptoms, quote_literal(l.lexeme)::tsquery,
                'StartSel=<<, StopSel=>>, MaxWords=2, MinWords=1, ShortWord=0, MaxFragments=1')
            FROM '<<([^<>]*)>>')), l.lexeme)
        FROM unnest(top.fixed_lexemes) WITH ORDINALITY AS l(lexeme, pos)
        ORDER BY l.pos
    ) AS fixed_found,
    top.ci_names, top.service_name, top.category_name, top.category_exact
FROM top
JOIN knowledge_knownerror AS k ON k.id = top.id
ORDER BY top.score DESC, top.times_used DESC, top.id
"""


# Without a CI, a service or a category, the statement's parts for them are written as empty relations of the same
# columns: PostgreSQL plans the statement for every call, and plans half as much then (at 50,000 known errors, a
# median of 2.3 ms instead of 4.7 with another process on the other core). Each part runs from its name to the first
# line that closes it.
_UNSTRUCTURED = {
    "ancestors(id)": "SELECT NULL::bigint WHERE false",
    "descendants(id)": "SELECT NULL::bigint WHERE false",
    "ci_weights": "SELECT NULL::bigint AS ci_id, NULL::float8 AS weight WHERE false",
    "ci_hits": "SELECT NULL::bigint AS id, NULL::text[] AS names, NULL::float8 AS weight WHERE false",
    "related_categories": "SELECT NULL::bigint AS id WHERE false",
    "structured": "SELECT m.id FROM meaning AS m",
    "service_links": "SELECT NULL::bigint AS id, NULL::text AS name WHERE false",
    "category_links": "SELECT NULL::bigint AS id, NULL::text AS name, NULL::boolean AS exact WHERE false",
}


def _without_structure(sql: str) -> str:
    for name, empty in _UNSTRUCTURED.items():
        start = sql.index(f"\n{name} AS (\n") + len(f"\n{name} AS (\n")
        end = sql.index("\n),\n", start)
        sql = f"{sql[:start]}    {empty}{sql[end:]}"
    return sql


@functools.lru_cache(maxsize=2 * (MAX_WORDS + 1))
def _matches_sql(words: int, *, structured: bool = True) -> str:
    """The statement for that many words, with or without the parts for a CI, service or category, written out by
    this module from its own fragments only."""
    text_weight = " + ".join(
        f"CASE WHEN k.search_vector @@ %(qa{i})s::tsquery THEN %(idf{i})s"
        f" WHEN k.search_vector @@ %(q{i})s::tsquery THEN %(idf{i})s * %(secondary_weight)s ELSE 0 END"
        for i in range(words)
    )
    title_weight = " + ".join(f"CASE WHEN t.tv @@ %(q{i})s::tsquery THEN %(idf{i})s ELSE 0 END" for i in range(words))
    matched = ", ".join(f"CASE WHEN b.search_vector @@ %(q{i})s::tsquery THEN %(w{i})s END" for i in range(words))
    sql = _MATCHES.format(
        text_weight=f"({text_weight})" if words else "0",
        title_weight=f"({title_weight})" if words else "0",
        matched=f"array_remove(ARRAY[{matched}]::text[], NULL)" if words else "ARRAY[]::text[]",
        shown=_SHOWN_COLUMNS,
    )
    return sql if structured else _without_structure(sql)


def _match(row: tuple, *, sentences: dict[int, int]) -> KnownErrorMatch:
    shown = len(_SHOWN_FIELDS)
    known_error = KnownError.from_db(connection.alias, _SHOWN_FIELDS, row[:shown])
    score, lexical, cosine, matched, fixed_typed, fixed_found, ci_names, service_name, category_name, category_exact = (
        row[shown:]
    )
    reasons = []
    if matched:
        reasons.append(MatchReason(MatchKind.WORDS, tuple(matched)))
    reasons.extend(
        MatchReason(MatchKind.MISSPELLING, (typed, found))
        for typed, found in zip(fixed_typed or (), fixed_found or (), strict=True)
    )
    if _meaning_counts(cosine, lexical):
        reasons.append(MatchReason(MatchKind.MEANING, _nearest_sentence(known_error, sentences.get(known_error.pk))))
    if ci_names:
        reasons.append(MatchReason(MatchKind.CI, tuple(ci_names)))
    if service_name:
        reasons.append(MatchReason(MatchKind.SERVICE, (service_name,)))
    if category_name:
        kind = MatchKind.CATEGORY if category_exact else MatchKind.RELATED_CATEGORY
        reasons.append(MatchReason(kind, (category_name,)))
    return KnownErrorMatch(
        known_error=known_error,
        score=float(score),
        reasons=tuple(reasons),
        confidence=Confidence.STRONG if score >= STRONG_AT else Confidence.POSSIBLE,
        lexical=float(lexical),
        meaning=float(cosine),
    )


def _nearest_sentence(known_error: KnownError, place: int | None) -> tuple[str, ...]:
    """The sentence of the symptoms nearest in meaning, when they have several and one was nearer than the whole text
    (its place among the views, ``knowledge.meaning``); none when the words changed since the vectors were made."""
    views = known_error_views(title=known_error.title, symptoms=known_error.symptoms)
    if place is None or len(views) < 3 or place >= len(views):
        return ()
    return (views[place],)
