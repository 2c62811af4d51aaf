"""The checks of bench/scale_out.py: what they excuse (a request in flight on the killed node, a mail sent the moment
the worker was killed) and what they do not."""

from collections import Counter

import scale_checks as checks

KILL = checks.Kill("web2", 1000.0)
WORKER_KILL = checks.Kill("worker2", 1001.0)


def request(step="record", *, ok=True, node="web1", status=201, start=990.0, end=990.2, **context):
    return {"op": step, "step": step, "ok": ok, "node": node, "status": status, "start": start, "end": end, **context}


def in_flight(step="record", **context):
    return request(step, ok=False, node="web2", status=502, start=999.5, end=1000.1, **context)


def test_only_a_502_from_the_killed_node_across_the_kill_is_in_flight():
    assert checks.in_flight(in_flight(), KILL)
    assert not checks.in_flight(in_flight() | {"node": "web1"}, KILL)
    assert not checks.in_flight(in_flight() | {"status": 500}, KILL)
    assert not checks.in_flight(in_flight() | {"start": 1003.0, "end": 1003.1}, KILL)
    assert not checks.in_flight(in_flight() | {"start": 990.0, "end": 990.5}, KILL)


def test_any_other_failure_fails_the_requests_check():
    lines = [request(), in_flight()]
    assert checks.requests_check(lines, KILL).passed

    lines.append(request(ok=False, status=500, start=1010.0, end=1010.1))
    result = checks.requests_check(lines, KILL)
    assert not result.passed
    assert "failed: record" in "\n".join(result.lines())


def test_a_recorded_call_must_be_in_the_database_once_and_nothing_unseen_may_be():
    lines = [request(marker="a" * 12), in_flight(marker="b" * 12)]

    assert checks.calls_check(lines, Counter({"a" * 12: 1}), KILL).passed
    assert checks.calls_check(lines, Counter({"a" * 12: 1, "b" * 12: 1}), KILL).passed  # in flight: at most once
    assert not checks.calls_check(lines, Counter(), KILL).passed  # lost
    assert not checks.calls_check(lines, Counter({"a" * 12: 2}), KILL).passed  # twice
    assert not checks.calls_check(lines, Counter({"a" * 12: 1, "c" * 12: 1}), KILL).passed  # never answered


def test_each_step_seen_has_its_one_journal_entry():
    lines = [request("acknowledge", number="INC1", status=200), in_flight("resolve", number="INC1")]

    assert checks.journal_check(lines, Counter({("INC1", "acknowledge"): 1}), KILL).passed
    assert checks.journal_check(lines, Counter({("INC1", "acknowledge"): 1, ("INC1", "resolve"): 1}), KILL).passed
    assert not checks.journal_check(lines, Counter(), KILL).passed
    assert not checks.journal_check(lines, Counter({("INC1", "acknowledge"): 2}), KILL).passed
    assert not checks.journal_check(lines, Counter({("INC1", "acknowledge"): 1, ("INC2", "escalate"): 1}), KILL).passed


def test_every_outbox_row_is_received_once():
    outbox = {"<1>": "sent", "<2>": "sent"}

    assert checks.mail_check(outbox, {"<1>": [990.0], "<2>": [995.0]}, WORKER_KILL).passed
    assert not checks.mail_check(outbox, {"<1>": [990.0]}, WORKER_KILL).passed  # never received
    assert not checks.mail_check(outbox | {"<3>": "pending"}, {"<1>": [990.0], "<2>": [995.0]}, WORKER_KILL).passed
    assert not checks.mail_check(outbox, {"<1>": [990.0], "<2>": [995.0], "<9>": [996.0]}, WORKER_KILL).passed
    assert not checks.mail_check(outbox, {"<1>": [990.0, 1010.0], "<2>": [995.0]}, WORKER_KILL).passed


def test_a_second_copy_is_excused_only_when_the_first_came_as_the_worker_was_killed():
    outbox = {"<1>": "sent"}

    excused = checks.mail_check(outbox, {"<1>": [1000.8, 1020.0]}, WORKER_KILL)
    assert excused.passed
    assert "just before worker2 was killed" in "\n".join(excused.lines())
    assert not checks.mail_check(outbox, {"<1>": [1001.5, 1020.0]}, WORKER_KILL).passed  # after the kill
    assert not checks.mail_check(outbox, {"<1>": [1000.8, 1010.0, 1020.0]}, WORKER_KILL).passed  # three times


def test_a_stage_notified_twice_fails_and_none_notified_proves_nothing():
    assert checks.sla_check(Counter({("INC1", "response", "sla_warning"): 1})).passed
    assert not checks.sla_check(Counter({("INC1", "response", "sla_warning"): 2})).passed
    assert not checks.sla_check(Counter()).passed


def test_markers_are_read_from_the_symptoms():
    found = checks.markers_in(["Reported. [scale:0123456789ab]", "[scale:0123456789ab] again", "no marker", None])
    assert found == Counter({"0123456789ab": 2})
