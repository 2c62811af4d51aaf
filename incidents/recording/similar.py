"""The same or a similar incident already open: what the call-logging page shows while the operator types, each
open incident with its score and the reasons it matched. How incidents are scored, and how the lookup stays
at two queries at a million incidents: decision record 0007."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, models
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext, pgettext_lazy

from cmdb.models import Contact, Service
from incidents.models import Incident
from incidents.recording.meaning import Meaning, nearest_open
from incidents.words import OPEN_SQL, analyse, candidates_tsquery
from knowledge.models import SEARCH_CONFIG
from knowledge.textsearch import is_code, search_tokens
from knowledge.textsearch import tsquery_operand as _tsquery

MAX_LIMIT = 50

# The score (see the module docstring).
CI_BOOST = 0.35
SERVICE_BOOST = 0.15
CALLER_BOOST = 0.3
RECENCY_BOOST = 0.15
RECENCY_HALF_LIFE = datetime.timedelta(hours=24)
SYMPTOMS_WEIGHT = 0.5
TYPO_WEIGHT = 0.7
# An incident reported this recently says so in its reasons.
RECENT = datetime.timedelta(days=3)
# Meaning (decision 0056): the open incidents nearest in meaning to the caller's words join the candidates, their
# cosine added to the score. An incident is offered when it has a CI, service or caller in common, when its meaning
# reaches MEANING_OFFER_AT, or when it holds TEXT_OFFER_AT of what the caller's words tell (their rarity summed) and
# shares a word of digits with them (an error code, a CI name): below both, a shared common word or two ("printer",
# "floor") brought an open incident for calls about something none is about. bench/matching_tune.py --incidents
# chose them on bench/matching_eval/. An incident with no vector yet (its task not run, the backfill not done) is
# offered by the words at TEXT_ONLY_OFFER_AT, as before meaning (decision 0051).
MEANING_POOL = 30
MEANING_FLOOR = 0.3
MEANING_WEIGHT = 1.0
MEANING_OFFER_AT = 0.52
TEXT_OFFER_AT = 0.6
TEXT_ONLY_OFFER_AT = 0.3

# The candidates: how many open incidents the text query should find (expected from the statistics) and
# may return, and how many of the caller, of the service and of the CIs are taken (the newest).
CANDIDATE_CAP = 600
STRUCTURED_CAP = 200
# The newest links of the CIs read for their open incidents.
CI_LINK_CAP = 2_000


class SimilarityKind(models.TextChoices):
    WORDS = "words", pgettext_lazy("similar incident", "words")
    MEANING = "meaning", pgettext_lazy("similar incident", "similar meaning")
    MISSPELLING = "misspelling", pgettext_lazy("similar incident", "misspelling")
    CI = "ci", pgettext_lazy("similar incident", "same CI")
    SERVICE = "service", pgettext_lazy("similar incident", "same service")
    CALLER = "caller", pgettext_lazy("similar incident", "same caller")
    RECENT = "recent", pgettext_lazy("similar incident", "recently reported")


@dataclass(frozen=True, slots=True)
class SimilarityReason:
    """Why an open incident is shown: the caller's words it contains, a corrected typo, a similar meaning, the
    same CI, service or caller, or that it was reported recently.

    ``terms`` are the words (as the operator typed them), the typo and its correction, the CI names, the
    service's name, nothing for the meaning and the caller, and for a recent incident how long ago it was reported
    ("2 hours"; nothing when under a minute).
    """

    kind: SimilarityKind
    terms: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind in (SimilarityKind.CALLER, SimilarityKind.MEANING):
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

    ``reasons`` come in a fixed order: the words, the corrected typos, the meaning, the CIs, the service, the
    caller, the recency. ``incident`` has what a list of them shows (number, short description, state, priority,
    reported time), with its caller (first and last name) and service (name) loaded; its other fields are
    deferred. ``parent_number`` is the master incident's number when it is a subordinate.
    """

    incident: Incident
    score: float
    reasons: tuple[SimilarityReason, ...]
    parent_number: str | None
    subordinate_count: int
    text_share: float = 0.0  # the share of the caller's words' weight the incident holds (0 to 1)
    meaning: float = 0.0  # the cosine of its words' meaning and the caller's (0 when not among the nearest)

    @property
    def words_only(self) -> bool:
        """Brought by the words alone: no CI, service or caller in common."""
        structured = (SimilarityKind.CI, SimilarityKind.SERVICE, SimilarityKind.CALLER)
        return not any(reason.kind in structured for reason in self.reasons)

    @property
    def caller_name(self) -> str:
        return self.incident.caller.full_name

    @property
    def service_name(self) -> str:
        return self.incident.service.name if self.incident.service_id else ""


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

    At most ``limit`` (1 to 50), best first; ``exclude_id`` leaves out the incident being edited. One with no CI,
    service or caller in common is offered only when its meaning reaches ``MEANING_OFFER_AT`` or it holds
    ``TEXT_OFFER_AT`` of the words' weight with a word of digits among them (``TEXT_ONLY_OFFER_AT`` of the weight
    while it has no vector). Three queries (the
    words' statistics, the open incidents' vectors written since this process last looked, the matches); fewer
    when the text has no word to search for, none when there is nothing to match on.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}.")
    tokens = search_tokens(text)
    ci_ids = sorted({int(ci) for ci in ci_ids})
    structured = bool(ci_ids) or caller_id is not None or service_id is not None
    if not tokens and not structured:
        return []
    words, open_rows = analyse(tokens) if tokens else ([], 0.0)
    meaning = nearest_open(text, count=MEANING_POOL, floor=MEANING_FLOOR) if words else Meaning([], None)
    candidate_query, expected = candidates_tsquery(words, open_rows)
    if candidate_query is None and not structured and not meaning.near:
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
        "meaning_ids": [n.incident_id for n in meaning.near],
        "meaning_cosines": [n.cosine for n in meaning.near],
        "query_vector": meaning.vector.tolist() if meaning.vector is not None and structured else None,
        "meaning_weight": MEANING_WEIGHT,
        "meaning_offer_at": MEANING_OFFER_AT,
        "text_offer_at": TEXT_OFFER_AT,
        "text_only_offer_at": TEXT_ONLY_OFFER_AT,
        "coded_query": " | ".join(_tsquery(word.lexeme) for word in words if is_code(word.word)) or None,
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
    UNION
    SELECT i.id FROM unnest(%(meaning_ids)s::bigint[]) AS n(id)
    JOIN incidents_incident AS i ON i.id = n.id
    WHERE i.state IN {open}
),
parts AS (
    SELECT i.id, i.search_vector, i.reported_at, h.names AS ci_names,
        coalesce(i.service_id = %(service_id)s, false) AS same_service,
        coalesce(i.caller_id = %(caller_id)s, false) AS same_caller,
        coalesce({text_weight} / nullif(total.idf, 0), 0) AS text_share,
        coalesce(near.cosine, v.cosine, 0) AS meaning,
        v.present IS NOT NULL AS has_meaning,
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
    LEFT JOIN unnest(%(meaning_ids)s::bigint[], %(meaning_cosines)s::float8[]) AS near(id, cosine) ON near.id = i.id
    -- Whether it has a vector; and for one the caller, service or CI brings that is not among the nearest, its
    -- cosine, computed here (the operator's own input should not lose to the nearest for want of one).
    LEFT JOIN LATERAL (
        SELECT true AS present,
            CASE WHEN near.id IS NULL AND %(query_vector)s::float8[] IS NOT NULL
                AND (h.names IS NOT NULL OR i.service_id = %(service_id)s OR i.caller_id = %(caller_id)s)
            THEN (SELECT sum(t.a * t.b) FROM unnest(m.embedding::float8[], %(query_vector)s::float8[]) AS t(a, b)) END
                AS cosine
        FROM incidents_incidentmeaning AS m
        WHERE m.incident_id = i.id
    ) AS v ON true
    CROSS JOIN known AS k
    CROSS JOIN total
    WHERE i.id IS DISTINCT FROM %(exclude_id)s::bigint
),
scored AS (
    SELECT p.*, p.text_share
        + CASE WHEN p.ci_names IS NULL THEN 0 ELSE %(ci_boost)s END
        + CASE WHEN p.same_service THEN %(service_boost)s ELSE 0 END
        + CASE WHEN p.same_caller THEN %(caller_boost)s ELSE 0 END
        + %(meaning_weight)s * p.meaning
        + %(recency_boost)s * p.freshness AS score
    FROM parts AS p
    -- Offered for something in common, a close meaning, or enough of the words; being recent is no reason on its
    -- own (a candidate of a typo's correction may have none of the words).
    WHERE p.ci_names IS NOT NULL OR p.same_service OR p.same_caller
        OR p.meaning >= %(meaning_offer_at)s
        OR (p.text_share > 0 AND CASE
            WHEN p.has_meaning THEN p.text_share >= %(text_offer_at)s
                AND coalesce(p.search_vector @@ %(coded_query)s::tsquery, false)
            ELSE p.text_share >= %(text_only_offer_at)s END)
),
top AS (
    SELECT s.* FROM scored AS s ORDER BY s.score DESC, s.reported_at DESC, s.id DESC LIMIT %(limit)s
)
SELECT {shown}, caller.first_name, caller.last_name, service.name, parent.number,
    (SELECT count(*) FROM incidents_incident AS sub WHERE sub.parent_id = i.id),
    top.score, {matched}, {fixed_typed}, {fixed_found}, top.ci_names, top.same_service, top.same_caller,
    top.text_share, top.meaning
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
    known = [f"{_KNOWN.format(open=OPEN_SQL, i=i)} AS k{i}" for i, (common, _fix) in enumerate(shape) if not common]
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
        open=OPEN_SQL,
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
    matched, fixed_typed, fixed_found, ci_names, same_service, same_caller, text_share, meaning = row[shown + 6 :]
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
    if meaning >= MEANING_OFFER_AT:
        reasons.append(SimilarityReason(SimilarityKind.MEANING))
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
        text_share=float(text_share),
        meaning=float(meaning),
    )
