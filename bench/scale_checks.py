"""The checks of bench/scale_out.py, on what the client logged, what the SMTP sink counted and what the database
holds once everything has stopped. Pure functions of plain data: no Django here (tests/bench tests them).

A request is *in flight on the killed node* when the node that was killed answered it with the proxy's 502 and it
started before the kill and ended after it (within ``SLACK`` of the moment, for the clocks of two processes). Only
those may fail; a write in flight may or may not have happened, so each check allows it at most once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SLACK = 1.0  # seconds
MARKER = re.compile(r"\[scale:([0-9a-f]{12})\]")
# The journal entry each step of the client leaves on its incident: (kind, the ``step`` of its data or None).
STEP_ENTRIES = {
    "record": ("recorded", None),
    "classify": ("state_changed", "classify"),
    "escalate": ("escalated", None),
    "acknowledge": ("acknowledged", None),
    "resolve": ("state_changed", "resolve"),
}


@dataclass(frozen=True)
class Kill:
    """What was killed and when (``time.time()``)."""

    name: str
    at: float


@dataclass
class Check:
    name: str
    passed: bool
    details: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"{'PASS' if self.passed else 'FAIL'}  {self.name}", *(f"      {line}" for line in self.details)]


def in_flight(line: Mapping[str, Any], kill: Kill) -> bool:
    """Whether a failed request was on the killed node at the moment of the kill."""
    return (
        line.get("node") == kill.name
        and line.get("status") == 502
        and line["start"] <= kill.at + SLACK
        and line["end"] >= kill.at - SLACK
    )


def split_outcomes(lines: Iterable[Mapping[str, Any]], kill: Kill) -> tuple[list, list, list]:
    """The requests that succeeded, those that failed in flight on the killed node, and every other failure."""
    ok, excused, failed = [], [], []
    for line in lines:
        if line["ok"]:
            ok.append(line)
        elif in_flight(line, kill):
            excused.append(line)
        else:
            failed.append(line)
    return ok, excused, failed


def requests_check(lines: list[Mapping[str, Any]], kill: Kill) -> Check:
    ok, excused, failed = split_outcomes(lines, kill)
    details = [f"{len(ok)} succeeded, {len(excused)} failed in flight on {kill.name} when it was killed"]
    details += [
        f"failed: {line['op']} at {line['start']:.3f} ({line['start'] - kill.at:+.2f} s from the kill) on "
        f"{line.get('node')}: {line.get('status')} {line.get('error')}"
        for line in failed[:20]
    ]
    return Check("no request failed but those in flight on the killed node", not failed, details)


def calls_check(lines: list[Mapping[str, Any]], in_database: Counter[str], kill: Kill) -> Check:
    """Every call the client saw recorded is in the database once; nothing else is, but a call in flight at most
    once."""
    recorded = [line for line in lines if line.get("step") == "record"]
    ok, excused, _failed = split_outcomes(recorded, kill)
    seen = {line["marker"] for line in ok}
    maybe = {line["marker"] for line in excused}
    missing = sorted(marker for marker in seen if in_database[marker] == 0)
    twice = sorted(marker for marker, count in in_database.items() if count > 1)
    unseen = sorted(marker for marker in in_database if marker not in seen | maybe)
    details = [
        f"{len(seen)} calls recorded as the client saw, {len(maybe)} in flight on the killed node "
        f"({sum(1 for marker in maybe if in_database[marker])} of them in the database)",
        *(f"missing: {marker}" for marker in missing[:10]),
        *(f"more than once: {marker} ({in_database[marker]})" for marker in twice[:10]),
        *(f"in the database, never answered: {marker}" for marker in unseen[:10]),
    ]
    return Check("every recorded call is in the database exactly once", not (missing or twice or unseen), details)


def journal_check(lines: list[Mapping[str, Any]], entries: Counter[tuple[str, str]], kill: Kill) -> Check:
    """Each step the client saw succeed left its one journal entry; a step in flight left at most one; no step
    left two. ``entries`` counts (incident number, step) over the marked calls' journals."""
    steps = [line for line in lines if line.get("step") in STEP_ENTRIES and line.get("number")]
    ok, excused, _failed = split_outcomes(steps, kill)
    seen = {(line["number"], line["step"]) for line in ok}
    maybe = {(line["number"], line["step"]) for line in excused}
    missing = sorted(key for key in seen if entries[key] == 0)
    twice = sorted(key for key, count in entries.items() if count > 1)
    unseen = sorted(key for key in entries if key[1] != "record" and key not in seen | maybe)
    by_step = Counter(step for _number, step in seen)
    details = [
        ", ".join(f"{count} {step}" for step, count in sorted(by_step.items())) + " seen by the client",
        *(f"missing: {number} {step}" for number, step in missing[:10]),
        *(f"twice: {number} {step} ({entries[number, step]})" for number, step in twice[:10]),
        *(f"in the journal, never answered: {number} {step}" for number, step in unseen[:10]),
    ]
    return Check("no journal entry is missing (nor written twice)", not (missing or twice or unseen), details)


def mail_check(outbox: Mapping[str, str], received: Mapping[str, list[float]], worker_kill: Kill) -> Check:
    """Every outbox row is sent, and the sink got each once. ``outbox`` is Message-ID → state.

    A second copy is excused only when the first came in the moment before the worker was killed: sent, but the
    row's commit died with the worker (an SMTP server answers after the fact; no two-phase commit with it).
    """
    unsent = sorted(message_id for message_id, state in outbox.items() if state != "sent")
    never = sorted(
        message_id for message_id, state in outbox.items() if state == "sent" and not received.get(message_id)
    )
    stray = sorted(message_id for message_id in received if message_id not in outbox)
    twice, excused = [], []
    for message_id, times in received.items():
        if len(times) > 1:
            first = min(times)
            (excused if len(times) == 2 and worker_kill.at - SLACK <= first <= worker_kill.at else twice).append(
                message_id
            )
    states = Counter(outbox.values())
    details = [
        f"{len(outbox)} in the outbox ({', '.join(f'{n} {state}' for state, n in sorted(states.items()))}), "
        f"{sum(len(times) for times in received.values())} received by the SMTP sink",
        *(f"not sent: {message_id} ({outbox[message_id]})" for message_id in unsent[:10]),
        *(f"sent but never received: {message_id}" for message_id in never[:10]),
        *(f"received, not in the outbox: {message_id}" for message_id in stray[:10]),
        *(f"received {len(received[message_id])} times: {message_id}" for message_id in twice[:10]),
        *(
            f"received twice, the first just before {worker_kill.name} was killed: {message_id}"
            for message_id in excused
        ),
    ]
    return Check("every mail in the outbox is sent exactly once", not (unsent or never or stray or twice), details)


def sla_check(notified: Counter[tuple[str, str, str]]) -> Check:
    """No (incident, target, stage) was notified twice. ``notified`` counts the journal's notices."""
    twice = sorted(key for key, count in notified.items() if count > 1)
    stages = Counter(stage for _number, _target, stage in notified)
    details = [
        f"{sum(notified.values())} stages notified on {len({number for number, _t, _s in notified})} incidents"
        + (f" ({', '.join(f'{n} {stage}' for stage, n in sorted(stages.items()))})" if stages else ""),
        *(f"notified {notified[key]} times: {' '.join(key)}" for key in twice[:10]),
    ]
    return Check("no service-level stage was notified twice", not twice and bool(notified), details)


def markers_in(texts: Iterable[str]) -> Counter[str]:
    """How many times each call's marker occurs among the incidents' symptoms."""
    return Counter(found for text in texts for found in MARKER.findall(text or ""))
