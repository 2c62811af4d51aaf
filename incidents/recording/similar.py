"""The same or a similar incident already open: what the call-logging page shows while the operator types.

``similar_incidents`` takes what the operator typed (the caller's words) and, when they are known, the
caller, the service and the CIs, and returns the open incidents (recorded, classified, investigating) that
are most likely about the same thing, each with its score and the reasons it matched ("words: vpn,
password", "misspelling: outlok → outlook", "same CI: vpn-gw-01", "same service: VPN", "same caller",
"reported 2 hours ago"). The operator then adds the call to one of them or records a subordinate.

**How an open incident is scored.** ::

    score = text + 0.35 * same CI + 0.15 * same service + 0.3 * same caller + 0.15 * 2 ** (-age / 24 h)

- ``text`` (0 to 1) is the share of the caller's words that the incident contains, each word weighed by how
  rare it is among the incidents (its inverse document frequency ``ln(1.001 / (df + 0.001))``, with ``df``
  the share of incidents that contain it): "vpn" tells more than "working", and a word that nearly every
  incident contains counts for nothing. A word counts fully in the short description (weight A of the
  stored ``search_vector``) and half in the symptoms only (weight B); a corrected typo counts 0.7. Words
  that no open incident contains do not count.
- The boosts are fixed. With four words of the caller, one word is worth 0.25: the same CI (0.35) lifts an
  incident that lacks one of the four words above one that has all four on another CI, and not one that
  lacks two. The same caller (0.3) does the same: a caller who calls again while an incident of theirs is
  open usually calls about it, but not always. The same service only decides between close text matches.
- Recency halves every 24 hours: an incident reported ten minutes ago is worth 0.15 more than a week-old
  one, so among equal matches the newest comes first (an outage brings many calls in a short time), and
  it never outweighs a word. Being recent is no reason on its own: an incident is shown only for some of
  the words, its CI, service or caller. Ties go to the most recently reported, then the highest id.

``ts_rank`` is not used, for the reasons given in ``knowledge/matching.py``: it knows nothing of how rare a
word is, and costs more per row (an ``OR`` of the words ranked with it: 130 ms at 1,000,000 incidents).

**How it stays fast** (``bench/incidents_similar.py``, 1,000,000 incidents of which 31,500 open: with the
indexes that ``bench/README.md`` proposes, 18 to 22 ms at the median and 27 to 41 ms at the 95th percentile;
with the migrations' indexes only, 42 to 60 and 70 to 114 ms). Two queries, whatever the number of incidents:

1. The words, from the planner's statistics only: each word's lexeme (English stemming: "crashes" finds
   "crash"), its document frequency (``pg_stats.most_common_elems`` of ``search_vector``, kept by
   autovacuum; without statistics every word counts as rare), the share of incidents that are open
   (``pg_stats`` of ``state``) and, for a word the statistics do not list, the common word it may be a
   typo of (see below). The table is not read here: PostgreSQL cannot see a lexeme computed in the same
   statement, assumes it is in 0.5% of the rows, and looks for one with a sequential scan (5 s at
   1,000,000 incidents for a word that is in none).
2. The matches, in one statement. The candidates are open incidents only: those found by a ``tsquery``
   built to find about 300 of them (the rare words alone, ``OR``-ed, the commoner ones in pairs; without
   statistics every word alone), the newest 600 at most; and the newest 200 open incidents of the caller,
   of the service and among the newest 2,000 of the CIs (a CI everything depends on may have tens of
   thousands of closed ones). Each candidate is scored as it is read, with one ``search_vector @@
   'lexeme':A`` test per word written out in the statement; the reasons come from the same columns; the
   caller's and service's names, the master incident's number and the number of subordinates are read for
   the results only.

**Misspellings.** A word of four letters or more that the statistics do not list is compared with pg_trgm
``similarity`` (0.3 or more, same first letter, length within one) to the lexemes they list (the most common
ones, up to 1,000 with the default statistics target), stem against stem (so that "conection" finds
"connection": "conect" and "connect"); the closest, then the most common, is its correction. The second
statement then asks whether an open incident has the word as typed (a GIN lookup, the lexeme being a
constant there): if one has, the word counts as typed; if none has, it is a typo and its correction counts
instead. So a misspelt word alone ("outlok") finds the open incidents about Outlook, as long as Outlook is
common enough to be listed and the statistics exist (until a table is first analysed, typos are not
corrected). Trigram indexes on ``short_description`` were measured and not used (``bench/README.md``).

**Bounds.** Only the first 50 words of the first 2,000 characters count. Blank text with no caller, service
or CI returns an empty list without a query. Resolved and closed incidents never match.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, models
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext, pgettext_lazy

from cmdb.models import Contact, Service
from incidents.choices import OPEN_STATES
from incidents.models import Incident
from knowledge.models import SEARCH_CONFIG
from knowledge.textsearch import budgeted_tsquery, search_tokens
from knowledge.textsearch import tsquery_operand as _tsquery

MAX_LIMIT = 50
# A word of fewer letters is too short for trigrams to tell a typo from another word.
MIN_TYPO_LENGTH = 4
TYPO_SIMILARITY = 0.3

# The score (see the module docstring).
CI_BOOST = 0.35
SERVICE_BOOST = 0.15
CALLER_BOOST = 0.3
RECENCY_BOOST = 0.15
RECENCY_HALF_LIFE = datetime.timedelta(hours=24)
SYMPTOMS_WEIGHT = 0.5
TYPO_WEIGHT = 0.7
IDF_SMOOTHING = 0.001
# An incident reported this recently says so in its reasons.
RECENT = datetime.timedelta(days=3)

# The candidates: how many open incidents the text query should find (expected from the statistics) and
# may return, and how many of the caller, of the service and of the CIs are taken (the newest).
CANDIDATE_BUDGET = 300
CANDIDATE_CAP = 600
STRUCTURED_CAP = 200
# The newest links of the CIs read for their open incidents.
CI_LINK_CAP = 2_000
# Pairs of common words are formed among this many of the rarest words of the query.
PAIRED_WORDS = 6
# When the statistics do not list a word: PostgreSQL's own guess for a lexeme missing from them.
DEFAULT_RARE_DF = 0.005

# The open states, written into the statements (not passed as parameters) so that PostgreSQL can prove that
# a partial index on them applies.
_OPEN = "({})".format(", ".join(f"'{state.value}'" for state in OPEN_STATES))


class SimilarityKind(models.TextChoices):
    WORDS = "words", pgettext_lazy("similar incident", "words")
    MISSPELLING = "misspelling", pgettext_lazy("similar incident", "misspelling")
    CI = "ci", pgettext_lazy("similar incident", "same CI")
    SERVICE = "service", pgettext_lazy("similar incident", "same service")
    CALLER = "caller", pgettext_lazy("similar incident", "same caller")
    RECENT = "recent", pgettext_lazy("similar incident", "recently reported")


@dataclass(frozen=True, slots=True)
class SimilarityReason:
    """Why an open incident is shown: the caller's words it contains, a corrected typo, the same CI, service
    or caller, or that it was reported recently.

    ``terms`` are the words (as the operator typed them), the typo and its correction, the CI names, the
    service's name, nothing for the caller, and for a recent incident how long ago it was reported
    ("2 hours"; nothing when under a minute).
    """

    kind: SimilarityKind
    terms: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind == SimilarityKind.CALLER:
            return str(self.kind.label)
        if self.kind == SimilarityKind.RECENT:
            if not self.terms:
                return gettext("reported just now")
            return gettext("reported %(time)s ago") % {"time": self.terms[0]}
        if self.kind == SimilarityKind.MISSPELLING:
            typed, found = self.terms
            detail = gettext("%(typed)s → %(found)s") % {"typed": typed, "found": found}
        else:
            detail = ", ".join(self.terms)
        return gettext("%(reason)s: %(detail)s") % {"reason": self.kind.label, "detail": detail}


@dataclass(frozen=True, slots=True)
class SimilarIncident:
    """An open incident that may be the one the caller is calling about, with its score and why it matched.

    ``reasons`` come in a fixed order: the words, the corrected typos, the CIs, the service, the caller, the
    recency. ``incident`` has what a list of them shows (number, short description, state, priority,
    reported time), with its caller (first and last name) and service (name) loaded; its other fields are
    deferred. ``parent_number`` is the master incident's number when it is a subordinate.
    """

    incident: Incident
    score: float
    reasons: tuple[SimilarityReason, ...]
    parent_number: str | None
    subordinate_count: int

    @property
    def caller_name(self) -> str:
        return self.incident.caller.full_name

    @property
    def service_name(self) -> str:
        return self.incident.service.name if self.incident.service_id else ""


@dataclass(frozen=True, slots=True)
class _Word:
    word: str  # as typed
    lexeme: str
    df: float | None  # share of incidents that contain it; None when the statistics cannot tell
    common: bool = False  # listed in the statistics, so surely in some open incident
    fix: str | None = None  # for a word the statistics do not list: the common lexeme it may be a typo of
    fix_df: float | None = None

    @property
    def idf(self) -> float:
        return _idf(self.df)

    @property
    def fix_idf(self) -> float:
        return _idf(self.fix_df)

    @property
    def candidate_df(self) -> float | None:
        """The share of incidents the word finds as a candidate: as typed, or as its correction."""
        if self.fix is None:
            return self.df
        return (self.df or 0.0) + (self.fix_df or 0.0) if self.df is not None else None


def _idf(df: float | None) -> float:
    return math.log((1 + IDF_SMOOTHING) / ((df or 0.0) + IDF_SMOOTHING))


def similar_incidents(
    *,
    text: str,
    caller_id: int | None = None,
    service_id: int | None = None,
    ci_ids: Sequence[int] = (),
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[SimilarIncident]:
    """The open incidents most like the one being recorded: by the caller's words, CIs, service, caller, age.

    At most ``limit`` (1 to 50), best first; ``exclude_id`` leaves out the incident being edited. Two
    queries; one when the text has no word to search for (stop words only) and nothing else is given, or
    when there is no text; none when there is nothing to match on.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}.")
    tokens = search_tokens(text)
    ci_ids = sorted({int(ci) for ci in ci_ids})
    structured = bool(ci_ids) or caller_id is not None or service_id is not None
    if not tokens and not structured:
        return []
    words, open_rows = _analyse(tokens) if tokens else ([], 0.0)
    candidate_query, expected = _candidate_query(words, open_rows)
    if candidate_query is None and not structured:
        return []
    now = timezone.now()
    params: dict[str, object] = {
        "candidate_query": candidate_query,
        "has_words": candidate_query is not None,
        # When the words say too little (only common ones), the first open incidents found will do:
        # sorting them all by time first would read every one of them.
        "vague": expected > CANDIDATE_CAP,
        "ci_ids": ci_ids,
        "has_cis": bool(ci_ids),
        "caller_id": caller_id,
        "service_id": service_id,
        "exclude_id": exclude_id,
        "now": now,
        "limit": limit,
        **_SQL_CONSTANTS,
    }
    for i, word in enumerate(words):
        params.update(
            {
                f"w{i}": word.word,
                f"q{i}": _tsquery(word.lexeme),
                f"qa{i}": _tsquery(word.lexeme, "A"),
                f"idf{i}": word.idf,
            }
        )
        if word.fix is not None:
            params.update(
                {
                    f"l{i}": word.fix,
                    f"f{i}": _tsquery(word.fix),
                    f"fa{i}": _tsquery(word.fix, "A"),
                    f"fidf{i}": word.fix_idf,
                }
            )
    shape = tuple((word.common, word.fix is not None) for word in words)
    with connection.cursor() as cursor:
        cursor.execute(_matches_sql(shape), params)
        rows = cursor.fetchall()
    return [_similar(row, now) for row in rows]


