"""Open incidents found by the meaning of the caller's words (incidents.recording.meaning, .vectors, .tasks): the
real model and PostgreSQL, vectors written as the task and the backfill write them."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from incidents.choices import State
from incidents.models import Incident, IncidentMeaning
from incidents.recording import meaning, similar
from incidents.recording.details import incident_update
from incidents.recording.meaning import OpenVectors, nearest_open
from incidents.recording.review import incident_known_errors
from incidents.recording.similar import SimilarityKind, similar_incidents
from incidents.recording.tasks import incidents_embed_stale
from incidents.recording.vectors import incidents_embed
from knowledge import meaning as known_error_meaning
from knowledge.embeddings import DIMENSIONS
from tests.cmdb.factories import ServiceFactory
from tests.incidents.factories import IncidentFactory
from tests.incidents.workflow import record
from tests.knowledge.factories import KnownErrorFactory

pytestmark = pytest.mark.django_db

# No word stem in common with the web shop's incident below ("pay" is not "payment"), close to it in meaning.
OWN_WORDS = "clients cannot pay for orders online"


@pytest.fixture
def desk():
    """A morning's open incidents, embedded as the task does after each is recorded, and a closed one."""
    incidents = {
        "shop": IncidentFactory(
            short_description="Web shop payment fails at checkout",
            symptoms="Customers' card payments are refused.",
            state=State.CLASSIFIED,
        ),
        "duplex": IncidentFactory(
            short_description="Printer jams on double-sided prints",
            symptoms="Paper jams in tray 2 whenever a document is printed on both sides.",
        ),
        "dock": IncidentFactory(
            short_description="External monitors stay black in the docking station",
            symptoms="With the laptop lid closed the screens get no signal.",
            state=State.INVESTIGATING,
        ),
        "closed_shop": IncidentFactory(
            short_description="Web shop payment fails at checkout", symptoms="Cards refused.", state=State.CLOSED
        ),
    }
    assert incidents_embed() == 3
    return incidents


def close(incident: Incident) -> None:
    """Move the state as the lifecycle's save does (the trigger watches the column, not the service)."""
    Incident.objects.filter(pk=incident.pk).update(state=State.CLOSED)


# --- The panel --------------------------------------------------------------------------------------------


def test_an_open_incident_in_other_words_is_offered_by_its_meaning(desk):
    matches = similar_incidents(text=OWN_WORDS)

    assert [m.incident for m in matches] == [desk["shop"]]
    assert matches[0].meaning > 0.51
    assert [str(reason) for reason in matches[0].reasons] == ["similar meaning", "reported just now"]
    assert matches[0].reasons[0].kind == SimilarityKind.MEANING


def test_a_call_about_something_no_open_incident_is_about_is_offered_nothing(desk):
    assert similar_incidents(text="the coffee machine on the third floor is leaking water") == []


def test_the_callers_own_words_still_bring_the_incident_with_them_first(desk):
    matches = similar_incidents(text="printer jams on double-sided prints again")

    assert matches[0].incident == desk["duplex"]
    assert [reason.kind for reason in matches[0].reasons][:2] == [SimilarityKind.WORDS, SimilarityKind.MEANING]


def test_an_incident_of_the_service_keeps_its_meaning_when_others_are_nearer(monkeypatch):
    monkeypatch.setattr(similar, "MEANING_POOL", 1)
    shop = ServiceFactory(name="Web shop")
    nearest = IncidentFactory(
        short_description="Web shop payment fails at checkout", symptoms="Customers' card payments are refused."
    )
    of_the_service = IncidentFactory(
        short_description="Order stuck in the web shop", symptoms="The payment step shows an error.", service=shop
    )
    incidents_embed()
    assert [near.incident_id for near in nearest_open(OWN_WORDS, count=1, floor=0.3).near] == [nearest.pk]

    matches = similar_incidents(text=OWN_WORDS, service_id=shop.pk)

    assert [m.incident for m in matches] == [of_the_service, nearest]
    assert 0.5 < matches[0].meaning < matches[1].meaning


def test_an_incident_with_no_vector_yet_is_offered_by_its_words_as_before():
    incident = IncidentFactory(short_description="VPN down at the Leeds office", symptoms="No tunnel.")

    assert [m.incident for m in similar_incidents(text="vpn down")] == [incident]


