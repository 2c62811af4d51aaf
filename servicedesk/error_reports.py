"""Error reports to Sentry (or a service speaking its protocol) when ``SENTRY_DSN`` is set (decision record 0031).

Nothing personal leaves: no cookies, no session or token headers, no request body, no user, no local variables,
e-mail addresses and signed values masked wherever they appear; an expected refusal (a 4xx) is no error.
"""

from __future__ import annotations

import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from servicedesk.logs import redact
from servicedesk.request_context import current_request_id

# Headers that say nothing about who sent the request; every other one (Cookie, Authorization, X-CSRFToken,
# X-Forwarded-For, a proxy's own...) stays here.
KEPT_HEADERS = {"accept", "accept-language", "content-length", "content-type", "host", "hx-request", "user-agent"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
EMAIL_MASK = "[e-mail]"


def start(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # What send_default_pii=False meant, stricter, in the option that replaces it (sentry-sdk 2.76): no user, no
        # cookies, no bodies, no query strings (a search names a caller), no SQL values, no local variables.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(KEPT_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "graphql": {"document": False, "variables": False},
            "gen_ai": {"inputs": False, "outputs": False},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        # The trace headers would go to every webhook receiver and mail relay the portal talks to.
        trace_propagation_targets=[],
        before_send=before_send,
        before_send_transaction=before_send_transaction,
    )


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """The event without personal data, tagged with the request's id; ``None`` for a refusal logged at ERROR
    (Django logs a 400 for a bad host name so), which is the portal doing its job."""
    record = hint.get("log_record")
    status = getattr(record, "status_code", None)
    if isinstance(status, int) and status < 500:
        return None
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return _scrubbed(event)


def before_send_transaction(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return _scrubbed(event)


def _scrubbed(event: dict[str, Any]) -> dict[str, Any]:
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("cookies", "data", "env", "query_string"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {name: value for name, value in headers.items() if name.lower() in KEPT_HEADERS}
    return _masked(event)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL.sub(EMAIL_MASK, redact(value))
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value
