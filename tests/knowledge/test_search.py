"""The staff search across problems, known errors and articles."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from knowledge.choices import ArticleStatus
from knowledge.search import FoundBy, knowledge_search
from tests.knowledge.factories import ArticleFactory, KnownErrorFactory, ProblemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def knowledge_base():
    return {
        "problem": ProblemFactory(title="Printers lose their paper tray settings"),
        "other_problem": ProblemFactory(title="Outlook profile corruption"),
        "published": KnownErrorFactory(
            title="Printer reports paper jam", symptoms="The printer says paper jam.", published=True
        ),
        "draft": KnownErrorFactory(
            title="Paper jam in tray 2", symptoms="Tray 2 jams on thick paper.", published=False
        ),
        "outlook": KnownErrorFactory(
            title="Outlook keeps asking for the password",
            symptoms="Outlook asks for the password over and over.",
            published=True,
        ),
        "article": ArticleFactory(title="Clearing a paper jam", body="Open the tray and remove the paper."),
        "draft_article": ArticleFactory(
            title="Paper types for the printers", body="Thick paper jams.", status=ArticleStatus.DRAFT
        ),
    }


def test_finds_problems_known_errors_and_articles_that_contain_every_word(knowledge_base):
    results = knowledge_search(text="paper jam")

    assert set(results.known_errors) == {knowledge_base["published"], knowledge_base["draft"]}
    assert set(results.articles) == {knowledge_base["article"], knowledge_base["draft_article"]}
    assert {record.found_by for record in results.known_errors + results.articles} == {FoundBy.EVERY_WORD}
    # No problem's title has both words: the one with "paper" fills its empty list, and says so.
    assert [(p.title, p.found_by) for p in results.problems] == [
        ("Printers lose their paper tray settings", FoundBy.SOME_WORDS)
    ]


def test_when_no_record_holds_every_word_those_with_some_of_them_follow_ranked(knowledge_base):
    results = knowledge_search(text="the copier on floor three has a paper jam again")

    assert results.known_errors[:2] == (knowledge_base["published"], knowledge_base["draft"])
    assert {ke.found_by for ke in results.known_errors[:2]} <= {FoundBy.SOME_WORDS, FoundBy.MEANING}
    assert knowledge_base["outlook"] not in results.known_errors
    assert [a.found_by for a in results.articles] == [FoundBy.SOME_WORDS, FoundBy.SOME_WORDS]


def test_a_caller_s_own_words_find_the_known_error_by_meaning(knowledge_base):
    call_command("embed_known_errors", stdout=StringIO())  # as the backfill does
    results = knowledge_search(text="e-mail prompts for credentials repeatedly")

    assert [(ke.title, ke.found_by) for ke in results.known_errors] == [
        ("Outlook keeps asking for the password", FoundBy.MEANING)
    ]


def test_records_with_every_word_come_before_those_found_otherwise(knowledge_base):
    results = knowledge_search(text="paper tray")

    assert results.known_errors[0] == knowledge_base["draft"]  # "Paper jam in tray 2"
    assert results.known_errors[0].found_by == FoundBy.EVERY_WORD
    assert all(ke.found_by != FoundBy.EVERY_WORD for ke in results.known_errors[1:])


def test_unpublished_known_errors_and_draft_articles_are_found_and_say_so(knowledge_base):
    results = knowledge_search(text="tray jam")

    assert [(ke.title, ke.published) for ke in results.known_errors if ke.found_by == FoundBy.EVERY_WORD] == [
        ("Paper jam in tray 2", False)
    ]
    results = knowledge_search(text="thick paper")
    assert results.articles[0].title == "Paper types for the printers"
    assert (results.articles[0].status, results.articles[0].found_by) == (ArticleStatus.DRAFT, FoundBy.EVERY_WORD)


def test_problems_are_found_by_the_words_of_their_title(knowledge_base):
    results = knowledge_search(text="paper tray")

    assert results.problems == (knowledge_base["problem"],)


def test_a_record_number_finds_its_record_first(knowledge_base):
    known_error = knowledge_base["outlook"]
    problem = knowledge_base["other_problem"]

    assert knowledge_search(text=known_error.number.lower()).known_errors[0] == known_error
    assert knowledge_search(text=known_error.number).known_errors[0].found_by == FoundBy.NUMBER
    assert knowledge_search(text=f" {problem.number} ").problems == (problem,)


def test_each_list_is_limited():
    for n in range(4):
        KnownErrorFactory(title=f"Printer paper jam {n}", symptoms="Paper jam.", published=True)
        ArticleFactory(title=f"Paper jam, part {n}")
        ProblemFactory(title=f"Paper jam on floor {n}")

    results = knowledge_search(text="paper jam", limit=3)

    assert (len(results.problems), len(results.known_errors), len(results.articles)) == (3, 3, 3)
    with pytest.raises(ValueError, match="limit"):
        knowledge_search(text="paper jam", limit=0)


def test_blank_text_finds_nothing_without_a_query(knowledge_base, django_assert_num_queries):
    with django_assert_num_queries(0):
        results = knowledge_search(text="  ")

    assert not results


def test_negations_alone_are_ignored_rather_than_reading_the_whole_index(knowledge_base):
    results = knowledge_search(text="-paper -jam")

    assert knowledge_base["published"] in results.known_errors


@pytest.mark.parametrize(("count", "queries"), [(2, 9), (20, 3)])
def test_a_search_takes_a_fixed_number_of_queries_whatever_the_number_of_records(
    count, queries, django_assert_num_queries
):
    """Three when every list is full of records with every word; when they are short, four for the matcher (the
    words, and the matches between the SET and RESET of their plan: decision 0071) and one more each for the known
    errors and the articles with some of the words."""
    for n in range(count):
        KnownErrorFactory(title=f"Printer paper jam {n}", symptoms="Paper jam.", published=n % 2 == 0)
        ArticleFactory(title=f"Paper jam, part {n}")
        ProblemFactory(title=f"Paper jam on floor {n}")
    knowledge_search(text="jam")  # the matcher's vectors are read once a process

    with django_assert_num_queries(queries):
        results = knowledge_search(text="paper jam")
        shown = [
            (ke.number, ke.title, ke.symptoms, ke.published, ke.get_fix_status_display()) for ke in results.known_errors
        ]
        shown += [(a.title, a.get_status_display(), a.get_kind_display()) for a in results.articles]
        shown += [(p.number, p.title, p.get_state_display()) for p in results.problems]

    assert len(shown) == 3 * min(count, 10)