def test_once_it_has_its_vector_half_the_words_alone_are_not_enough(desk):
    vpn = IncidentFactory(short_description="VPN down at the Leeds office", symptoms="No tunnel.")
    text = "leeds printer"  # "leeds" is the VPN incident's, "printer" the duplex's: half the weight each

    assert vpn in [m.incident for m in similar_incidents(text=text)]
    incidents_embed(ids=[vpn.pk])
    assert vpn not in [m.incident for m in similar_incidents(text=text)]
    assert [m.incident for m in similar_incidents(text="vpn down in leeds")] == [vpn]


def test_once_it_has_its_vector_the_words_alone_need_a_word_of_digits(desk):
    leeds = IncidentFactory(short_description="VPN error 809 at the Leeds office", symptoms="No tunnel.")
    incidents_embed(ids=[leeds.pk])

    # Every word of the call the desk knows is the incident's ("canteen" is no open incident's), far in meaning.
    assert leeds not in [m.incident for m in similar_incidents(text="the leeds canteen")]
    assert [m.incident for m in similar_incidents(text="canteen error 809")] == [leeds]


def test_the_panel_offers_it_to_the_operator_with_its_reason(client, operator, desk):
    client.force_login(operator)

    panel = client.get(reverse("incidents:similar"), {"short_description": OWN_WORDS}).text

    assert desk["shop"].number in panel
    assert "similar meaning" in panel


@pytest.mark.parametrize("count", [2, 20])
def test_the_panel_costs_the_same_queries_whatever_the_number_of_incidents(
    client, operator, count, django_assert_num_queries
):
    for n in range(count):
        IncidentFactory(
            short_description=f"Web shop payment fails at checkout ({n})",
            symptoms="Customers' card payments are refused.",
        )
    incidents_embed()
    client.force_login(operator)
    url = reverse("incidents:similar")
    client.get(url, {"short_description": "warm up"})  # this process reads every vector once

    # The session, its user with their access, the similar incidents (3: the words' statistics, the vectors
    # written since this process last looked, the matches), the known errors (1), the evidence of those shown (3).
    with django_assert_num_queries(9):
        panel = client.get(url, {"short_description": OWN_WORDS}).text

    assert panel.count("similar meaning") == min(count, 5)


# --- Each process's vectors --------------------------------------------------------------------------------


def test_a_vector_written_after_the_process_looked_is_seen_at_its_next_look(desk):
    nearest_open(OWN_WORDS, count=5, floor=0.5)
    newer = IncidentFactory(short_description="Online orders cannot be paid", symptoms="Checkout refuses cards.")
    incidents_embed(ids=[newer.pk])

    assert {near.incident_id for near in nearest_open(OWN_WORDS, count=5, floor=0.5).near} == {
        desk["shop"].pk,
        newer.pk,
    }


def test_an_incident_leaving_the_open_states_leaves_the_vectors_and_comes_back_when_reopened(desk):
    assert [near.incident_id for near in nearest_open(OWN_WORDS, count=1, floor=0.5).near] == [desk["shop"].pk]

    close(desk["shop"])
    assert nearest_open(OWN_WORDS, count=1, floor=0.5).near == []

    Incident.objects.filter(pk=desk["shop"].pk).update(state=State.INVESTIGATING)
    assert [near.incident_id for near in nearest_open(OWN_WORDS, count=1, floor=0.5).near] == [desk["shop"].pk]


def test_a_process_that_has_not_looked_for_a_day_reads_every_vector_again(desk):
    nearest_open(OWN_WORDS, count=1, floor=0.5)
    IncidentMeaning.objects.filter(incident=desk["shop"]).delete()  # pruned before this process saw it close
    assert [near.incident_id for near in nearest_open(OWN_WORDS, count=1, floor=0.5).near] == [desk["shop"].pk]

    meaning._vectors.read_at -= meaning.RELOAD_AFTER + 1

    assert nearest_open(OWN_WORDS, count=1, floor=0.5).near == []


def test_the_matrix_reuses_a_freed_slot_and_grows_when_full():
    vectors = OpenVectors(capacity=2)
    unit = np.eye(DIMENSIONS, dtype=np.float32)
    vectors.put(1, unit[0])
    vectors.put(2, unit[1])
    vectors.drop(1)
    vectors.put(3, unit[2])
    vectors.put(4, unit[3])
    vectors.put(2, unit[3])  # its words changed: the same slot, the new vector

    assert len(vectors) == 3
    assert vectors.used == 3
    assert [near.incident_id for near in vectors.nearest(unit[3], count=5, floor=0.5)] == [2, 4]
    assert vectors.nearest(unit[0], count=5, floor=0.5) == []


