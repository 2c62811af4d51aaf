"""Known errors found by meaning (knowledge.meaning, knowledge.matching): the real model and PostgreSQL."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from knowledge.matching import LEXICAL_OFFER_AT, Confidence, MatchKind, known_error_matches
from tests.knowledge.factories import KnownErrorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded_base():
    """A desk's known errors, embedded as the backfill does."""
    known_errors = {
        "duplex": KnownErrorFactory(
            published=True,
            title="Colour printer jams in tray 2 on double-sided prints",
            symptoms="Paper jams in tray 2 whenever a document is printed on both sides; one-sided printing works.",
        ),
        "dock": KnownErrorFactory(
            published=True,
            title="Docking station: external monitors stay black after closing the lid",
            symptoms="With the laptop closed in the dock, the external screens get no signal.",
        ),
        "payment": KnownErrorFactory(
            published=True,
            title="Web shop payment fails at checkout",
            symptoms="Customers' card payments are refused at checkout and the order is not placed.",
        ),
        "code": KnownErrorFactory(
            published=True,
            title="Access denied when saving to the team share",
            symptoms="Saving a file to the S drive fails with error 0x80070005.",
        ),
        "share": KnownErrorFactory(
            published=True,
            title="Team share refuses new files after the quota is reached",
            symptoms="Saving a file to the team share fails: the disk is full.",
        ),
    }
    call_command("embed_known_errors", stdout=StringIO())
    return known_errors


def test_a_known_error_is_found_by_meaning_with_no_word_in_common(embedded_base):
    matches = known_error_matches(text="buyers can't pay online, the purchase never goes through")

    assert [match.known_error for match in matches] == [embedded_base["payment"]]
    assert [str(reason) for reason in matches[0].reasons] == ["similar meaning"]
    assert matches[0].lexical == 0


def test_a_call_no_known_error_fits_is_offered_nothing(embedded_base):
    assert known_error_matches(text="please install Visual Studio Code on my computer") == []
    assert known_error_matches(text="the coffee machine in the kitchen is empty") == []


def test_an_error_code_still_wins_over_a_meaning_alike(embedded_base):
    matches = known_error_matches(text="cannot save, it says 0x80070005")

    assert matches[0].known_error == embedded_base["code"]
    assert MatchKind.WORDS in [reason.kind for reason in matches[0].reasons]


def test_a_common_word_alone_offers_nothing_however_high_its_share(embedded_base):
    (match, *_) = known_error_matches(text="the canteen tray is sticky", offer_at=-1.0)
    assert match.known_error == embedded_base["duplex"]
    assert match.lexical >= LEXICAL_OFFER_AT > match.meaning

    assert known_error_matches(text="the canteen tray is sticky") == []


def test_a_close_match_is_strong(embedded_base):
    (match, *_) = known_error_matches(text="web shop card payment refused at checkout")

    assert match.known_error == embedded_base["payment"]
    assert match.confidence == Confidence.STRONG


def test_matching_by_meaning_takes_two_queries_once_the_vectors_are_read(embedded_base, django_assert_num_queries):
    known_error_matches(text="the monitors go dark")
    with django_assert_num_queries(2):
        matches = known_error_matches(text="closing the laptop in its dock leaves the external monitors black")
    assert matches[0].known_error == embedded_base["dock"]


def test_the_matcher_page_says_when_no_known_error_fits(client, support_member, embedded_base):
    client.force_login(support_member)
    url = reverse("knowledge:matcher")

    assert "No known error fits" in client.get(url, {"text": "please install Visual Studio Code"}).content.decode()
    page = client.get(url, {"text": "web shop card payment refused at checkout"}).content.decode()
    assert "Web shop payment fails" in page
    assert "strong" in page
