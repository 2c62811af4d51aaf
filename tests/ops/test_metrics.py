"""``/metrics``: who may scrape, what a page's request and a Celery task leave there, the desk's figures, and
the sums over several processes (``PROMETHEUS_MULTIPROC_DIR``)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from incidents import metrics as incident_metrics
from incidents.choices import Impact, Urgency
from incidents.servicelevels.tasks import incidents_sla_sweep
from servicedesk import gunicorn_config
from servicedesk.celery import app
from servicedesk.management.commands import serve
from servicedesk.metrics.worker import serve_worker_metrics
from tests.celery_worker import own_queue_name, real_worker
from tests.incidents.inbound.messages import message, receive
from tests.incidents.workflow import record

TOKEN = "scrape-7f3c9a1e"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics", **AUTH)
    assert response.status_code == 200
    return samples(response.content.decode())


# --- who may scrape -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_are_off_when_no_token_is_configured(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer"],
)
def test_a_scrape_without_the_right_token_is_refused(client, token, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get("/metrics", **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"servicedesk_" not in response.content


@pytest.mark.django_db
def test_a_signed_in_administrator_without_the_token_is_refused_too(client, administrator, token):
    client.force_login(administrator)

    assert client.get("/metrics").status_code == 401


@pytest.mark.django_db
def test_a_scrape_with_the_token_needs_no_session_is_never_cached_and_takes_four_statements(
    client, token, django_assert_num_queries
):
    with django_assert_num_queries(4):  # outbox, due incidents, open incidents, inbound mail; none for the request
        response = client.get("/metrics", **AUTH)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response
    assert value(samples(response.content.decode()), "servicedesk_figures_up") == 1


@pytest.mark.django_db
def test_only_get_is_answered(client, token):
    assert client.post("/metrics", **AUTH).status_code == 405


# --- requests ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_leaves_its_latency_and_its_statements_under_the_views_name(client, operator, token):
    incident = record(operator)
    client.force_login(operator)
    labels = {"view": "incidents:incident_detail", "method": "GET"}
    before = scrape(client)

    connection.force_debug_cursor = True
    try:
        start = len(connection.queries)
        response = client.get(reverse("incidents:incident_detail", args=[incident.number]))
        page_queries = len(connection.queries) - start
    finally:
        connection.force_debug_cursor = False
    after = scrape(client)

    assert response.status_code == 200
    latency = "servicedesk_http_request_duration_seconds"
    assert value(after, f"{latency}_count", **labels, status="2xx") - value(before, f"{latency}_count", **labels,
                                                                             status="2xx") == 1  # fmt: skip
    took = value(after, f"{latency}_sum", **labels, status="2xx") - value(before, f"{latency}_sum", **labels,
                                                                          status="2xx")  # fmt: skip
    assert 0 < took < 30
    queries = "servicedesk_http_request_queries"
    assert value(after, f"{queries}_count", **labels) - value(before, f"{queries}_count", **labels) == 1
    assert value(after, f"{queries}_sum", **labels) - value(before, f"{queries}_sum", **labels) == page_queries > 5


@pytest.mark.django_db
def test_no_path_reaches_the_labels(client, operator, token):
    client.force_login(operator)
    client.get("/incidents/INC9999999/")  # no such incident: a 404 under the view's name
    client.get("/no/such/page/INC1234567/")  # no view at all

    response = client.get("/metrics", **AUTH)
    scraped = samples(response.content.decode())

    assert b"INC" not in response.content
    latency = "servicedesk_http_request_duration_seconds_count"
    assert value(scraped, latency, view="incidents:incident_detail", method="GET", status="4xx") >= 1
    assert value(scraped, latency, view="unresolved", method="GET", status="4xx") >= 1


@pytest.mark.django_db
def test_the_middleware_adds_no_statement(client, token, django_assert_num_queries):
    with django_assert_num_queries(1):  # the health check's own SELECT 1
        assert client.get("/health/").status_code == 200


# --- the desk's figures --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pending_mail_an_open_p1_a_due_check_and_a_waiting_mail_show_in_the_figures(client, operator, token):
    before = scrape(client)

    # The caller's "recorded" mail is written with the call and waits for its commit: pending here.
    record(operator, impact=Impact.HIGH, urgency=Urgency.HIGH)
    receive(message(sender="Someone New <new.person@example.org>"))  # nobody's reply: the desk's intake inbox
    now = scrape(client)

    assert value(now, "servicedesk_open_incidents", priority="P1") - value(
        before, "servicedesk_open_incidents", priority="P1"
    ) == 1  # fmt: skip
    assert value(now, "servicedesk_open_incidents", priority="P4") == value(
        before, "servicedesk_open_incidents", priority="P4"
    )  # fmt: skip
    assert value(now, "servicedesk_outbox_messages", state="pending") == 1
    assert value(now, "servicedesk_outbox_messages", state="failed") == 0
    assert 0 <= value(now, "servicedesk_outbox_oldest_pending_seconds") < 60
    assert value(now, "servicedesk_inbound_mail_waiting", state="intake") == 1
    assert value(now, "servicedesk_inbound_mail_waiting", state="refused") == 0
    assert value(now, "servicedesk_sla_due_incidents") == 0

    # A day on, the P1's response target has long passed: the sweep has its check to do.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        later = scrape(client)
    assert value(later, "servicedesk_sla_due_incidents") == 1
    assert value(later, "servicedesk_outbox_oldest_pending_seconds") >= 24 * 3600


@pytest.mark.django_db
def test_a_database_that_cannot_be_read_leaves_the_rest_of_the_scrape(client, token, monkeypatch):
    def unreachable() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(incident_metrics, "outbox_figures", unreachable)
    client.get("/health/")
    response = client.get("/metrics", **AUTH)

    assert response.status_code == 200
    scraped = samples(response.content.decode())
    assert value(scraped, "servicedesk_figures_up") == 0
    assert not any(name == "servicedesk_open_incidents" for name, _labels in scraped)
    health = {"view": "health", "method": "GET", "status": "2xx"}
    assert value(scraped, "servicedesk_http_request_duration_seconds_count", **health) >= 1


@pytest.mark.django_db
def test_the_sla_sweep_reports_its_duration(client, token):
    count = "servicedesk_sla_sweep_duration_seconds_count"
    before = scrape(client)

    incidents_sla_sweep.apply()

    after = scrape(client)
    assert value(after, count) - value(before, count) == 1
    assert value(after, "servicedesk_sla_sweep_duration_seconds_sum") > value(
        before, "servicedesk_sla_sweep_duration_seconds_sum"
    )  # fmt: skip


# --- Celery --------------------------------------------------------------------------------------------


@app.task(name="tests.ops.succeeds")
def succeeds() -> int:
    return 1


@app.task(name="tests.ops.fails")
def fails() -> None:
    raise ValueError("broken on purpose")


@app.task(bind=True, name="tests.ops.succeeds_on_the_second_try", max_retries=1)
def succeeds_on_the_second_try(self) -> int:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return 2


def task_count(task: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("servicedesk_celery_tasks_total", {"task": task, "outcome": outcome}) or 0.0


@pytest.mark.slow
@pytest.mark.django_db
def test_a_real_workers_task_outcomes_are_counted(client, token):
    expected = {
        ("tests.ops.succeeds", "succeeded"): 2,
        ("tests.ops.fails", "failed"): 1,
        ("tests.ops.succeeds_on_the_second_try", "retried"): 1,
        ("tests.ops.succeeds_on_the_second_try", "succeeded"): 1,
    }
    before = {key: task_count(*key) for key in expected}
    queue = own_queue_name()

    with real_worker(queue):
        for task in (succeeds, succeeds, fails, succeeds_on_the_second_try):
            task.apply_async(queue=queue)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
            task_count(*key) - before[key] < count for key, count in expected.items()
        ):
            time.sleep(0.1)

    scraped = scrape(client)
    for (task, outcome), count in expected.items():
        assert value(scraped, "servicedesk_celery_tasks_total", task=task, outcome=outcome) - before[task, outcome] \
            == count, (task, outcome)  # fmt: skip
    assert value(scraped, "servicedesk_celery_tasks_total", task="tests.ops.fails", outcome="succeeded") == 0


# --- several processes ---------------------------------------------------------------------------------

# One process of a host: a few requests and one task, its metrics written into the shared folder.
PROCESS = textwrap.dedent("""
    import django
    django.setup()
    from django.test import Client
    from servicedesk.celery import app

    @app.task(name="tests.ops.in_a_process")
    def in_a_process():
        return 1

    for _ in range(3):
        assert Client().get("/health/").status_code == 200
    in_a_process.apply()
