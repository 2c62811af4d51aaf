"""Known errors found by meaning (knowledge.meaning, knowledge.matching): the real model and PostgreSQL."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledge.embeddings import embed
from knowledge.matching import (
    LEXICAL_OFFER_AT,
    OFFER_AT,
    PAIRED_LEXICAL_AT,
    PAIRED_OFFER_AT,
    Confidence,
    MatchKind,
    known_error_matches,
)
from knowledge.models import KnownError
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


def test_a_call_that_says_one_of_the_symptoms_finds_its_known_error_by_that_sentence(embedded_base):
    """The caller says one thing of three; the whole text's meaning is too far off, its sentence is near (0066)."""
    wake = KnownErrorFactory(
        published=True,
        title="Laptop does not wake from sleep in the docking station",
        symptoms="After lunch the laptop in the dock stays dark and the power light blinks. The fans spin loudly but "
        "the screens get no picture. Only holding the power button brings it back, and unsaved work is lost.",
    )
    call_command("embed_known_errors", stdout=StringIO())
    text = "the fan is roaring but my screens show nothing"
    whole = np.array(KnownError.objects.get(pk=wake.pk).embedding[0], dtype=np.float32) @ embed([text])[0]

    (match, *_) = known_error_matches(text=text)

    assert match.known_error == wake
    assert whole < OFFER_AT <= match.meaning
    assert [str(reason) for reason in match.reasons] == [
        "words: fan, screens",
        "similar meaning: “The fans spin loudly but the screens get no picture.”",
    ]


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


def test_a_call_nearly_near_in_meaning_is_offered_when_its_words_agree(embedded_base):
    """Decision 0069: below the meaning that offers alone, a known error is offered when the call shares its words."""
    (match,) = known_error_matches(text="jammed tray")

    assert match.known_error == embedded_base["duplex"]
    assert PAIRED_OFFER_AT <= match.meaning < OFFER_AT
    assert match.lexical >= PAIRED_LEXICAL_AT
    assert [reason.kind for reason in match.reasons] == [MatchKind.WORDS, MatchKind.MEANING]
    # The same words with a meaning further off offer nothing: "lid" and "closed" are the dock's words.
    assert known_error_matches(text="lid closed") == []


def test_a_floor_shared_by_number_is_not_a_code_that_offers_a_known_error(embedded_base):
    """ "2nd" counts, it does not name: the words alone offer a known error only with a code (decision 0069)."""
    network = KnownErrorFactory(
        published=True,
        title="Network drops for the whole 2nd floor in Amsterdam",
        symptoms="Everyone on the 2nd floor loses the network at once, the phones too, for a few minutes.",
    )
    call_command("embed_known_errors", stdout=StringIO())

    (match, *_) = known_error_matches(text="the coffee machine on the 2nd floor is leaking", offer_at=-1.0)
    assert match.known_error == network
    assert match.lexical >= LEXICAL_OFFER_AT > match.meaning

    assert known_error_matches(text="the coffee machine on the 2nd floor is leaking") == []


def test_a_close_match_is_strong(embedded_base):
    (match, *_) = known_error_matches(text="web shop card payment refused at checkout")

    assert match.known_error == embedded_base["payment"]
    assert match.confidence == Confidence.STRONG


def test_matching_by_meaning_takes_four_statements_once_the_vectors_are_read(embedded_base, django_assert_num_queries):
    known_error_matches(text="the monitors go dark")
    # The words, and the matches between the SET and RESET of their plan (decision 0071).
    with django_assert_num_queries(4):
        matches = known_error_matches(text="closing the laptop in its dock leaves the external monitors black")
    assert matches[0].known_error == embedded_base["dock"]


def test_the_matcher_page_says_when_no_known_error_fits(client, support_member, embedded_base):
    client.force_login(support_member)
    url = reverse("knowledge:matcher")

    assert "No known error fits" in client.get(url, {"text": "please install Visual Studio Code"}).content.decode()
    page = client.get(url, {"text": "web shop card payment refused at checkout"}).content.decode()
    assert "Web shop payment fails" in page
    assert "strong" in page


def test_only_the_known_errors_nearest_by_their_whole_text_are_raised_by_a_sentence():
    """At scale the sentences are read for the pool nearest by the whole text, not for every known error."""
    from knowledge.meaning import _Matrix, _with_sentences

    query = np.eye(3, dtype=np.float32)[0]
    whole = np.array([[0.5, 0.5, 0], [0.2, 0.9, 0], [0.1, 0.9, 0]], dtype=np.float32)
    sentences = np.array([[0.9, 0, 0], [0.95, 0, 0], [0.99, 0, 0], [0.3, 0, 0]], dtype=np.float16)
    # Known error 0 has sentences 0 and 1, known error 1 none, known error 2 sentences 2 and 3.
    matrix = _Matrix(1, np.arange(3), whole, sentences, np.array([0, 2, 2, 4]), ("a", "b", "c"))

    everything, places = _with_sentences(matrix, query, whole @ query, pool=3)
    nearest_two, places_of_two = _with_sentences(matrix, query, whole @ query, pool=2)

    assert np.allclose(everything, [0.95, 0.2, 0.99], atol=1e-3)
    assert places == {0: 2, 2: 1}  # the second sentence of known error 0, the first of known error 2
    assert np.allclose(nearest_two, [0.95, 0.2, 0.1], atol=1e-3)
    assert places_of_two == {0: 2}


def test_after_a_save_the_process_reads_only_the_vectors_it_does_not_hold(embedded_base):
    """A saved known error moves the stamp: the next match reads its new vectors, not the other known errors'."""
    known_error_matches(text="the monitors go dark")  # this process reads every vector once
    payment = embedded_base["payment"]
    KnownError.objects.filter(pk=payment.pk).update(
        title="Badge reader at the warehouse door refuses every card", symptoms="Nobody can get in by the back door."
    )
    call_command("embed_known_errors", stdout=StringIO())

    with CaptureQueriesContext(connection) as queries:
        (match, *_) = known_error_matches(text="my access card no longer opens the door at the warehouse", offer_at=-1)
    read = [query["sql"] for query in queries if "array_send(k.embedding)" in query["sql"]]

    assert match.known_error == payment
    assert match.meaning > 0.5  # its new words' meaning: the web shop's was far from this call
    assert len(read) == 1
    assert f"ANY('{{{payment.pk}}}'" in read[0]
    assert known_error_matches(text="buyers can't pay online, the purchase never goes through") == []


def test_a_withdrawn_known_error_leaves_the_process_without_its_vectors_being_read_again(embedded_base):
    known_error_matches(text="the monitors go dark")
    KnownError.objects.filter(pk=embedded_base["payment"].pk).update(published=False)

    with CaptureQueriesContext(connection) as queries:
        matches = known_error_matches(text="buyers can't pay online, the purchase never goes through")

    assert matches == []
    assert not [query for query in queries if "array_send(k.embedding)" in query["sql"]]
    assert [m.known_error for m in known_error_matches(text="web shop checkout")] != [embedded_base["payment"]]
