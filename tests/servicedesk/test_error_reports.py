"""A server error reaches someone: the administrators by mail (ADMINS) and an error tracker (SENTRY_DSN), with the
request's id and without anything personal; an expected refusal reaches nobody."""

from __future__ import annotations

import gzip
import importlib
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.core import mail, signing
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import include, path, reverse

from servicedesk import error_reports
from servicedesk.env import env_addresses
from servicedesk.logs import MASK
from tests.clients import SignedInClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.servicedesk.test_error_reports")]

TOKEN = signing.dumps([12, "2026-12-06T09:30:00+00:00"], salt="incidents.status")


def broken(request, token):
    raise RuntimeError(f"the disk is on fire for {request.user.email}")


urlpatterns = [path("broken/<str:token>/", broken), path("", include("servicedesk.urls"))]


class Collector(BaseHTTPRequestHandler):
    """Sentry's ingestion endpoint, as far as a client sees it: takes envelopes, answers 200."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # the client's choice when the brotli package is installed
            body = importlib.import_module("brotli").decompress(body)
        self.server.envelopes.append((self.path, self.headers, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sentry() -> Iterator[list]:
    """A local stand-in for Sentry, and the portal's error reports switched on against it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    server.envelopes = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    error_reports.start(
        dsn=f"http://publickey@127.0.0.1:{server.server_port}/1",
        environment="test",
        release="servicedesk@0.1.0",
        traces_sample_rate=0,
    )
    yield server.envelopes
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reports are off again for the tests that follow
    server.shutdown()
    server.server_close()


def events(envelopes: list) -> list[dict]:
    """The error events in the envelopes received (each is a header line, then item header and payload lines)."""
    sentry_sdk.flush(timeout=10)
    found = []
    for _path, _headers, body in envelopes:
        lines = body.split(b"\n")
        for item, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(item).get("type") == "event":
                found.append(json.loads(payload))
    return found


@pytest.mark.django_db(transaction=True)
def test_a_server_error_reaches_the_tracker_with_the_request_id_and_nothing_personal(live_server, operator, sentry):
    """Through a real server, as gunicorn runs the portal: the tracker's WSGI middleware reads the headers."""
    signed_in = SignedInClient()
    signed_in.force_login(operator)
    session = signed_in.cookies["sessionid"].value
    request = urllib.request.Request(
        f"{live_server.url}/broken/{TOKEN}/?q=Ann+Example",
        headers={
            "X-Request-ID": "proxy-4f2c9a",
            "Authorization": "Bearer sd_secret_token",
            "Cookie": f"sessionid={session}; csrftoken=csrf_secret_value",
            "X-Forwarded-For": "198.51.100.23",
            "User-Agent": "Probe",
        },
    )

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)

    assert refused.value.code == 500
    assert refused.value.headers["X-Request-ID"] == "proxy-4f2c9a"
    [event] = events(sentry)
    assert event["tags"]["request_id"] == "proxy-4f2c9a"
    assert (event["environment"], event["release"]) == ("test", "servicedesk@0.1.0")
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["value"] == "the disk is on fire for [e-mail]"
    assert event["request"]["url"] == f"{live_server.url}/broken/{MASK}/"
    assert event["request"]["headers"]["User-Agent"] == "Probe"
    assert set(event["request"]["headers"]) <= {"Host", "User-Agent", "Content-Length", "Content-Type"}
    assert not {"cookies", "data", "query_string"} & set(event["request"]) and "user" not in event
    sent = b"".join(body for _path, _headers, body in sentry)
    for secret in [operator.email, "sd_secret_token", session, "csrf_secret_value", TOKEN, "Ann", "198.51.100.23"]:
        assert secret.encode() not in sent, secret


def test_an_expected_refusal_reaches_no_tracker(client, support_member, sentry):
    client.force_login(support_member)

    assert client.get(reverse("incidents:record")).status_code == 403
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/accounts/login/", HTTP_HOST="desk.evil.example").status_code == 400

    assert events(sentry) == []


def test_a_server_error_is_mailed_to_the_admins_and_a_refusal_is_not(settings, support_member):
    settings.ADMINS = ["Ann <ann@example.org>", "ops@example.org"]
    settings.SERVER_EMAIL = "desk@example.org"
    client = Client(raise_request_exception=False)
    client.force_login(support_member)

    assert client.get(reverse("incidents:record")).status_code == 403
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/accounts/login/", HTTP_HOST="desk.evil.example").status_code == 400
    assert mail.outbox == []

    assert client.get(f"/broken/{TOKEN}/").status_code == 500

    [message] = mail.outbox
    assert message.to == ["Ann <ann@example.org>", "ops@example.org"]
    assert message.from_email == "desk@example.org"
    assert message.subject.endswith(f"Internal Server Error: /broken/{MASK}/")
    assert "RuntimeError" in message.body and TOKEN not in message.body


def test_admins_are_read_from_the_environment_and_a_bad_address_stops_the_start(monkeypatch):
    monkeypatch.setenv("ADMINS", 'Ann <ann@example.org>, ops@example.org, "Doe, Jo" <jo@example.org>')
    assert env_addresses("ADMINS") == ["Ann <ann@example.org>", "ops@example.org", '"Doe, Jo" <jo@example.org>']

    monkeypatch.setenv("ADMINS", "Ann <ann@example.org>, ops at example.org")
    with pytest.raises(ImproperlyConfigured, match=re.escape("ADMINS: 'ops at example.org' is not an e-mail address")):
        env_addresses("ADMINS")

    monkeypatch.delenv("ADMINS")
    assert env_addresses("ADMINS") == []
