"""The knowledge base's search for people: problems, known errors and articles, a short ranked list of each.

For people who know what they are looking for, but in their own words. A record number (``KE0001234``,
``PRB0001000``) finds its record first; then the records with every word (PostgreSQL's
``websearch_to_tsquery``: ``"paper jam"`` for a phrase, ``or`` between alternatives), best ranked first. When
that leaves the list short, the published known errors the matcher finds by meaning and words
(``knowledge.matching``, with its cut-off), then the records with some of the words, ranked. Each record found
carries ``found_by`` (a ``FoundBy``) for the page to say which kind of match it is. Unpublished known errors and
draft articles are included and marked by ``published`` and ``status``. Problems have no search vector (there
are few of them): their titles are searched for the words with ``ILIKE``. Long text is cut, never refused.

Three queries for text that every record found holds; up to three more, and the model's reading of the text,
when the lists are short. None for blank text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.translation import pgettext_lazy

from knowledge.matching import known_error_matches
from knowledge.models import SEARCH_CONFIG, Article, KnownError, Problem
from knowledge.textsearch import search_tokens

MAX_CHARS = 500
# How close in meaning a published known error must be to fill a short list: lower than the logging panel's cut-off
# (a search page lists ten, each marked "similar meaning"), chosen on bench/matching_eval/ (docs/benchmarks.md).
MEANING_AT = 0.35
MAX_LIMIT = 50
# Problem titles must contain each of the first few words of three letters or more.
PROBLEM_WORDS = 5
# A word with a leading minus is a negation in websearch syntax: a query of negations only would read
# the whole index, so minus signs are ignored.
_NEGATION = re.compile(r"(^|\s)-+")
_WORD = re.compile(r"[^\W_]{3,}")


class FoundBy(models.TextChoices):
    NUMBER = "number", pgettext_lazy("found by", "number")
    EVERY_WORD = "every_word", pgettext_lazy("found by", "every word")
    MEANING = "meaning", pgettext_lazy("found by", "similar meaning")
    SOME_WORDS = "some_words", pgettext_lazy("found by", "some of the words")


@dataclass(frozen=True, slots=True)
class KnowledgeSearchResults:
    """The problems, known errors and articles found, each list best first and at most the requested length;
    each record has ``found_by``."""

    problems: tuple[Problem, ...]
    known_errors: tuple[KnownError, ...]
    articles: tuple[Article, ...]

    def __bool__(self) -> bool:
        return bool(self.problems or self.known_errors or self.articles)


def knowledge_search(*, text: str, limit: int = 10) -> KnowledgeSearchResults:
    """Problems, known errors (published or not) and articles (any status) for ``text``, each with ``found_by``.

    A record number finds that problem or known error first, then come the records with every word; lists left
    short are filled by meaning and by some of the words. At most ``limit`` (1 to 50) of each.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}.")
    text = " ".join(_NEGATION.sub(r"\1", (text or "")[:MAX_CHARS]).split())
    if not text:
        return KnowledgeSearchResults(problems=(), known_errors=(), articles=())
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    tokens = search_tokens(text)
    # Some of the words: any of them, as the same parser reads them (stop words and all).
    any_word = SearchQuery(" or ".join(tokens), search_type="websearch", config=SEARCH_CONFIG) if tokens else None
    number = text.upper()
    return KnowledgeSearchResults(
        problems=_problems(text, number, limit),
        known_errors=_known_errors(text, query, any_word, number, limit),
        articles=_articles(query, any_word, limit),
    )


def _exact(number: str) -> Case:
    return Case(When(number=number, then=Value(1)), default=Value(0), output_field=IntegerField())


def _found(records: list, found_by: FoundBy) -> list:
    for record in records:
        record.found_by = found_by
    return records


_KNOWN_ERROR_FIELDS = ("number", "title", "symptoms", "fix_status", "published", "times_used", "updated_at")


def _known_errors(
    text: str, query: SearchQuery, any_word: SearchQuery | None, number: str, limit: int
) -> tuple[KnownError, ...]:
    found = list(
        KnownError.objects.filter(Q(search_vector=query) | Q(number=number))
        .annotate(exact=_exact(number), rank=SearchRank(F("search_vector"), query))
        .only(*_KNOWN_ERROR_FIELDS)
        .order_by("-exact", "-rank", "-published", "-updated_at", "-id")[:limit]
    )
    for known_error in found:
        known_error.found_by = FoundBy.NUMBER if known_error.exact else FoundBy.EVERY_WORD
    if len(found) < limit:
        seen = {known_error.pk for known_error in found}
        for match in known_error_matches(text=text, limit=limit, offer_at=MEANING_AT):
            if match.known_error.pk not in seen and len(found) < limit:
                meant = match.meaning >= MEANING_AT
                found.append(match.known_error)
                match.known_error.found_by = FoundBy.MEANING if meant else FoundBy.SOME_WORDS
                seen.add(match.known_error.pk)
    if len(found) < limit and any_word is not None:
        found += _found(
            list(
                KnownError.objects.filter(search_vector=any_word)
                .exclude(pk__in=[known_error.pk for known_error in found])
                .annotate(rank=SearchRank(F("search_vector"), any_word))
                .only(*_KNOWN_ERROR_FIELDS)
                .order_by("-rank", "-published", "-updated_at", "-id")[: limit - len(found)]
            ),
            FoundBy.SOME_WORDS,
        )
    return tuple(found)


def _articles(query: SearchQuery, any_word: SearchQuery | None, limit: int) -> tuple[Article, ...]:
    def ranked(words: SearchQuery, count: int, exclude: list[int]) -> list[Article]:
        return list(
            Article.objects.filter(search_vector=words)
            .exclude(pk__in=exclude)
            .annotate(rank=SearchRank(F("search_vector"), words))
            .only("title", "kind", "status", "updated_at")
            .order_by("-rank", "title", "id")[:count]
        )

    found = _found(ranked(query, limit, []), FoundBy.EVERY_WORD)
    if len(found) < limit and any_word is not None:
        found += _found(ranked(any_word, limit - len(found), [a.pk for a in found]), FoundBy.SOME_WORDS)
    return tuple(found)


def _problems(text: str, number: str, limit: int) -> tuple[Problem, ...]:
    """By number, then by the words in the title: those with every word first, then those with most of them."""
    words = _WORD.findall(text)[:PROBLEM_WORDS]
    held = [Case(When(title__icontains=word, then=Value(1)), default=Value(0)) for word in words]
    in_title = Q()
    for word in words:
        in_title |= Q(title__icontains=word)
    problems = list(
        Problem.objects.filter(Q(number=number) | (in_title if words else Q(pk__in=[])))
        .annotate(exact=_exact(number), held=sum(held[1:], held[0]) if held else Value(0))
        .only("number", "title", "state", "created_at")
        .order_by("-exact", "-held", "-created_at", "-id")[:limit]
    )
    for problem in problems:
        problem.found_by = (
            FoundBy.NUMBER
            if problem.exact
            else FoundBy.EVERY_WORD
            if problem.held == len(words)
            else FoundBy.SOME_WORDS
        )
    return tuple(problems)
