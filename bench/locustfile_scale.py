"""The people bench/scale_out.py sends at the portal, through its proxy: staff reading the incident list and
incidents on the pages, the service desk recording calls and handing them on, support acknowledging and resolving.

Run by bench/scale_out.py, which writes the plan this reads (``SCALE_OUT_PLAN``: the accounts, their API tokens,
callers, categories, groups) and reads back the log this writes (``SCALE_OUT_LOG``: one JSON line per request with
its outcome, the node that answered it and, for a write, the call's marker or the incident and step). Staff read
through the pages, signed in by the sign-in form, as a browser does; the desk and support write through the REST
API with personal tokens, as the integrations and the desk's own tools do (no HTML form to scrape, an ETag for
every step). Every call's symptoms carry a marker of its own, so that the script can find it in the database.
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["SCALE_OUT_PLAN"]).read_text())
LOG = Path(os.environ["SCALE_OUT_LOG"]).open("a", buffering=1)  # noqa: SIM115 - open for the whole run
# What the people choose (a caller, a page, a group): a load's variety, not a secret.
pick = random.Random()  # noqa: S311
NUMBER = re.compile(r"INC\d{7}")
# Incidents the desk handed to a support group, with the ETag of the hand-off: the next ones in support's queue.
HANDED_ON: deque[tuple[str, str]] = deque()


@events.request.add_listener
def log_request(request_type, name, response_time, response, context, exception, start_time, **kwargs) -> None:
    """One line per request: what the script's checks attribute (to a node, to the moment of the kill)."""
    status = getattr(response, "status_code", None)
    headers = getattr(response, "headers", None) or {}
    line = {
        "op": name,
        "start": start_time,
        "end": start_time + response_time / 1000,
        "status": status,
        "node": headers.get("X-Served-By"),
        "ok": exception is None,
        "error": None if exception is None else str(exception)[:200],
        **context,
    }
    LOG.write(json.dumps(line) + "\n")


def api_headers(token: str, etag: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if etag:
        headers["If-Match"] = etag
    return headers


class Staff(HttpUser):
    """Someone of the desk, support or management reading: the open incidents, a page of all of them, an incident."""

    weight = 4
    wait_time = between(1, 3)

    def on_start(self) -> None:
        username = pick.choice(PLAN["readers"])
        self.client.get("/accounts/login/", name="page: sign-in form")
        self.client.post(
            "/accounts/login/",
            {
                "username": username,
                "password": PLAN["password"],
                "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="page: sign in",
        )
        self.numbers: list[str] = list(PLAN["incidents"])

    @task(3)
    def incident_list(self) -> None:
        response = self.client.get("/incidents/", name="page: incident list")
        found = NUMBER.findall(response.text or "")
        if found:
            self.numbers = sorted(set(found))

    @task(1)
    def incident_list_all(self) -> None:
        self.client.get("/incidents/?state=all&page=2", name="page: incident list, every state, page 2")

    @task(4)
    def incident_page(self) -> None:
        self.client.get(f"/incidents/{pick.choice(self.numbers)}/", name="page: incident")


class Desk(HttpUser):
    """The service desk: records a call, classifies it and hands it to a support group, each a step of the API."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.token = PLAN["desk_tokens"].pop()

    @task
    def record_and_hand_on(self) -> None:
        marker = uuid.uuid4().hex[:12]
        body = {
            "caller_id": str(pick.choice(PLAN["callers"])),
            "short_description": pick.choice(PLAN["summaries"]),
            "symptoms": f"Reported by phone during the scale-out run. [scale:{marker}]",
            "occurred_at": "now",
            "channel": "phone",
            "impact": pick.choice((2, 3)),
            "urgency": pick.choice((2, 3)),
            "affected_users": 1,
        }
        response = self.client.post(
            "/api/v1/incidents/", json=body, headers=api_headers(self.token), name="api: record a call",
            context={"marker": marker, "step": "record"},
        )  # fmt: skip
        if response.status_code != 201:
            return
        number, etag = response.json()["number"], response.headers["ETag"]
        steps = [
            ("classify", {"category": pick.choice(PLAN["categories"]), "impact": body["impact"],
                          "urgency": body["urgency"]}),
            ("escalate", {"group": pick.choice(PLAN["groups"]), "reason": "Needs the second line."}),
        ]  # fmt: skip
        # One call in four waits on the desk (for the caller's details, say): the service-level sweep warns and
        # escalates it during the run.
        waits = pick.random() < 0.25
        for step, data in steps[:1] if waits else steps:
            response = self.client.post(
                f"/api/v1/incidents/{number}/{step}/", json=data, headers=api_headers(self.token, etag),
                name=f"api: {step}", context={"number": number, "step": step},
            )  # fmt: skip
            if response.status_code != 200:
                return
            etag = response.headers["ETag"]
        if not waits:
            HANDED_ON.append((number, etag))


class Support(HttpUser):
    """A support group member: reads the group's queue, acknowledges the next incident handed on, then resolves it."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.token = PLAN["support_tokens"].pop()

    @task
    def work_the_queue(self) -> None:
        self.client.get("/api/v1/queue/?tab=group", headers=api_headers(self.token), name="api: queue")
        if not HANDED_ON:
            return
        number, etag = HANDED_ON.popleft()
        for step, data in (
            ("acknowledge", {}),
            ("resolve", {"resolution_code": "permanent_fix", "resolution_notes": "Fixed during the scale-out run."}),
        ):
            response = self.client.post(
                f"/api/v1/incidents/{number}/{step}/", json=data, headers=api_headers(self.token, etag),
                name=f"api: {step}", context={"number": number, "step": step},
            )  # fmt: skip
            if response.status_code != 200:
                return
            etag = response.headers["ETag"]
