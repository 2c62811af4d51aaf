"""The words of a search as the planner's statistics see them (``incidents.words``): the statistics read once a
process and again after the table is analysed (decision 0063), the typos' corrections found as pg_trgm finds them."""

from __future__ import annotations

import pytest
from django.db import connection

from incidents import words
from tests.incidents.factories import IncidentFactory


def analysed() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")


def fixes(tokens: list[str]) -> dict[str, str | None]:
    found, _open_rows = words.analyse(tokens)
    return {word.word: word.fix for word in found}


# Committed, as on a desk: an ANALYZE moves the server's count of them, read by the next request's statement.
@pytest.mark.django_db(transaction=True)
def test_the_statistics_are_read_once_a_process_and_again_after_the_table_is_analysed(django_assert_num_queries):
    IncidentFactory.create_batch(3, short_description="Outlook keeps asking for the password")
    analysed()

    with django_assert_num_queries(2):  # the words, then the statistics
        assert fixes(["outlok", "pritner"]) == {"outlok": "outlook", "pritner": None}
    with django_assert_num_queries(1):
        assert fixes(["outlok", "pritner"]) == {"outlok": "outlook", "pritner": None}

    IncidentFactory.create_batch(3, short_description="Printer on the third floor is offline")
    with django_assert_num_queries(1):  # not analysed yet: the statistics say what they said
        assert fixes(["pritner"]) == {"pritner": None}
    analysed()
    with django_assert_num_queries(2):
        assert fixes(["pritner"]) == {"pritner": "printer"}


@pytest.mark.django_db
def test_stop_words_alone_read_no_statistics(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert words.analyse(["the", "and"]) == ([], 0.0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "common"),
    [
        ("conect", "connect"),
        ("outlok", "outlook"),
        ("pritner", "printer"),
        ("urgent", "agent"),
        ("mail", "e-mail"),
        ("wifi", "wi-fi"),
        ("v2", "v2.1"),
        ("café", "cafe"),
        ("abc", "xyz"),
        ("disk", "Disk"),
    ],
)
def test_the_similarity_of_two_words_is_pg_trgms(typed, common):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [typed, common])
        expected = cursor.fetchone()[0]
    a, b = words.trigrams(typed), words.trigrams(common)
    shared = len(a & b)

    assert shared / (len(a) + len(b) - shared) == pytest.approx(expected, abs=1e-6)
