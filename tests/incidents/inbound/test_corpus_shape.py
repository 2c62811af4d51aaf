"""The corpus itself holds together: every message listed exists and every file is listed, the standard library
reads each one without losing its body, the placeholders fill, and what expected.toml says is text the message
really carries. (Whether the desk's parser meets the expectations is tested with the parser.)"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import getaddresses

import pytest
from inscriptis import get_text

from tests.incidents.inbound.corpus_files import (
    CORPUS,
    CorpusCase,
    corpus_bytes,
    corpus_cases,
    fill,
    placeholders_in,
)

VALUES = {"outbox_id": "4821", "outbox_stamp": "20261207080231", "number": "INC0004821"}
OUTBOX_ID = "<outbox-{outbox_id}.{outbox_stamp}@example.com>"
CASES = corpus_cases()


def read(case: CorpusCase) -> EmailMessage:
    return email.message_from_bytes(corpus_bytes(case.file, **VALUES), policy=email.policy.default)


def texts(message: EmailMessage) -> str:
    """Every text part a reader sees (HTML as text), not descending into returned messages of bounces."""
    found = []
    for part in message.walk():
        if part.get_content_maintype() == "message":
            break
        if part.get_content_type() in ("text/plain", "text/html") and part.get_content_disposition() != "attachment":
            content = part.get_content()
            found.append(get_text(content) if part.get_content_subtype() == "html" else content)
    return "\n".join(found).replace("\r\n", "\n")


def defect_names(message: EmailMessage) -> list[str]:
    """The defects Python notes once every part is decoded (a bad base64 shows only then)."""
    for part in message.walk():
        if not part.is_multipart():
            part.get_payload(decode=True)
    return sorted({type(defect).__name__ for part in message.walk() for defect in part.defects})


def test_every_listed_file_exists_and_every_file_is_listed():
    listed = [case.file for case in CASES]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert sorted(listed) == sorted(path.name for path in CORPUS.glob("*.eml"))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)
def test_parses_without_losing_the_body(case):
    message = read(case)
    assert defect_names(message) == sorted(case.defects)
    body = message.get_body(("plain", "html"))
    assert body is not None
    assert body.get_content().strip()
    for name in ("From", "Subject"):
        header = message[name]
        assert header is None or not header.defects, f"{name}: {header.defects}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)
def test_placeholders_fill(case):
    data = case.path.read_bytes()
    held = placeholders_in(case.file)
    filled = corpus_bytes(case.file, **VALUES)
    assert not re.search(rb"\{(outbox_id|outbox_stamp|number)\}", filled)
    if held:
        # str.format works too: no other braces in a file with placeholders.
        assert data.decode("latin-1").format(**VALUES).encode("latin-1") == filled
        with pytest.raises(KeyError):
            corpus_bytes(case.file)
    header_ids = " ".join(str(read(case).get(name, "")) for name in ("In-Reply-To", "References"))
    assert (fill(OUTBOX_ID, **VALUES) in header_ids) == (case.threads_by == "header")
    if case.threads_by == "tag":
        assert f"[{VALUES['number']}]" in str(read(case)["Subject"])
    if case.bounce_of:
        assert case.bounce_of == OUTBOX_ID


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)
def test_expectations_are_what_the_message_says(case):
    message = read(case)
    assert str(message.get("Subject", "")) == fill(case.subject, **VALUES)
    sender = message["From"]
    address = sender.addresses[0] if sender is not None and sender.addresses else None
    assert (address.addr_spec.lower() if address else "") == case.sender
    # An RFC 822 comment ("addr (Name)") is the name too, as the address parser of the stdlib reads it.
    raw_from = [value for name, value in message.raw_items() if name.lower() == "from"]
    comment_name = getaddresses(raw_from)[0][0] if raw_from else ""
    assert (address.display_name if address else "") in {case.sender_name, ""}
    assert (address.display_name or comment_name if address else "") == case.sender_name
    text = texts(message)
    for expected in (*case.text_contains, *case.reply_contains):
        assert fill(expected, **VALUES) in text
    for unexpected in case.text_excludes:
        assert unexpected not in text
    files = [part for part in message.walk() if part.get_filename()]
    assert [part.get_filename() for part in files] == [part.name for part in (*case.attachments, *case.inline)]
    assert [part.get_content_type() for part in files] == [part.type for part in (*case.attachments, *case.inline)]
