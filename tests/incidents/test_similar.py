"""The same or a similar incident already open, looked up while the operator types the caller's words."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from incidents.choices import State
from incidents.recording.similar import SimilarityKind, similar_incidents
from incidents.words import Word as _Word
from incidents.words import candidates_tsquery as _candidate_query
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, ServiceFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def ago(**kwargs: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def numbers(matches: list) -> list[str]:
    return [match.incident.number for match in matches]


def reasons(match) -> list[str]:
    return [str(reason) for reason in match.reasons]


def analyse() -> None:
    """Give the matcher the statistics autovacuum keeps (rolled back with the test, like the rows)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")


@pytest.fixture
def desk():
    """The open incidents of a morning at a small desk, in the words of their callers, and older closed ones."""
    return {
        "vpn": IncidentFactory(
            short_description="VPN drops every few minutes",
            symptoms="Working from home the VPN connection drops and reconnects.",
            reported_at=ago(days=2),
        ),
        "outlook": IncidentFactory(
            short_description="Outlook keeps asking for the password",
            symptoms="After the password change Outlook asks for the password again and again.",
            reported_at=ago(days=4),
        ),
        "printer": IncidentFactory(
            short_description="Printer on the third floor shows offline",
            symptoms="Nothing prints, the queue says the printer is offline.",
            state=State.CLASSIFIED,
            reported_at=ago(days=5),
        ),
        "dock": IncidentFactory(
            short_description="No signal on the external monitor when docked",
            symptoms="The monitor stays black with the docking station.",
            state=State.INVESTIGATING,
            reported_at=ago(days=6),
        ),
        "old_vpn": IncidentFactory(
            short_description="VPN drops every few minutes",
            symptoms="The VPN connection drops.",
            state=State.CLOSED,
            reported_at=ago(days=40),
        ),
    }


# --- Text ----------------------------------------------------------------------------------------------


def test_the_incident_with_the_callers_words_comes_first(desk):
    matches = similar_incidents(text="my vpn keeps dropping")

    assert matches[0].incident == desk["vpn"]
    assert reasons(matches[0]) == ["words: vpn, dropping", "reported 2\xa0days ago"]


def test_words_in_the_short_description_count_more_than_words_in_the_symptoms():
    in_symptoms = IncidentFactory(short_description="Laptop problem", symptoms="The screen flickers all the time.")
    in_title = IncidentFactory(short_description="Screen flickers", symptoms="Since the update.")

    assert numbers(similar_incidents(text="screen flickers")) == [in_title.number, in_symptoms.number]


def test_a_rare_word_counts_more_than_a_common_one():
    common = [IncidentFactory(short_description=f"Error on the screen {n}") for n in range(8)]
    rare = IncidentFactory(short_description="Bitlocker recovery key asked", reported_at=ago(hours=5))
    analyse()

    matches = similar_incidents(text="bitlocker error")

    assert matches[0].incident == rare
    assert {m.incident for m in matches[1:]} <= set(common)


def test_a_misspelt_word_is_corrected_against_the_words_of_the_incidents(desk):
    analyse()

    matches = similar_incidents(text="outlok asks for my password")

    assert matches[0].incident == desk["outlook"]
    assert reasons(matches[0]) == ["words: asks, password", "misspelling: outlok → outlook"]


def test_a_misspelt_word_alone_still_finds_the_incident(desk):
    analyse()

    matches = similar_incidents(text="outlok")

    assert numbers(matches) == [desk["outlook"].number]
    assert reasons(matches[0]) == ["misspelling: outlok → outlook"]


def test_a_typo_that_an_open_incident_also_contains_is_taken_as_typed(desk):
    analyse()
    typo = IncidentFactory(short_description="Outlok crashes")  # after the statistics: a rare word

    matches = similar_incidents(text="outlok")

    assert numbers(matches) == [typo.number]
    assert reasons(matches[0]) == ["words: outlok", "reported just now"]


def test_a_typo_that_only_closed_incidents_contain_is_still_corrected(desk):
    analyse()
    IncidentFactory(short_description="Outlok crashes", state=State.CLOSED)

    matches = similar_incidents(text="outlok")

    assert numbers(matches) == [desk["outlook"].number]
    assert reasons(matches[0]) == ["misspelling: outlok → outlook"]


