"""JSON log lines (LOG_FORMAT=json) with the request's id, user and incident; the id in the response's header and in
gunicorn's access line; refusals one line and signed values masked in JSON as in plain lines."""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import include, path, reverse
from gunicorn.config import Config
from rest_framework.test import APIClient

from servicedesk.api.tokens import token_create
from servicedesk.env import log_format
from servicedesk.gunicorn_logs import Logger
from servicedesk.logs import MASK, JsonFormatter
from tests.incidents.workflow import record

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.servicedesk.test_request_logs")]

TOKEN = signing.dumps([12, "2026-12-06T09:30:00+00:00"], salt="incidents.status")


def broken(request):
    # The token after a line break: in the JSON text it follows "\n", and must still be masked.
    raise RuntimeError(f"the disk is on fire\n{TOKEN}")


urlpatterns = [path("broken/", broken), path("", include("servicedesk.urls"))]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the portal's console handler writes with LOG_FORMAT=json: the same handler, filters and formatter."""
    handler = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    stream = io.StringIO()
    previous_stream, previous_formatter = handler.setStream(stream), handler.formatter
    handler.setFormatter(JsonFormatter())
    yield stream
    handler.setFormatter(previous_formatter)
    handler.setStream(previous_stream)


def lines(log: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in log.getvalue().splitlines()]


def refusals(log: io.StringIO) -> list[dict]:
    """The lines of django.request (the security log's line for force_login's sign-in is not the test's)."""
    return [line for line in lines(log) if line["logger"] == "django.request"]


def test_a_refusal_is_one_json_line_with_the_request_id_the_user_and_the_incident(
    client, operator, support_member, json_log
):
    incident = record(operator)
    client.force_login(support_member)

    response = client.get(f"/incidents/{incident.number}/edit/", headers={"X-Request-ID": "proxy-4f2c9a"})

    assert response.status_code == 403
    assert response["X-Request-ID"] == "proxy-4f2c9a"
    assert len(json_log.getvalue().splitlines()) == len(lines(json_log))  # no traceback lines in between
    [line] = refusals(json_log)
    assert line["level"] == "warning"
    assert line["message"].startswith(f"Forbidden (Permission denied): /incidents/{incident.number}/edit/")
    assert (line["request_id"], line["user_id"], line["incident"], line["status_code"]) == (
        "proxy-4f2c9a", support_member.pk, incident.number, 403,
    )  # fmt: skip
    assert "exception" not in line
    assert datetime.datetime.fromisoformat(line["timestamp"]).utcoffset() == datetime.timedelta(0)
    assert support_member.email not in json_log.getvalue()


def test_a_page_not_found_is_one_line_too(client, operator, json_log):
    client.force_login(operator)

    response = client.get("/incidents/INC9999999/")

    assert response.status_code == 404
    [line] = refusals(json_log)
    assert line["message"] == "Not Found: /incidents/INC9999999/"
    assert line["incident"] == "INC9999999"
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert line["request_id"] == response["X-Request-ID"]


def test_an_id_that_is_not_a_plain_token_is_replaced_by_a_new_one(client):
    for sent in ["", "a" * 65, "id with spaces", 'x"}, "user_id": 1', "éé"]:
        response = client.get(reverse("login"), headers={"X-Request-ID": sent})

        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"]), sent


def test_the_next_request_carries_nothing_of_the_one_before(client, operator, json_log):
    client.force_login(operator)
    client.get("/incidents/INC9999998/", headers={"X-Request-ID": "first-request"})
    client.logout()

    second = client.get("/no-such-page/")

    assert second.status_code == 404
    first_line, second_line = refusals(json_log)
    assert (first_line["request_id"], first_line["incident"]) == ("first-request", "INC9999998")
    assert second_line["request_id"] == second["X-Request-ID"] != "first-request"
    assert "incident" not in second_line and "user_id" not in second_line


def test_a_server_error_keeps_its_traceback_in_one_json_line_with_signed_values_masked(support_member, json_log):
    client = Client(raise_request_exception=False)
    client.force_login(support_member)

    response = client.get("/broken/")

    assert response.status_code == 500
    [line] = refusals(json_log)
    assert (line["level"], line["message"], line["status_code"]) == ("error", "Internal Server Error: /broken/", 500)
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert f"RuntimeError: the disk is on fire\n{MASK}" in line["exception"]
    assert TOKEN not in json_log.getvalue()


def test_a_log_format_other_than_plain_or_json_stops_the_start(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")

    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT='xml' is not one of plain, json"):
        log_format()

    monkeypatch.setenv("LOG_FORMAT", " JSON ")
    assert log_format() == "json"
    monkeypatch.delenv("LOG_FORMAT")
    assert log_format() == "plain"


# --- gunicorn's access line ---------------------------------------------------------------------------


def access_line(tmp_path, monkeypatch, log_format: str, access_log_format: str | None = None) -> str:
    monkeypatch.setenv("LOG_FORMAT", log_format)
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    if access_log_format:
        config.set("access_log_format", access_log_format)
    logger = Logger(config)
    path = f"/incidents/status/{TOKEN}/"
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"{path}?page=2", "PATH_INFO": path, "QUERY_STRING": "page=2",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.7", "HTTP_USER_AGENT": 'Agent "quoted"',
    }  # fmt: skip
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("X-Request-ID", "4f2c9a")])

    logger.access(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(milliseconds=12, microseconds=345))
    for handler in logger.access_log.handlers:
        handler.flush()
        handler.close()
    return (tmp_path / "access.log").read_text()


def test_the_plain_access_line_ends_with_the_request_id(tmp_path, monkeypatch):
    line = access_line(tmp_path, monkeypatch, "plain")

    assert line.startswith("192.0.2.7 - - [") and f'"GET /incidents/status/{MASK}/?page=2 HTTP/1.1" 200 512' in line
    assert line.rstrip("\n").endswith(' "Agent \\"quoted\\"" request_id=4f2c9a')


def test_an_operators_own_access_format_is_kept(tmp_path, monkeypatch):
    assert access_line(tmp_path, monkeypatch, "plain", "%(s)s %(m)s") == "200 GET\n"


def test_the_json_access_line_has_the_request_id_and_the_request_masked(tmp_path, monkeypatch):
    [line] = [json.loads(text) for text in access_line(tmp_path, monkeypatch, "json").splitlines()]

    assert (line["logger"], line["level"], line["request_id"]) == ("gunicorn.access", "info", "4f2c9a")
    assert line["message"] == f"GET /incidents/status/{MASK}/?page=2 HTTP/1.1 200"
    assert line["http"] == {
        "method": "GET", "path": f"/incidents/status/{MASK}/", "query": "page=2", "status": 200, "bytes": 512,
        "duration_ms": 12.3, "remote_addr": "192.0.2.7", "referrer": "-", "user_agent": 'Agent "quoted"',
    }  # fmt: skip


def test_an_api_call_by_token_is_logged_with_the_tokens_user_and_the_incident(operator, json_log):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {token_create(user=operator, name='Probe', days=1, writes=False)[1]}"
    )

    response = client.get("/api/v1/incidents/INC9999997/journal/")

    assert response.status_code == 404
    [line] = refusals(json_log)
    assert (line["user_id"], line["incident"], line["status_code"]) == (operator.pk, "INC9999997", 404)
    assert line["request_id"] == response["X-Request-ID"]