# --- The words -------------------------------------------------------------------------------------


# Only the statistics are read here, never the table (see the module docstring).
_WORDS = f"""
WITH stats AS MATERIALIZED (
    SELECT s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs
    FROM pg_stats AS s
    WHERE s.schemaname = current_schema() AND s.tablename = 'incidents_incident' AND s.attname = 'search_vector'
),
states AS MATERIALIZED (
    SELECT CASE WHEN count(*) > 0 THEN coalesce(sum(v.freq) FILTER (WHERE v.state IN {_OPEN}), 0) END AS open_share
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


def _analyse(tokens: list[str]) -> tuple[list[_Word], float]:
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
    words: list[_Word] = []
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
        words.append(_Word(word=word, lexeme=lexeme, df=df, common=common, fix=fix, fix_df=fix_df))
    # A typo whose correction is also typed is no typo: the word is taken as typed.
    typed = {word.lexeme for word in words}
    words = [_Word(w.word, w.lexeme, w.df, w.common) if w.fix in typed else w for w in words]
    open_rows = rows * (1.0 if open_share is None else float(open_share))
    return words, open_rows


def _operand(word: _Word) -> str:
    """The word in a candidate ``tsquery``: as typed, or as its correction."""
    if word.fix is None:
        return _tsquery(word.lexeme)
    return f"({_tsquery(word.lexeme)} | {_tsquery(word.fix)})"


def _candidate_query(words: list[_Word], rows: float) -> tuple[str | None, float]:
    """A ``tsquery`` for the candidates, expected to find ``CANDIDATE_BUDGET`` open incidents at most; and how many
    (``knowledge.textsearch.budgeted_tsquery``)."""
    return budgeted_tsquery(
        words,
        rows=rows,
        budget=CANDIDATE_BUDGET,
        paired=PAIRED_WORDS,
        share=lambda word: word.candidate_df,
        operand=_operand,
        name=lambda word: word.lexeme,
    )


# --- The matches -----------------------------------------------------------------------------------

_SQL_CONSTANTS = {
    "config": SEARCH_CONFIG,
    "candidate_cap": CANDIDATE_CAP,
    "structured_cap": STRUCTURED_CAP,
    "ci_link_cap": CI_LINK_CAP,
    "symptoms_weight": SYMPTOMS_WEIGHT,
    "typo_weight": TYPO_WEIGHT,
    "ci_boost": CI_BOOST,
    "service_boost": SERVICE_BOOST,
    "caller_boost": CALLER_BOOST,
    "recency_boost": RECENCY_BOOST,
    "half_life": RECENCY_HALF_LIFE.total_seconds(),
}

# The columns of the incident a list of them shows, in the order of the model's fields.
_SHOWN_FIELDS = [
    field.attname
    for field in Incident._meta.concrete_fields
    if field.attname
    in {"id", "number", "state", "caller_id", "reported_at", "short_description", "service_id", "priority", "parent_id"}
]
_SHOWN_COLUMNS = ", ".join(f"i.{name}" for name in _SHOWN_FIELDS)

# The statement, for a given shape of the words (whether each is common, whether it may be a typo). Each
# word's test is written out in the expressions that score a row (``%(q0)s``, ``%(q1)s``...), as in
# ``knowledge/matching.py``. ``%(name)s`` placeholders are the only thing that varies; every value travels as
# a parameter.
_MATCHES = """
WITH
-- Whether an open incident has each word that the statistics do not list (as typed): if none has it, the
-- word is a typo when it has a correction, and does not count otherwise.
known AS MATERIALIZED (
    SELECT {known}
),
total AS MATERIALIZED (
    SELECT {idf_total} AS idf FROM known AS k
),
-- The candidates: open incidents only, the newest of each source. The constant conditions let PostgreSQL
-- skip what was not asked for. A CI's incidents are read from its newest links only: the link table has no
-- state, and a CI that everyone depends on may have tens of thousands of closed incidents.
ci_matches AS (
    SELECT i.id FROM (
        SELECT ic.incident_id FROM incidents_incident_cis AS ic
        WHERE %(has_cis)s AND ic.configurationitem_id = ANY(%(ci_ids)s::bigint[])
        ORDER BY ic.incident_id DESC
        LIMIT %(ci_link_cap)s
    ) AS l
    JOIN incidents_incident AS i ON i.id = l.incident_id
    WHERE i.state IN {open}
    ORDER BY i.id DESC
    LIMIT %(structured_cap)s
),
text_matches AS (
    SELECT i.id FROM incidents_incident AS i
    WHERE %(has_words)s AND i.state IN {open} AND i.search_vector @@ %(candidate_query)s::tsquery
    ORDER BY CASE WHEN NOT %(vague)s THEN i.reported_at END DESC
    LIMIT %(candidate_cap)s
),
candidates AS (
    SELECT t.id FROM text_matches AS t
    UNION
    (
        SELECT i.id FROM incidents_incident AS i
        WHERE %(caller_id)s::bigint IS NOT NULL AND i.caller_id = %(caller_id)s AND i.state IN {open}
        ORDER BY i.reported_at DESC
        LIMIT %(structured_cap)s
    )
    UNION
    (
        SELECT i.id FROM incidents_incident AS i
        WHERE %(service_id)s::bigint IS NOT NULL AND i.service_id = %(service_id)s AND i.state IN {open}
        ORDER BY i.reported_at DESC
        LIMIT %(structured_cap)s
    )
    UNION
    SELECT m.id FROM ci_matches AS m
),
parts AS (
    SELECT i.id, i.search_vector, i.reported_at, h.names AS ci_names,
        coalesce(i.service_id = %(service_id)s, false) AS same_service,
        coalesce(i.caller_id = %(caller_id)s, false) AS same_caller,
        coalesce({text_weight} / nullif(total.idf, 0), 0) AS text_share,
        power(0.5, least(
            greatest(extract(epoch FROM %(now)s::timestamptz - i.reported_at)::float8, 0) / %(half_life)s, 60))
            AS freshness
    FROM candidates AS c
    JOIN incidents_incident AS i ON i.id = c.id
    -- The given CIs each candidate is linked to (the unique index of the links answers).
    LEFT JOIN LATERAL (
        SELECT array_agg(ci.name ORDER BY ci.name) AS names
        FROM incidents_incident_cis AS ic
        JOIN cmdb_configurationitem AS ci ON ci.id = ic.configurationitem_id
        WHERE %(has_cis)s AND ic.incident_id = i.id AND ic.configurationitem_id = ANY(%(ci_ids)s::bigint[])
    ) AS h ON true
    CROSS JOIN known AS k
    CROSS JOIN total
    WHERE i.id IS DISTINCT FROM %(exclude_id)s::bigint
),
scored AS (
    SELECT p.*, p.text_share
        + CASE WHEN p.ci_names IS NULL THEN 0 ELSE %(ci_boost)s END
        + CASE WHEN p.same_service THEN %(service_boost)s ELSE 0 END
        + CASE WHEN p.same_caller THEN %(caller_boost)s ELSE 0 END
        + %(recency_boost)s * p.freshness AS score
    FROM parts AS p
    -- Being recent is no reason on its own (a candidate of a typo's correction may have none of the words).
    WHERE p.text_share > 0 OR p.ci_names IS NOT NULL OR p.same_service OR p.same_caller
),
top AS (
    SELECT s.* FROM scored AS s ORDER BY s.score DESC, s.reported_at DESC, s.id DESC LIMIT %(limit)s
)
SELECT {shown}, caller.first_name, caller.last_name, service.name, parent.number,
    (SELECT count(*) FROM incidents_incident AS sub WHERE sub.parent_id = i.id),
    top.score, {matched}, {fixed_typed}, {fixed_found}, top.ci_names, top.same_service, top.same_caller
FROM top
JOIN incidents_incident AS i ON i.id = top.id
JOIN cmdb_contact AS caller ON caller.id = i.caller_id
LEFT JOIN cmdb_service AS service ON service.id = i.service_id
LEFT JOIN incidents_incident AS parent ON parent.id = i.parent_id
CROSS JOIN known AS k
ORDER BY top.score DESC, top.reported_at DESC, top.id DESC
"""

# Whether an open incident has word ``i`` as typed (a constant query: the GIN index answers).
_KNOWN = "EXISTS (SELECT FROM incidents_incident AS x WHERE x.state IN {open} AND x.search_vector @@ %(q{i})s::tsquery)"
# The word a corrected typo stands for, as the incident spells it: the first word of that stem in its short
# description or symptoms.
_FOUND = (
    "coalesce(lower(substring(ts_headline(%(config)s::regconfig, i.short_description || ' ' || i.symptoms,"
    " quote_literal(%(l{i})s)::tsquery, 'StartSel=<<, StopSel=>>, MaxWords=2, MinWords=1, ShortWord=0,"
    " MaxFragments=1') FROM '<<([^<>]*)>>')), %(l{i})s)"
)


@functools.lru_cache(maxsize=256)
def _matches_sql(shape: tuple[tuple[bool, bool], ...]) -> str:
    """The statement for words of this shape (``shape[i]``: whether word ``i`` is common, whether it has a
    correction), written out by this module from its own fragments only."""
    known = [f"{_KNOWN.format(open=_OPEN, i=i)} AS k{i}" for i, (common, _fix) in enumerate(shape) if not common]
    is_known = ["true" if common else f"k.k{i}" for i, (common, _fix) in enumerate(shape)]
    idf_total = [
        f"CASE WHEN {is_known[i]} THEN %(idf{i})s" + (f" ELSE %(fidf{i})s END" if fix else " ELSE 0 END")
        for i, (_common, fix) in enumerate(shape)
    ]
    text_weight = []
    for i, (_common, fix) in enumerate(shape):
        cases = (
            f"WHEN i.search_vector @@ %(qa{i})s::tsquery THEN %(idf{i})s"
            f" WHEN i.search_vector @@ %(q{i})s::tsquery THEN %(idf{i})s * %(symptoms_weight)s"
        )
        if fix:
            cases += (
                f" WHEN {is_known[i]} THEN 0"
                f" WHEN i.search_vector @@ %(fa{i})s::tsquery THEN %(fidf{i})s * %(typo_weight)s"
                f" WHEN i.search_vector @@ %(f{i})s::tsquery THEN %(fidf{i})s * %(typo_weight)s * %(symptoms_weight)s"
            )
        text_weight.append(f"CASE {cases} ELSE 0 END")
    matched = ", ".join(
        f"CASE WHEN top.search_vector @@ %(q{i})s::tsquery THEN %(w{i})s END" for i in range(len(shape))
    )
    fixes = [
        (i, f"NOT {is_known[i]} AND top.search_vector @@ %(f{i})s::tsquery")
        for i, (_common, fix) in enumerate(shape)
        if fix
    ]
    fixed_typed = ", ".join(f"CASE WHEN {condition} THEN %(w{i})s END" for i, condition in fixes)
    fixed_found = ", ".join(f"CASE WHEN {condition} THEN {_FOUND.format(i=i)} END" for i, condition in fixes)
    return _MATCHES.format(
        open=_OPEN,
        known=", ".join(known) or "true AS nothing",
        idf_total=" + ".join(idf_total) or "0",
        text_weight=f"({' + '.join(text_weight)})" if text_weight else "0",
        matched=_array(matched),
        fixed_typed=_array(fixed_typed),
        fixed_found=_array(fixed_found),
        shown=_SHOWN_COLUMNS,
    )


def _array(elements: str) -> str:
    """The non-NULL ones of these SQL expressions, as a ``text[]``."""
    return f"array_remove(ARRAY[{elements}]::text[], NULL)" if elements else "ARRAY[]::text[]"


def _similar(row: tuple, now: datetime.datetime) -> SimilarIncident:
    shown = len(_SHOWN_FIELDS)
    incident = Incident.from_db(connection.alias, _SHOWN_FIELDS, row[:shown])
    first_name, last_name, service_name, parent_number, subordinates, score = row[shown : shown + 6]
    matched, fixed_typed, fixed_found, ci_names, same_service, same_caller = row[shown + 6 :]
    incident.caller = Contact.from_db(
        connection.alias, ["id", "first_name", "last_name"], (incident.caller_id, first_name, last_name)
    )
    if incident.service_id is not None:
        incident.service = Service.from_db(connection.alias, ["id", "name"], (incident.service_id, service_name))
    reasons = []
    if matched:
        reasons.append(SimilarityReason(SimilarityKind.WORDS, tuple(matched)))
    reasons.extend(
        SimilarityReason(SimilarityKind.MISSPELLING, (typed, found))
        for typed, found in zip(fixed_typed, fixed_found, strict=True)
    )
    if ci_names:
        reasons.append(SimilarityReason(SimilarityKind.CI, tuple(ci_names)))
    if same_service:
        reasons.append(SimilarityReason(SimilarityKind.SERVICE, (service_name,)))
    if same_caller:
        reasons.append(SimilarityReason(SimilarityKind.CALLER))
    age = now - incident.reported_at
    if age <= RECENT:
        terms = (timesince(incident.reported_at, now, depth=1),) if age >= datetime.timedelta(minutes=1) else ()
        reasons.append(SimilarityReason(SimilarityKind.RECENT, terms))
    return SimilarIncident(
        incident=incident,
        score=float(score),
        reasons=tuple(reasons),
        parent_number=parent_number,
        subordinate_count=subordinates,
    )