""")
# The scrape, from yet another process.
SCRAPE = textwrap.dedent("""
    import sys
    import django
    django.setup()
    from django.test import Client
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer " + sys.argv[1])
    assert response.status_code == 200, response.status_code
    sys.stdout.write(response.content.decode())
""")


@pytest.mark.slow
@pytest.mark.django_db
def test_with_a_multiprocess_folder_a_scrape_sums_every_process_of_the_host(tmp_path):
    # The test database, which has the tables the figures read.
    folder = serve.metrics_folder(tmp_path)
    database = urlsplit(django_settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}").geturl()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "DATABASE_URL": database,
        "ALLOWED_HOSTS": "testserver",
        "METRICS_TOKEN": TOKEN,
        "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SERVICEDESK_TEST_DB", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-W", "ignore::UserWarning", "-c", PROCESS], env=env, cwd=django_settings.BASE_DIR
        )
        for _ in range(2)
    ]
    assert [process.wait(timeout=120) for process in processes] == [0, 0]

    scrape_command = [sys.executable, "-W", "ignore::UserWarning", "-c", SCRAPE, TOKEN]
    run = subprocess.run(
        scrape_command, env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True, check=True, timeout=120
    )
    scraped = samples(run.stdout)

    health = {"view": "health", "method": "GET"}
    assert value(scraped, "servicedesk_http_request_duration_seconds_count", **health, status="2xx") == 6
    # One SELECT 1 each, and what a process's first connection asks of the server.
    assert value(scraped, "servicedesk_http_request_queries_count", **health) == 6
    assert 6 <= value(scraped, "servicedesk_http_request_queries_sum", **health) <= 12
    assert value(scraped, "servicedesk_celery_tasks_total", task="tests.ops.in_a_process", outcome="succeeded") == 2
    assert value(scraped, "servicedesk_figures_up") == 1
    assert len(list(folder.glob("*.db"))) >= 2  # a file per process and kind

    # serve starts the next run with an empty folder.
    serve.metrics_folder(tmp_path)
    assert list(folder.glob("*.db")) == []


# --- serve and a worker's own port ---------------------------------------------------------------------


def test_serve_gives_its_children_one_metrics_folder_emptied_at_start(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"old run")
    (folder / "notes.txt").write_text("not a metrics file")

    prepared = serve.metrics_folder(tmp_path)
    env = serve.child_environment(site_url="http://127.0.0.1:8000", metrics_dir=prepared)
    web = serve.child_commands("127.0.0.1", 8000, 2, var_dir=tmp_path)["web server"]

    assert prepared == folder
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
    assert sorted(path.name for path in folder.iterdir()) == ["notes.txt"]
    # gunicorn's child_exit hook marks a worker that exits (servicedesk.gunicorn_config).
    assert web[web.index("--config") + 1] == "python:servicedesk.gunicorn_config"


def test_gunicorns_child_exit_forgets_the_live_gauges_of_the_worker_that_exited(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name in ("gauge_livesum_4242.db", "counter_4242.db", "gauge_livesum_4343.db"):
        (tmp_path / name).write_bytes(b"")

    gunicorn_config.child_exit(server=None, worker=SimpleNamespace(pid=4242))

    assert sorted(path.name for path in tmp_path.iterdir()) == ["counter_4242.db", "gauge_livesum_4343.db"]


def test_a_worker_answers_scrapes_on_its_own_port_with_the_token(settings):
    settings.METRICS_TOKEN = TOKEN
    server = serve_worker_metrics(0, "127.0.0.1")
    url = f"http://127.0.0.1:{server.server_port}/metrics"
    try:

        def status(request: urllib.request.Request) -> int:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        assert status(urllib.request.Request(url)) == 401
        assert status(urllib.request.Request(url, headers={"Authorization": "Bearer nope"})) == 401
        assert status(urllib.request.Request(url + "/other", headers={"Authorization": f"Bearer {TOKEN}"})) == 404
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()

    assert "servicedesk_sla_sweep_duration_seconds_count" in body  # observed where the sweep runs: a worker
    assert "servicedesk_open_incidents" not in body  # the database's figures come from the web's scrape
