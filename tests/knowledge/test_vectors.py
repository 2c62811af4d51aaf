"""Known errors' stored vectors: written after their words change, by the backfill command, and never stale."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection

from incidents.models import IncidentMeaning
from knowledge.embeddings import DIMENSIONS, embed
from knowledge.forms import KnownErrorForm
from knowledge.models import KnownError
from knowledge.tasks import known_errors_embed_stale
from knowledge.vectors import known_error_text, known_error_views, stale_known_errors
from tests.incidents.workflow import record
from tests.knowledge.factories import KnownErrorFactory

pytestmark = pytest.mark.django_db


def views_of(known_error: KnownError) -> np.ndarray:
    """The stored vectors: the title and symptoms together, then each sentence of the symptoms."""
    known_error.refresh_from_db()
    return np.array(known_error.embedding, dtype=np.float32)


def vector_of(known_error: KnownError) -> np.ndarray:
    """The vector of the title and symptoms together."""
    return views_of(known_error)[0]


def saved_on_the_page(known_error: KnownError, **changes: str) -> None:
    """The known error's edit form sent with ``changes`` and saved, as the page saves it."""
    data = {
        "title": known_error.title,
        "symptoms": known_error.symptoms,
        "workaround": known_error.workaround,
        "fix_status": known_error.fix_status,
        "loaded_at": known_error.updated_at.isoformat(),
        **changes,
    }
    form = KnownErrorForm(data, instance=known_error)
    assert form.is_valid(), form.errors
    form.save()


def test_the_backfill_embeds_what_has_no_vector_once_and_batch_by_batch():
    known_errors = KnownErrorFactory.create_batch(3)
    out = StringIO()
    call_command("embed_known_errors", "--batch", "2", stdout=out)
    assert "embedded: 3" in out.getvalue()
    first = known_errors[0]
    expected = embed([known_error_text(title=first.title, symptoms=first.symptoms)])[0]
    assert np.allclose(vector_of(first), expected, atol=1e-5)
    assert not stale_known_errors().exists()
    call_command("embed_known_errors", stdout=out)
    assert "embedded: 0" in out.getvalue()


def test_a_vector_of_the_earlier_model_is_stale_and_the_backfill_renews_it():
    """An upgrade to another model leaves vectors of another length: never ranked, and computed again."""
    known_error = KnownErrorFactory()
    call_command("embed_known_errors", stdout=StringIO())
    KnownError.objects.filter(pk=known_error.pk).update(embedding=[[0.05] * 384])  # all-MiniLM-L6-v2's length
    assert list(stale_known_errors()) == [known_error]
    call_command("embed_known_errors", stdout=StringIO())
    assert len(vector_of(known_error)) == DIMENSIONS
    assert not stale_known_errors().exists()


def test_the_earlier_single_vector_is_stale_and_the_backfill_adds_the_sentences():
    """The release before decision 0066 stored one vector a known error: its sentences are computed on upgrade."""
    known_error = KnownErrorFactory(
        title="Printer jams",
        symptoms="Paper jams in tray 2 on double-sided prints. One-sided printing works! Ok.\nThe display says E31",
    )
    whole = known_error_text(title=known_error.title, symptoms=known_error.symptoms)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE knowledge_knownerror SET embedding = %s::real[], embedded_digest = words_digest WHERE id = %s",
            [embed([whole])[0].tolist(), known_error.pk],
        )
    assert list(stale_known_errors()) == [known_error]
    call_command("embed_known_errors", stdout=StringIO())
    assert not stale_known_errors().exists()
    sentences = ["Paper jams in tray 2 on double-sided prints.", "One-sided printing works!", "The display says E31"]
    assert known_error_views(title=known_error.title, symptoms=known_error.symptoms) == [whole, *sentences]
    assert np.allclose(views_of(known_error), embed([whole, *sentences]), atol=1e-5)


def test_new_words_make_the_vector_stale_and_the_backfill_renews_it():
    known_error = KnownErrorFactory()
    call_command("embed_known_errors", stdout=StringIO())
    KnownError.objects.filter(pk=known_error.pk).update(symptoms="The web shop refuses every card payment.")
    assert list(stale_known_errors()) == [known_error]
    call_command("embed_known_errors", stdout=StringIO())
    assert vector_of(known_error) @ embed(["card payments fail in the web shop"])[0] > 0.5


def test_saving_new_words_on_the_page_renews_the_vector_after_the_commit(django_capture_on_commit_callbacks):
    known_error = KnownErrorFactory(title="Printer jams", symptoms="Paper jams in tray 2.")
    call_command("embed_known_errors", stdout=StringIO())
    before = vector_of(known_error)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        saved_on_the_page(
            known_error, title="Web shop payment fails", symptoms="Card payments are refused at checkout."
        )
    assert len(callbacks) == 1
    after = vector_of(known_error)
    assert not stale_known_errors().exists()
    assert after @ before < 0.5


def test_saving_other_fields_queues_nothing(django_capture_on_commit_callbacks):
    known_error = KnownErrorFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        saved_on_the_page(known_error, workaround="1. Restart.")
    assert callbacks == []


def test_the_sweep_embeds_the_stale_ones_a_lost_task_left_and_then_nothing(settings):
    """A save whose task never ran (the broker was out of reach) leaves the vector stale; beat's sweep renews it."""
    _fresh, lost = KnownErrorFactory.create_batch(2)
    call_command("embed_known_errors", stdout=StringIO())
    KnownError.objects.filter(pk=lost.pk).update(title="Card payments refused in the web shop")

    assert known_errors_embed_stale() == 1
    assert not stale_known_errors().exists()
    assert known_errors_embed_stale() == 0
    assert "knowledge.tasks.known_errors_embed_stale" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_to_the_7_bit_model_clears_the_earlier_builds_vectors_and_the_backfills_renew_them(operator):
    """Build 1's vectors were noise on a processor without VNNI (decision 0067): the upgrade drops them, both the
    known errors' and the open incidents', and the backfills compute them with build 2."""
    known_error = KnownErrorFactory()
    incident = record(operator, short_description="Web shop payment fails", symptoms="Cards refused.")
    call_command("embed_known_errors", stdout=StringIO())
    call_command("embed_incidents", stdout=StringIO())
    try:
        call_command("migrate", "knowledge", "0003", verbosity=0)
        call_command("migrate", "incidents", "0033", verbosity=0)
        assert KnownError.objects.get(pk=known_error.pk).embedding is not None  # going back keeps them
    finally:
        call_command("migrate", verbosity=0)

    assert KnownError.objects.get(pk=known_error.pk).embedding is None
    assert not IncidentMeaning.objects.filter(incident=incident).exists()
    assert list(stale_known_errors()) == [known_error]
    call_command("embed_known_errors", stdout=StringIO())
    call_command("embed_incidents", stdout=StringIO())
    assert not stale_known_errors().exists()
    assert len(IncidentMeaning.objects.get(incident=incident).embedding) == DIMENSIONS
