"""The signed tokens of callers' links stay out of the logs: the portal's log, gunicorn's access and error logs,
and the audit table's request context. Whoever reads a log must not be able to answer for a caller."""

from __future__ import annotations

import datetime
import logging
import re
from types import SimpleNamespace

import pytest
from django.core import signing
from gunicorn.config import Config

from incidents.models import IncidentHistory, OutboxMessage
from servicedesk.gunicorn_logs import Logger
from servicedesk.logs import MASK, redact
from tests.cmdb.factories import SupportGroupFactory
from tests.incidents import workflow
from tests.knowledge.factories import CategoryFactory
from tests.servicedesk.test_logging import server_log  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/incidents/(?:it-works|still-broken|reply|status)/([^/\s]+)/)")


def test_a_signed_value_is_masked_and_nothing_else():
    token = signing.dumps([12, "2026-12-06T09:30:00+00:00", "works", "contact:4"], salt="incidents.confirmation")
    packed = signing.dumps({"words": "word " * 40}, salt="x", compress=True)
    assert packed.startswith(".")

    line = f'GET /incidents/it-works/{token}/ HTTP/1.1" 200 and /incidents/status/{packed}/ at 04:33:36,060'

    assert (
        redact(line) == f'GET /incidents/it-works/{MASK}/ HTTP/1.1" 200 and /incidents/status/{MASK}/ at 04:33:36,060'
    )
    ordinary = "INC0001234 /incidents/INC0001234/steps/resolve/ 2026-12-06T04:33:36+00:00 a:b:c user@example.org"
    assert redact(ordinary) == ordinary


def test_a_whole_caller_flow_leaves_no_token_in_the_log_or_the_audit(
    client,
    operator,
    support_member,
    server_log,  # noqa: F811 (the fixture)
):
    network = SupportGroupFactory(members=[support_member])
    incident = workflow.resolved(operator, CategoryFactory(), network, support_member)
    mailed = OutboxMessage.objects.filter(incident=incident).values_list("body_text", flat=True)
    links = {path: token for body in mailed for path, token in LINK.findall(body)}
    assert len(links) >= 3  # the status page, "it works" and "still broken"
    works = next(path for path in links if "/it-works/" in path)
    status = next(path for path in links if "/status/" in path)
    logging.getLogger("django.request").setLevel(logging.WARNING)

    client.get(status)
    client.post(status, {"text": ""})  # refused: 400, logged as a bad request
    client.post(status, {"text": "Works since this morning, thanks."})
    client.get(works)
    client.post(works, {"satisfaction": 5})
    client.get(works)  # answered already: 410, logged as gone
    client.get(works[:-12] + "tampered/")  # damaged: 400

    log = server_log.getvalue()
    assert "Bad Request" in log and "Gone" in log and MASK in log  # the flow was logged
    assert not [token for token in links.values() if token in log]
    contexts = list(IncidentHistory.objects.filter(incident=incident, context__startswith="request ").values_list(
        "context", flat=True))  # fmt: skip
    assert contexts and not [context for context in contexts if any(token in context for token in links.values())]


def test_gunicorn_masks_the_request_line_and_the_referrer(tmp_path):
    token = signing.dumps([12, "2026-12-06T09:30:00+00:00"], salt="incidents.status")
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = Logger(config)
    path = f"/incidents/status/{token}/"
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.7", "HTTP_REFERER": f"https://desk.example.org{path}",
    }  # fmt: skip
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])

    logger.access(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(milliseconds=12))
    logger.error("Error handling request %s", path)
    for handler in [*logger.access_log.handlers, *logger.error_log.handlers]:
        handler.flush()

    written = (tmp_path / "access.log").read_text() + (tmp_path / "error.log").read_text()
    assert token not in written
    assert written.count(MASK) == 3  # the request line, the referrer, the error