def test_without_statistics_misspellings_are_not_corrected(desk):
    assert similar_incidents(text="outlok") == []


def test_a_word_that_is_not_a_typo_is_not_corrected_into_another_one(desk):
    analyse()

    matches = similar_incidents(text="printer offline")

    assert reasons(matches[0])[0] == "words: printer, offline"
    assert all(reason.kind != SimilarityKind.MISSPELLING for match in matches for reason in match.reasons)


def test_an_incident_with_only_a_small_part_of_the_callers_words_is_not_offered(desk):
    """Each open incident holds one of the four words the incidents know: none is offered on that alone. (Words
    that no open incident holds do not count: they cannot tell one incident from another.)"""
    text = "the vpn, the printer, outlook and the monitor"

    assert similar_incidents(text=text) == []
    # The same incident is offered when something else is in common: the caller, here.
    (match,) = similar_incidents(text=text, caller_id=desk["dock"].caller_id)
    assert match.incident == desk["dock"]
    assert match.text_share < 0.3


def test_words_that_no_open_incident_contains_match_nothing(desk):
    analyse()

    assert similar_incidents(text="zzyzx qwfp") == []
    assert similar_incidents(text="vpn zzyzx")[0].incident == desk["vpn"]


def test_text_made_of_stop_words_matches_nothing_in_one_query(desk, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert similar_incidents(text="it is the and of") == []


def test_punctuation_and_quotes_in_the_text_are_harmless(desk):
    matches = similar_incidents(text="VPN: 'drops' & | ! (again) \\ :* <->")

    assert matches[0].incident == desk["vpn"]


# --- Open incidents only ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.RESOLVED, State.CLOSED])
def test_resolved_and_closed_incidents_never_match_even_with_the_same_words_caller_service_and_ci(state):
    caller, service, ci = ContactFactory(), ServiceFactory(), ConfigurationItemFactory()
    IncidentFactory(
        short_description="Payroll export fails",
        caller=caller,
        service=service,
        cis=[ci],
        state=state,
        reported_at=ago(minutes=5),
    )

    assert (
        similar_incidents(text="payroll export fails", caller_id=caller.id, service_id=service.id, ci_ids=[ci.id]) == []
    )


@pytest.mark.parametrize("state", [State.RECORDED, State.CLASSIFIED, State.INVESTIGATING])
def test_every_open_state_matches(state):
    incident = IncidentFactory(short_description="Payroll export fails", state=state)

    assert numbers(similar_incidents(text="payroll export")) == [incident.number]


def test_the_incident_being_edited_is_left_out(desk):
    matches = similar_incidents(text="vpn drops", exclude_id=desk["vpn"].id)

    assert desk["vpn"].number not in numbers(matches)


# --- CI, service, caller, recency -------------------------------------------------------------------------


def test_the_same_ci_lifts_a_weaker_text_match_above_a_stronger_one():
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    everywhere = IncidentFactory(short_description="VPN keeps dropping at home")
    on_the_gateway = IncidentFactory(short_description="VPN dropping at home", cis=[gateway])

    matches = similar_incidents(text="vpn keeps dropping at home", ci_ids=[gateway.id])

    assert numbers(matches) == [on_the_gateway.number, everywhere.number]
    assert "same CI: vpn-gw-01" in reasons(matches[0])


def test_the_same_ci_does_not_lift_an_incident_that_has_few_of_the_words():
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    strong = IncidentFactory(short_description="Printer paper jam in the tray")
    weak = IncidentFactory(short_description="Printer toner empty", cis=[gateway])

    matches = similar_incidents(text="printer paper jam tray", ci_ids=[gateway.id])

    assert numbers(matches) == [strong.number, weak.number]


def test_incidents_of_the_ci_match_even_without_any_of_the_words():
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    incident = IncidentFactory(short_description="Cannot reach the intranet", cis=[gateway])
    IncidentFactory(short_description="Cannot reach the intranet")

    matches = similar_incidents(text="", ci_ids=[gateway.id])

    assert numbers(matches) == [incident.number]
    assert reasons(matches[0]) == ["same CI: vpn-gw-01", "reported just now"]


def test_the_same_service_decides_between_equal_text_matches():
    vpn = ServiceFactory(name="VPN")
    other = IncidentFactory(short_description="Connection drops", reported_at=ago(minutes=30))
    same = IncidentFactory(short_description="Connection drops", service=vpn, reported_at=ago(hours=1))

    matches = similar_incidents(text="connection drops", service_id=vpn.id)

    assert numbers(matches) == [same.number, other.number]
    assert reasons(matches[0]) == ["words: connection, drops", "same service: VPN", "reported 1\xa0hour ago"]


def test_a_service_alone_lists_its_open_incidents_newest_first(django_assert_num_queries):
    vpn = ServiceFactory(name="VPN")
    older = IncidentFactory(short_description="Slow", service=vpn, reported_at=ago(hours=3))
    newer = IncidentFactory(short_description="Drops", service=vpn, reported_at=ago(minutes=10))
    IncidentFactory(short_description="Drops", service=vpn, state=State.RESOLVED)
    IncidentFactory(short_description="Drops")

    with django_assert_num_queries(1):
        matches = similar_incidents(text="", service_id=vpn.id)

    assert numbers(matches) == [newer.number, older.number]


def test_the_same_caller_lifts_an_incident_about_some_of_the_same_words():
    caller = ContactFactory()
    others = IncidentFactory(short_description="Teams meeting audio echo")
    theirs = IncidentFactory(short_description="Teams meeting audio problem", caller=caller)

    matches = similar_incidents(text="teams meeting audio echo", caller_id=caller.id)

    assert numbers(matches) == [theirs.number, others.number]
    assert reasons(matches[0]) == ["words: teams, meeting, audio", "same caller", "reported just now"]


def test_the_same_caller_does_not_lift_an_incident_that_has_few_of_the_words():
    caller = ContactFactory()
    others = IncidentFactory(short_description="Teams meeting audio echo")
    theirs = IncidentFactory(short_description="Teams audio problem", caller=caller)

    matches = similar_incidents(text="teams meeting audio echo", caller_id=caller.id)

    assert numbers(matches) == [others.number, theirs.number]


def test_the_callers_open_incidents_match_without_words():
    caller = ContactFactory()
    theirs = IncidentFactory(short_description="Teams audio problem", caller=caller)
    IncidentFactory(short_description="Teams audio problem")

    assert numbers(similar_incidents(text="", caller_id=caller.id)) == [theirs.number]


def test_of_two_equal_matches_the_more_recent_comes_first():
    week_old = IncidentFactory(short_description="SAP is slow", reported_at=ago(days=7))
    recent = IncidentFactory(short_description="SAP is slow", reported_at=ago(hours=2))
    yesterday = IncidentFactory(short_description="SAP is slow", reported_at=ago(days=1))

    matches = similar_incidents(text="sap is very slow")

    assert numbers(matches) == [recent.number, yesterday.number, week_old.number]
    assert reasons(matches[0]) == ["words: sap, slow", "reported 2\xa0hours ago"]
    assert reasons(matches[2]) == ["words: sap, slow"]


def test_recency_never_outweighs_a_word():
    recent = IncidentFactory(short_description="SAP slow", reported_at=ago(minutes=1))
    old = IncidentFactory(short_description="SAP slow login", reported_at=ago(days=30))

    assert numbers(similar_incidents(text="sap slow login")) == [old.number, recent.number]


def test_the_reasons_come_in_a_fixed_order():
    caller, vpn = ContactFactory(), ServiceFactory(name="VPN")
    gateway, backup = ConfigurationItemFactory(name="vpn-gw-01"), ConfigurationItemFactory(name="vpn-gw-02")
    incident = IncidentFactory(
        short_description="VPN password rejected",
        caller=caller,
        service=vpn,
        cis=[backup, gateway],
        reported_at=ago(hours=2, minutes=10),
    )

    [match] = similar_incidents(
        text="vpn password", caller_id=caller.id, service_id=vpn.id, ci_ids=[gateway.id, backup.id]
    )

    assert match.incident == incident
    assert reasons(match) == [
        "words: vpn, password",
        "same CI: vpn-gw-01, vpn-gw-02",
        "same service: VPN",
        "same caller",
        "reported 2\xa0hours ago",
    ]
    assert [reason.kind for reason in match.reasons] == [
        SimilarityKind.WORDS,
        SimilarityKind.CI,
        SimilarityKind.SERVICE,
        SimilarityKind.CALLER,
        SimilarityKind.RECENT,
    ]
    assert 1 + 0.35 + 0.15 + 0.3 < match.score < 1 + 0.35 + 0.15 + 0.3 + 0.15


# --- What a result carries, and what it costs -------------------------------------------------------------


def test_blank_text_with_nothing_else_matches_nothing_without_a_query(desk, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert similar_incidents(text="  ") == []


def test_the_result_shows_what_the_call_logging_page_needs_without_more_queries(django_assert_num_queries):
    caller = ContactFactory(first_name="Ann", last_name="Lee")
    vpn = ServiceFactory(name="VPN")
    master = IncidentFactory(short_description="VPN down for everyone", caller=caller, service=vpn)
    IncidentFactory(short_description="VPN down", parent=master)
    IncidentFactory(short_description="VPN down", parent=master, state=State.RESOLVED)
    similar_incidents(
        text="vpn down for everyone"
    )  # the statistics, read once a process (tests/incidents/test_words.py)

    with django_assert_num_queries(3):
        matches = similar_incidents(text="vpn down for everyone")
        first, second = matches
        shown = [
            (m.incident.number, m.incident.short_description, m.incident.get_state_display(),
             m.incident.get_priority_display(), m.caller_name, m.service_name, m.incident.reported_at,
             m.parent_number, m.subordinate_count)
            for m in matches
        ]  # fmt: skip

    assert first.incident == master
    assert shown[0][4:6] == ("Ann Lee", "VPN")
    assert (first.parent_number, first.subordinate_count) == (None, 2)
    assert (second.parent_number, second.subordinate_count) == (master.number, 0)
    assert second.service_name == ""


@pytest.mark.parametrize("count", [2, 20])
def test_a_lookup_takes_three_queries_whatever_the_number_of_incidents(count, django_assert_num_queries):
    caller, vpn, gateway = ContactFactory(), ServiceFactory(), ConfigurationItemFactory()
    master = IncidentFactory(short_description="VPN down", service=vpn)
    for n in range(count):
        IncidentFactory(
            short_description=f"VPN down at site {n}",
            symptoms="The connection drops.",
            caller=caller if n % 2 else ContactFactory(),
            service=vpn,
            cis=[gateway],
            parent=master if n % 3 else None,
            reported_at=ago(hours=n),
        )
    analyse()
    similar_incidents(text="vpn")  # the statistics, read once a process after the table is analysed

    with django_assert_num_queries(3):
        matches = similar_incidents(
            text="vpn down, conection drops", caller_id=caller.id, service_id=vpn.id, ci_ids=[gateway.id], limit=20
        )
        assert {str(reason) for m in matches for reason in m.reasons}

    assert len(matches) == min(count + 1, 20)


def test_the_limit_is_respected_and_checked(desk):
    assert len(similar_incidents(text="the vpn printer", limit=2)) == 2
    assert len(similar_incidents(text="the vpn printer", limit=1)) == 1
    with pytest.raises(ValueError, match="limit"):
        similar_incidents(text="vpn", limit=0)


def test_very_long_text_is_cut_to_its_first_words(desk, django_assert_num_queries):
    similar_incidents(text="vpn")  # the statistics, read once a process

    with django_assert_num_queries(3):
        matches = similar_incidents(text="vpn " + " ".join(f"word{n}" for n in range(500)))

    assert matches[0].incident == desk["vpn"]


# --- The candidates ---------------------------------------------------------------------------------------


def test_candidates_come_from_rare_words_alone_and_common_words_in_pairs():
    words = [
        _Word(word="bitlocker", lexeme="bitlock", df=0.001),
        _Word(word="recovery", lexeme="recoveri", df=0.004),
        _Word(word="screen", lexeme="screen", df=0.3),
        _Word(word="black", lexeme="black", df=0.2),
    ]

    query, expected = _candidate_query(words, 3_000)

    assert query == "('bitlock') | ('recoveri') | ('black' & 'screen')"
    assert expected == pytest.approx(3 + 12 + 0.06 * 3_000)


def test_without_statistics_every_word_is_a_candidate_alone():
    words = [_Word(word="screen", lexeme="screen", df=None), _Word(word="black", lexeme="black", df=None)]

    assert _candidate_query(words, 0) == ("('black') | ('screen')", 0.0)
