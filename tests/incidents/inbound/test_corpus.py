"""The corpus of real-shaped mail (``corpus/``): every message read as ``expected.toml`` says, and decided by the
whole service against an incident and a desk mail of its own."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from incidents.inbound.files import files_sorted
from incidents.inbound.parse import mail_parse
from incidents.inbound.receive import mail_receive
from incidents.inbound.threads import thread_of
from incidents.mail.outbox import outbox_message_id
from incidents.models import Activity, InboundState, OutboxState
from tests.cmdb.factories import ContactFactory
from tests.incidents import workflow
from tests.incidents.inbound.corpus_files import CorpusCase, corpus_bytes, corpus_cases, fill
from tests.incidents.inbound.messages import desk_mail

DESK = "Service desk <servicedesk@example.com>"
# Values for messages read without a database: the placeholders filled with plausible ones.
VALUES = {"outbox_id": "4821", "outbox_stamp": "20261207080231", "number": "INC0004821"}
STATES = {
    "reply": InboundState.REPLY,
    "new": InboundState.INTAKE,
    "automatic": InboundState.AUTOMATIC,
    "bounce": InboundState.BOUNCE,
    "loop": InboundState.AUTOMATIC,
    "unreadable": InboundState.REFUSED,
}
CASES = [pytest.param(case, id=case.key) for case in corpus_cases()]
READABLE = [pytest.param(case, id=case.key) for case in corpus_cases() if case.kind != "unreadable"]


@pytest.fixture(autouse=True)
def desk_address():
    with override_settings(DEFAULT_FROM_EMAIL=DESK):
        yield


@pytest.mark.parametrize("case", READABLE)
def test_each_message_is_read_as_expected(case: CorpusCase):
    parsed = mail_parse(corpus_bytes(case.file, **VALUES))

    assert parsed.sender == case.sender
    assert parsed.sender_name == case.sender_name
    assert parsed.subject == fill(case.subject, **VALUES)
    for wanted in case.text_contains:
        assert wanted in parsed.text
    for unwanted in case.text_excludes:
        assert unwanted not in parsed.text
    if case.kind == "reply":
        assert parsed.reply == "" if case.reply_empty else parsed.reply
        for wanted in case.reply_contains:
            assert wanted in parsed.reply
        for unwanted in case.reply_excludes:
            assert unwanted not in parsed.reply
    if case.kind == "bounce":
        assert parsed.bounce is not None
        assert fill(case.bounce_of, **VALUES) in parsed.bounce.original_ids
    if case.kind == "automatic":
        assert parsed.automatic


@pytest.mark.parametrize("case", READABLE)
def test_files_are_the_ones_people_attached_and_the_checks_refuse_the_bad_ones(case: CorpusCase):
    parsed = mail_parse(corpus_bytes(case.file, **VALUES))

    expected = [(part.name, part.type) for part in case.attachments] if case.kind != "bounce" else []
    if case.kind != "bounce":
        assert [(file.name, file.content_type) for file in parsed.files] == expected
    accepted, refused = files_sorted(parsed.files)
    if case.kind != "bounce":
        assert [upload.name for upload in accepted] == [part.name for part in case.attachments if not part.refused]
        assert len(refused) == sum(part.refused for part in case.attachments)
    inline_names = {part.name for part in case.inline}
    assert not inline_names & {file.name for file in parsed.files}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES)
def test_each_message_is_decided_as_expected(case: CorpusCase, operator):
    caller = ContactFactory(email=case.sender or "nobody@example.org", first_name="Corpus", last_name="Caller")
    incident = workflow.record(operator, caller=caller)
    row = desk_mail(incident)
    values = {
        "outbox_id": str(row.pk),
        "outbox_stamp": f"{row.created_at.astimezone(datetime.UTC):%Y%m%d%H%M%S}",
        "number": incident.number,
    }
    assert outbox_message_id(row) == f"<outbox-{values['outbox_id']}.{values['outbox_stamp']}@example.com>"
    raw = corpus_bytes(case.file, **values)

    inbound = mail_receive(raw, source="maildir", source_id=case.key)

    expected = STATES[case.kind]
    if case.kind == "reply" and case.reply_empty:
        expected = InboundState.INTAKE  # nothing new written: the desk looks at it
    assert inbound.state == expected, inbound.reason
    if case.kind != "unreadable":
        thread = thread_of(answers=mail_parse(raw).answers, subject=inbound.subject)
        assert (thread.by if thread else "none") == case.threads_by
    entries = Activity.objects.filter(incident=incident, kind="caller_replied")
    if expected == InboundState.REPLY:
        [entry] = entries
        assert entry.attachments.count() == sum(not part.refused for part in case.attachments)
    else:
        assert not entries.exists()
    if case.kind == "bounce":
        row.refresh_from_db()
        assert row.state == OutboxState.BOUNCED and inbound.answers == row
