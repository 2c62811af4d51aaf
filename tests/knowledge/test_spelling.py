"""A caller's typos corrected before the meaning of their words is read (knowledge.spelling): the real word list."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from knowledge import spelling
from knowledge.matching import MatchKind, known_error_matches
from knowledge.spelling import corrected
from tests.knowledge.factories import KnownErrorFactory


@pytest.fixture(autouse=True)
def desk_words():
    spelling.forget()
    spelling.learn(["Outlook cannot connect to the mail server", "Citrix session freezes", "Printer offline"])
    yield
    spelling.forget()


def test_typos_are_corrected_into_the_desks_words_and_english():
    assert corrected("outlok wont conect") == spelling.Corrected(
        "outlook wont connect", (("outlok", "outlook"), ("conect", "connect"))
    )
    assert corrected("pritner ofline, my pasword expird").text == "printer offline, my password expired"


def test_a_desk_word_the_english_list_lacks_is_a_correction_and_never_corrected():
    assert corrected("citrx sesion frezes").text == "citrix session freezes"
    assert corrected("citrix").fixes == ()


def test_the_word_left_short_of_letters_is_preferred():
    assert corrected("printr").text == "printer"  # not "print", one edit away too


def test_a_correctly_spelt_word_is_never_corrected():
    for text in (
        "the laser printer jams in tram 2",  # "laser" is not "last", "tram" not "tray"
        "I digitise the colour prints",  # British spelling
        "I dont know, it doesnt start",  # contractions typed without their apostrophe
        "Marieke from Finance uses SharePoint",  # names and products: a capital
        "the cert and auth fail on the wlan",  # short jargon the list lacks
    ):
        assert corrected(text) == spelling.Corrected(text, ())


def test_a_short_word_is_corrected_only_into_a_desk_word():
    assert corrected("my mous is dead").fixes == ()

    spelling.learn(["Mouse pointer jumps"])

    assert corrected("my mous is dead").text == "my mouse is dead"


def test_a_compound_written_as_one_word_is_split():
    assert corrected("the webshop is down").text == "the web shop is down"
    assert corrected("the touchpad is bulging").text == "the touch pad is bulging"  # not "touched"


def test_punctuation_and_everything_else_stay_as_typed():
    assert (
        corrected("Outlook: 'conect' failed (error 0x800CCC0E)!").text
        == "Outlook: 'connect' failed (error 0x800CCC0E)!"
    )


@pytest.mark.django_db
def test_a_call_made_only_of_typos_finds_its_known_error():
    outlook = KnownErrorFactory(
        published=True,
        title="Outlook stuck on 'Trying to connect'",
        symptoms="Outlook shows 'Trying to connect' and mail does not arrive.",
    )
    KnownErrorFactory(published=True, title="Printer jams on double-sided prints", symptoms="Paper jams in tray 2.")
    call_command("embed_known_errors", stdout=StringIO())

    matches = known_error_matches(text="outlok wont conect")

    assert [match.known_error for match in matches] == [outlook]
    assert MatchKind.MEANING in [reason.kind for reason in matches[0].reasons]