# --- Writing the vectors -----------------------------------------------------------------------------------


def test_recording_a_call_gives_the_incident_its_vector_after_the_commit(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, short_description="Web shop payment fails", symptoms="Cards refused.")

    stored = IncidentMeaning.objects.get(incident=incident)
    assert stored.digest == hashlib.md5(b"Web shop payment fails. Cards refused.").hexdigest()  # noqa: S324
    assert len(stored.embedding) == DIMENSIONS


def test_a_vector_of_the_earlier_model_is_computed_again_by_the_backfill(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, short_description="Web shop payment fails", symptoms="Cards refused.")
    IncidentMeaning.objects.filter(incident=incident).update(embedding=[0.05] * 384)  # all-MiniLM-L6-v2's length

    assert incidents_embed() == 1
    assert len(IncidentMeaning.objects.get(incident=incident).embedding) == DIMENSIONS
    assert incidents_embed() == 0


def test_correcting_the_description_computes_the_vector_again(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, short_description="Web shop payment fails", symptoms="")
    before = IncidentMeaning.objects.get(incident=incident).embedding

    with django_capture_on_commit_callbacks(execute=True):
        incident_update(
            by=operator, incident_id=incident.pk, expected_version=incident.version,
            short_description="Docking station: screens stay black", symptoms="", channel=incident.channel,
            service=None, location=incident.location, affected_users=1, cis=[],
        )  # fmt: skip

    after = IncidentMeaning.objects.get(incident=incident)
    assert after.embedding != before
    assert [m.incident for m in similar_incidents(text="my monitors are dark when the laptop is docked")] == [incident]


def test_the_backfill_embeds_open_incidents_only_once_and_says_how_many(desk):
    IncidentFactory(short_description="Mail is slow", state=State.RECORDED)
    out = StringIO()

    call_command("embed_incidents", stdout=out)
    call_command("embed_incidents", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Open incidents embedded: 1 in ")
    assert lines[1].startswith("Open incidents embedded: 0 in ")
    assert not IncidentMeaning.objects.filter(incident=desk["closed_shop"]).exists()


def test_a_vector_is_not_written_for_words_the_incident_no_longer_has(desk):
    Incident.objects.filter(pk=desk["dock"].pk).update(short_description="Keyboard missing keys")
    stale = IncidentMeaning.objects.get(incident=desk["dock"])

    assert incidents_embed() == 1
    assert IncidentMeaning.objects.get(incident=desk["dock"]).digest != stale.digest


def test_the_sweep_embeds_what_was_missed_and_prunes_vectors_closed_a_week_ago(desk):
    missed = IncidentFactory(short_description="Mail is slow")
    close(desk["duplex"])
    close(desk["dock"])
    IncidentMeaning.objects.filter(incident=desk["duplex"]).update(
        changed_at=timezone.now() - datetime.timedelta(days=8)
    )

    assert incidents_embed_stale() == 1

    kept = set(IncidentMeaning.objects.values_list("incident_id", flat=True))
    assert missed.pk in kept
    assert desk["duplex"].pk not in kept
    assert desk["dock"].pk in kept  # closed today: kept, a reopening needs no new vector


@pytest.fixture
def stored_payment(monkeypatch):
    """A known error about web shop payments and an incident about them in other words, both with their stored
    vectors, and no embedding allowed from here on (any would be on the request path)."""
    payment = KnownErrorFactory(
        published=True, title="Web shop payment fails at checkout", symptoms="Customers' card payments are refused."
    )
    call_command("embed_known_errors", stdout=StringIO())
    incident = IncidentFactory(short_description="Web shop: clients cannot pay for orders online", symptoms="")
    incidents_embed()

    def no_embedding(text):
        raise AssertionError("embedded on the request path")

    monkeypatch.setattr(known_error_meaning, "embed_text", no_embedding)
    return payment, incident


def test_an_incidents_known_errors_are_ranked_with_its_stored_vector_not_its_words_embedded_again(stored_payment):
    payment, incident = stored_payment

    assert [match.known_error for match in incident_known_errors(incident)] == [payment]


def test_the_incident_page_ranks_its_known_errors_with_the_vector_read_with_the_incident(
    client, operator, stored_payment
):
    payment, incident = stored_payment
    client.force_login(operator)

    page = client.get(incident.get_absolute_url()).text
    assert payment.number in page
