"""The headers of a delivery, and its signature: HMAC-SHA256 with the subscription's secret over the timestamp and
the body, as ``t=<timestamp>,v1=<hex>``. docs/api/webhooks.md shows a receiver how to check it."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

USER_AGENT = "Servicedesk-Webhooks/1"


def body_of(payload: dict[str, Any]) -> bytes:
    """The bytes POSTed for ``payload``: the same on every attempt (sorted keys, no spaces)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, *, timestamp: int, body: bytes) -> str:
    """``t=<timestamp>,v1=<hex of HMAC-SHA256(secret, "<timestamp>." + body)>``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signed_headers(secret: str, *, event: str, delivery: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of one attempt: the event, the delivery's id (the same on every attempt: a receiver that has
    seen it ignores it), the time of the attempt and the signature over that time and the body."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Servicedesk-Event": event,
        "X-Servicedesk-Delivery": delivery,
        "X-Servicedesk-Timestamp": str(timestamp),
        "X-Servicedesk-Signature": signature(secret, timestamp=timestamp, body=body),
    }
