"""The staff search across problems, known errors and articles."""

from __future__ import annotations

import pytest

from knowledge.choices import ArticleStatus
from knowledge.search import knowledge_search
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
        "outlook": KnownErrorFactory(title="Outlook keeps asking for the password", published=True),
        "article": ArticleFactory(title="Clearing a paper jam", body="Open the tray and remove the paper."),
        "draft_article": ArticleFactory(
            title="Paper types for the printers", body="Thick paper jams.", status=ArticleStatus.DRAFT
        ),
    }


def test_finds_problems_known_errors_and_articles_that_contain_every_word(knowledge_base):
    results = knowledge_search(text="paper jam")

    assert set(results.known_errors) == {knowledge_base["published"], knowledge_base["draft"]}
    assert set(results.articles) == {knowledge_base["article"], knowledge_base["draft_article"]}
    assert results.problems == ()
    assert results


def test_unpublished_known_errors_and_draft_articles_are_found_and_say_so(knowledge_base):
    results = knowledge_search(text="tray jam")

    assert [(ke.title, ke.published) for ke in results.known_errors] == [("Paper jam in tray 2", False)]
    results = knowledge_search(text="thick paper")
    assert [(a.title, a.status) for a in results.articles] == [("Paper types for the printers", ArticleStatus.DRAFT)]


def test_problems_are_found_by_the_words_of_their_title(knowledge_base):
    results = knowledge_search(text="paper tray")

    assert results.problems == (knowledge_base["problem"],)


def test_a_record_number_finds_its_record_first(knowledge_base):
    known_error = knowledge_base["outlook"]
    problem = knowledge_base["other_problem"]

    assert knowledge_search(text=known_error.number.lower()).known_errors[0] == known_error
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


@pytest.mark.parametrize("count", [2, 20])
def test_a_search_takes_three_queries_whatever_the_number_of_records(count, django_assert_num_queries):
    for n in range(count):
        KnownErrorFactory(title=f"Printer paper jam {n}", symptoms="Paper jam.", published=n % 2 == 0)
        ArticleFactory(title=f"Paper jam, part {n}")
        ProblemFactory(title=f"Paper jam on floor {n}")

    with django_assert_num_queries(3):
        results = knowledge_search(text="paper jam")
        shown = [
            (ke.number, ke.title, ke.symptoms, ke.published, ke.get_fix_status_display()) for ke in results.known_errors
        ]
        shown += [(a.title, a.get_status_display(), a.get_kind_display()) for a in results.articles]
        shown += [(p.number, p.title, p.get_state_display()) for p in results.problems]

    assert len(shown) == 3 * min(count, 10)
