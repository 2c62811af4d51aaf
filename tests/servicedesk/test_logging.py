"""The server log, as configured by LOGGING: an expected refusal is one line, a server error keeps its traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import include, path, reverse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.servicedesk.test_logging")]


def broken(request):
    raise RuntimeError("the disk is on fire")


urlpatterns = [path("broken/", broken), path("", include("servicedesk.urls"))]


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """What the portal's console handler (the one LOGGING configures) writes, as the server's output shows it."""
    handler = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_refused_page_is_logged_as_one_line_with_its_reason(client: Client, support_member, server_log):
    client.force_login(support_member)

    response = client.get(reverse("incidents:record"))

    assert response.status_code == 403
    # The security log's line for force_login's sign-in is not the refusal's business.
    lines = [line for line in server_log.getvalue().splitlines() if "servicedesk.security" not in line]
    assert len(lines) == 1, server_log.getvalue()
    assert "WARNING django.request: Forbidden (Permission denied): /incidents/new/" in lines[0]
    assert "Only the service desk records incidents." in lines[0]


def test_a_bad_request_is_one_line_too(client: Client, server_log):
    response = client.get("/accounts/login/", HTTP_HOST="desk.evil.example")

    assert response.status_code == 400
    lines = server_log.getvalue().splitlines()
    assert len(lines) == 1, server_log.getvalue()
    assert lines[0].endswith(
        "ERROR django.security.DisallowedHost: Invalid HTTP_HOST header: 'desk.evil.example'. "
        "You may need to add 'desk.evil.example' to ALLOWED_HOSTS."
    )


def test_a_server_error_keeps_its_traceback(support_member, server_log):
    client = Client(raise_request_exception=False)
    client.force_login(support_member)

    response = client.get("/broken/")

    assert response.status_code == 500
    log = server_log.getvalue()
    assert "ERROR django.request: Internal Server Error: /broken/" in log
    assert "Traceback (most recent call last):" in log
    assert "RuntimeError: the disk is on fire" in log
