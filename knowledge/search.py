"""The knowledge base's search page for staff: problems, known errors and articles, a short list of each.

Unlike ``knowledge.matching`` (which matches an incident against published known errors only, word by
word), this is a plain search for people who know what they are looking for: every word must be there
(PostgreSQL's ``websearch_to_tsquery``: ``"paper jam"`` for a phrase, ``or`` between alternatives), and a
record number (``KE0001234``, ``PRB0001000``) finds its record first. Known errors and articles are
searched in their stored ``search_vector`` (GIN), best ranked first; unpublished known errors and draft
articles are included, and carry ``published`` and ``status`` for the page to mark them. Problems have no
search vector (there are few of them): their titles are searched for every word with ``ILIKE``.

Three queries, one per list, whatever the size of the knowledge base; none for blank text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Case, F, IntegerField, Q, Value, When

from knowledge.models import SEARCH_CONFIG, Article, KnownError, Problem

MAX_CHARS = 500
MAX_LIMIT = 50
# Problem titles must contain each of the first few words of three letters or more.
PROBLEM_WORDS = 5
# A word with a leading minus is a negation in websearch syntax: a query of negations only would read
# the whole index, so minus signs are ignored.
_NEGATION = re.compile(r"(^|\s)-+")
_WORD = re.compile(r"[^\W_]{3,}")


@dataclass(frozen=True, slots=True)
class KnowledgeSearchResults:
    """The problems, known errors and articles found, each list best first and at most the requested length."""

    problems: tuple[Problem, ...]
    known_errors: tuple[KnownError, ...]
    articles: tuple[Article, ...]

    def __bool__(self) -> bool:
        return bool(self.problems or self.known_errors or self.articles)


def knowledge_search(*, text: str, limit: int = 10) -> KnowledgeSearchResults:
    """Problems, known errors (published or not) and articles (any status) that contain every word of ``text``.

    A record number finds that problem or known error first. At most ``limit`` (1 to 50) of each. Three
    queries; none when the text is blank.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}.")
    text = " ".join(_NEGATION.sub(r"\1", (text or "")[:MAX_CHARS]).split())
    if not text:
        return KnowledgeSearchResults(problems=(), known_errors=(), articles=())
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    number = text.upper()
    exact = Case(When(number=number, then=Value(1)), default=Value(0), output_field=IntegerField())

    known_errors = (
        KnownError.objects.filter(Q(search_vector=query) | Q(number=number))
        .annotate(exact=exact, rank=SearchRank(F("search_vector"), query))
        .only("number", "title", "symptoms", "fix_status", "published", "times_used", "updated_at")
        .order_by("-exact", "-rank", "-published", "-updated_at", "-id")[:limit]
    )
    articles = (
        Article.objects.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .only("title", "kind", "status", "updated_at")
        .order_by("-rank", "title", "id")[:limit]
    )
    words = _WORD.findall(text)[:PROBLEM_WORDS]
    in_title = Q()
    for word in words:
        in_title &= Q(title__icontains=word)
    problems = (
        Problem.objects.filter(Q(number=number) | (in_title if words else Q(pk__in=[])))
        .annotate(exact=exact)
        .only("number", "title", "state", "created_at")
        .order_by("-exact", "-created_at", "-id")[:limit]
    )
    return KnowledgeSearchResults(problems=tuple(problems), known_errors=tuple(known_errors), articles=tuple(articles))
