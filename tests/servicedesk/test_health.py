"""/health/live and /health/ready as a load balancer sees them: real database, broker, worker and disk."""

from __future__ import annotations

import datetime
import logging
import shutil
import time

import pytest
import time_machine
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from incidents.mail.outbox import outbox_write
from servicedesk import health
from tests.celery_worker import own_queue_name, real_worker

LIVE, READY = "/health/live", "/health/ready"
EVERY_CHECK = ["database", "broker", "migrations", "worker", "media", "outbox"]


@pytest.fixture(autouse=True)
def _media_and_a_fresh_process(settings, tmp_path):
    """Attachments in a folder of the test's, and the migrations' positive answer not remembered across tests."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HEALTH_TIMEOUT_SECONDS = 0.3  # the wait for an absent worker
    health.migrations.applied = False
    yield
    health.migrations.applied = False


def ready(client) -> tuple[int, dict]:
    response = client.get(READY)
    return response.status_code, response.json()


def failing(body: dict) -> dict[str, str]:
    return {name: check["message"] for name, check in body["checks"].items() if check["status"] != "ok"}


@pytest.mark.django_db
def test_live_answers_without_a_database_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(LIVE)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_live_answers_while_the_database_is_out_of_reach(client):
    # No django_db mark: any query would raise here.
    assert client.get(LIVE).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LIVE, READY])
def test_probes_take_get_and_head_only_and_are_never_cached(client, path):
    assert client.head(path).status_code in {200, 503}
    assert client.post(path).status_code == 405
    assert "no-store" in client.get(path)["Cache-Control"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the worker's start closes the database connections it finds
def test_ready_passes_with_database_broker_worker_migrations_outbox_and_disk(client, settings):
    settings.HEALTH_TIMEOUT_SECONDS = 5  # the filesystem broker of a checkout without Redis polls every second
    with real_worker(own_queue_name()):
        status, body = ready(client)

    assert (status, body["status"], failing(body)) == (200, "ok", {})
    assert list(body["checks"]) == EVERY_CHECK
    for check in body["checks"].values():
        assert check["message"]
        assert isinstance(check["duration_ms"], float)


@pytest.mark.django_db
def test_without_a_worker_the_node_is_degraded_but_still_ready(client):
    started = time.monotonic()
    status, body = ready(client)

    assert (status, body["status"]) == (200, "degraded")
    assert failing(body) == {"worker": "no worker answered within 0.3 s"}
    assert body["checks"]["worker"]["required"] is False
    assert time.monotonic() - started < 3  # a probe is not kept waiting on the absent worker


@pytest.mark.django_db
def test_without_a_worker_a_node_that_requires_one_is_not_ready(client, settings):
    settings.HEALTH_OPTIONAL_CHECKS = ["outbox"]

    status, body = ready(client)

    assert (status, body["status"]) == (503, "failing")
    assert list(failing(body)) == ["worker"]


@pytest.mark.django_db
def test_an_unapplied_migration_makes_the_node_not_ready(client):
    latest = MigrationRecorder.Migration.objects.filter(app="servicedesk").latest("id")
    latest.delete()  # as a node sees a schema its code is ahead of; rolled back with the test

    status, body = ready(client)

    assert (status, body["status"]) == (503, "failing")
    assert failing(body)["migrations"] == "1 migration not applied"


@pytest.mark.django_db
def test_the_positive_migrations_answer_is_kept_for_the_process(client, django_assert_max_num_queries):
    ready(client)

    # Read again, the plan would need the recorder's table; remembered, only the other checks query.
    with django_assert_max_num_queries(2):
        _, body = ready(client)
    assert body["checks"]["migrations"]["message"] == "all applied"


def write_mails(count: int, *, minutes_ago: int) -> None:
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=minutes_ago)), transaction.atomic():
        for n in range(count):
            outbox_write(
                incident=None, kind="test", recipient=f"caller{n}@example.org", subject="Hello", body_text="Hello."
            )


@pytest.mark.django_db
def test_an_outbox_backlog_over_the_threshold_is_reported(client, settings):
    settings.HEALTH_OUTBOX_MINUTES, settings.HEALTH_OUTBOX_MAX_LATE = 15, 2
    write_mails(3, minutes_ago=20)
    write_mails(5, minutes_ago=5)  # on time: not counted

    status, body = ready(client)

    assert (status, body["status"]) == (200, "degraded")  # the outbox is optional by default
    assert failing(body)["outbox"] == "more than 2 mails pending for over 15 minutes"

    settings.HEALTH_OPTIONAL_CHECKS = ["worker"]
    status, body = ready(client)
    assert (status, body["status"]) == (503, "failing")


@pytest.mark.django_db
def test_an_outbox_backlog_at_the_threshold_passes(client, settings):
    settings.HEALTH_OUTBOX_MINUTES, settings.HEALTH_OUTBOX_MAX_LATE = 15, 2
    write_mails(2, minutes_ago=20)

    _, body = ready(client)

    assert body["checks"]["outbox"] == {
        **body["checks"]["outbox"],
        "status": "ok",
        "message": "2 mails pending for over 15 minutes",
    }


@pytest.mark.django_db
def test_too_little_disk_for_attachments_makes_the_node_not_ready(client, settings, tmp_path):
    free_mb = shutil.disk_usage(tmp_path).free // 2**20
    settings.HEALTH_MEDIA_MIN_FREE_MB = free_mb + 1024 * 1024

    status, body = ready(client)

    assert (status, body["status"]) == (503, "failing")
    assert failing(body)["media"].endswith(f"MB free, under the {free_mb + 1024 * 1024} MB required")


@pytest.mark.django_db
def test_a_broker_out_of_reach_is_named_without_its_address_or_password(client, settings, caplog):
    settings.CELERY_BROKER_URL = "redis://:broker-s3cret@127.0.0.1:1/3"

    with caplog.at_level(logging.WARNING, logger="servicedesk.health"):
        status, body = ready(client)

    assert (status, body["status"]) == (503, "failing")
    assert failing(body) == {"broker": "unreachable", "worker": "not checked: broker is failing"}
    assert "Health check broker is failing: ConnectionError" in caplog.text
    assert "s3cret" not in caplog.text
    assert "s3cret" not in str(body) and "127.0.0.1" not in str(body)


@pytest.mark.django_db(transaction=True)
def test_a_database_out_of_reach_is_unreachable_without_its_address_or_password(client, caplog):
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(PORT=1, PASSWORD="database-s3cret")
    try:
        with caplog.at_level(logging.WARNING, logger="servicedesk.health"):
            status, body = ready(client)
    finally:
        connection.close()
        connection.settings_dict.update(real)

    assert (status, body["status"]) == (503, "failing")
    assert {name: message for name, message in failing(body).items() if name != "worker"} == {
        "database": "unreachable",
        "migrations": "not checked: database is failing",
        "outbox": "not checked: database is failing",
    }  # the worker is not the point (a test running beside this one may have one)
    assert "s3cret" not in caplog.text
    assert "s3cret" not in str(body) and "127.0.0.1" not in str(body) and "postgres" not in str(body)
    assert "Health check database is failing: OperationalError" in caplog.text  # the operator learns why


def test_a_misspelt_optional_check_stops_manage_py_check(settings):
    settings.HEALTH_OPTIONAL_CHECKS = ["worker", "outbx"]

    errors = health.check_optional_names()

    assert [error.id for error in errors] == ["servicedesk.E032"]
    assert "'outbx'" in errors[0].msg
    settings.HEALTH_OPTIONAL_CHECKS = EVERY_CHECK
    assert health.check_optional_names() == []
