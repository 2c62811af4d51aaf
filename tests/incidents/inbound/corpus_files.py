"""The corpus of inbound mail in ``corpus/``: each message's bytes, and what it must come out as
(``corpus/expected.toml``; ``corpus/README.md`` says how to add one).

Messages that thread to a desk mail hold placeholders: ``{outbox_id}`` and ``{outbox_stamp}`` in the desk's
Message-ID (``<outbox-{outbox_id}.{outbox_stamp}@example.com>``) and ``{number}`` in the subject tag. A test writes
the outbox row and the incident first, then reads the message with their values::

    case = corpus_cases()[0]
    raw = corpus_bytes(case.file, outbox_id=str(row.pk), outbox_stamp=f"{row.created_at:%Y%m%d%H%M%S}",
                       number=incident.number)
    assert parsed.subject == fill(case.subject, number=incident.number)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
PLACEHOLDERS = ("outbox_id", "outbox_stamp", "number")
KINDS = ("reply", "new", "automatic", "bounce", "loop", "unreadable")
THREADS_BY = ("header", "tag", "none")


@dataclass(frozen=True)
class CorpusPart:
    """A file part of a message: an attachment (refused or not) or an inline image."""

    name: str
    type: str
    refused: bool = False


@dataclass(frozen=True)
class CorpusCase:
    """One table of ``expected.toml``: a message and what it must come out as. Strings keep their placeholders;
    ``fill`` them with the values the message was read with."""

    key: str
    file: str
    kind: str
    threads_by: str = "none"
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    reply_contains: tuple[str, ...] = ()
    reply_excludes: tuple[str, ...] = ()
    reply_empty: bool = False
    text_contains: tuple[str, ...] = ()
    text_excludes: tuple[str, ...] = ()
    attachments: tuple[CorpusPart, ...] = ()
    inline: tuple[CorpusPart, ...] = ()
    bounce_of: str = ""
    defects: tuple[str, ...] = ()
    notes: str = ""

    @property
    def path(self) -> Path:
        return CORPUS / self.file


@cache
def _cases() -> tuple[CorpusCase, ...]:
    with (CORPUS / "expected.toml").open("rb") as expected:
        tables = tomllib.load(expected)
    known = {field.name for field in fields(CorpusCase)} - {"key"}
    cases = []
    for key, table in tables.items():
        unknown = set(table) - known
        if unknown:
            raise ValueError(f"expected.toml [{key}]: unknown keys {sorted(unknown)}")
        values = {
            name: tuple(CorpusPart(**part) for part in value)
            if name in ("attachments", "inline")
            else tuple(value)
            if isinstance(value, list)
            else value
            for name, value in table.items()
        }
        case = CorpusCase(key=key, **values)
        if case.kind not in KINDS or case.threads_by not in THREADS_BY:
            raise ValueError(f"expected.toml [{key}]: kind {case.kind!r} or threads_by {case.threads_by!r} unknown")
        cases.append(case)
    return tuple(cases)


def corpus_cases() -> list[CorpusCase]:
    """Every table of ``expected.toml``, in file order."""
    return list(_cases())


def corpus_case(key: str) -> CorpusCase:
    """The case of one table (its key, e.g. ``"gmail_reply"``)."""
    for case in _cases():
        if case.key == key:
            return case
    raise KeyError(key)


def corpus_bytes(name: str, **values: str) -> bytes:
    """The bytes of ``corpus/<name>`` (``.eml`` may be left out) with ``{outbox_id}``, ``{outbox_stamp}`` and
    ``{number}`` replaced by the values given. Only those exact tokens are replaced, so other braces in a message
    (CSS in HTML) stay as they are. A placeholder the file holds but no value was given for is an error; values for
    placeholders the file does not hold are ignored, so one set of values serves every file."""
    unknown = set(values) - set(PLACEHOLDERS)
    if unknown:
        raise TypeError(f"no such placeholder: {sorted(unknown)}")
    file = name if name.endswith(".eml") else f"{name}.eml"
    data = (CORPUS / file).read_bytes()
    for placeholder in PLACEHOLDERS:
        token = b"{" + placeholder.encode("ascii") + b"}"
        if token not in data:
            continue
        if placeholder not in values:
            raise KeyError(f"{file} holds {{{placeholder}}}: give {placeholder}=...")
        data = data.replace(token, values[placeholder].encode("ascii"))
    return data


def placeholders_in(name: str) -> set[str]:
    """The placeholders a corpus file holds."""
    file = name if name.endswith(".eml") else f"{name}.eml"
    data = (CORPUS / file).read_bytes()
    return {placeholder for placeholder in PLACEHOLDERS if b"{" + placeholder.encode("ascii") + b"}" in data}


def fill(text: str, **values: str) -> str:
    """An expectation (``subject``, ``bounce_of``) with the placeholders given replaced, the others left."""
    for placeholder, value in values.items():
        text = text.replace("{" + placeholder + "}", value)
    return text
