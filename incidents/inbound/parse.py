"""Reading a raw message: who sent it, what it answers, its text (HTML turned into text), the reply without the
quoted history and the signature, its attachments, and whether it is automatic mail or a bounce."""

from __future__ import annotations

import datetime
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.utils import timezone
from inscriptis import get_text
from mailparser_reply.parser import EmailMessage as ReplyText

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
HEADER_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
MAX_MESSAGE_ID = 500
# RFC 3834 and what mail programs set on out-of-office and list mail besides it.
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
AUTOMATIC_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Vacation", "List-Id", "List-Unsubscribe")
AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|abwesenheitsnotiz|automatische antwort|"
    r"r[ée]ponse automatique|absence du bureau|risposta automatica|respuesta autom[áa]tica)\b",
    re.IGNORECASE,
)
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery status notification|delivery failure|returned mail|failure notice|mail delivery failed|"
    r"unzustellbar|non remis)",
    re.IGNORECASE,
)
HEAD_END = re.compile(rb"\r?\n\r?\n")
ALTERNATIVES = {"text/plain": 0, "text/html": 1}
# A signature that starts with a short line ("Kind regards", "-- ") is one; a longer line is a sentence that
# starts with a closing word, and the signature starts at a closing on a line of its own.
SIGNATURE_WORDS = 4
CLOSING_LINE = re.compile(
    r"^(thanks|thank you|many thanks|best|best regards|kind regards|regards|cheers|cordialement|bien [àa] vous|"
    r"viele gr(ü|ue)(ß|ss)e|mit freundlichen gr(ü|ue)(ß|ss)en|gr(ü|ue)(ß|ss)e|saludos|un saludo|cordiali saluti|"
    r"saluti|groeten|met vriendelijke groet(en)?)[,.!]?[ \t]*$|^-- ?$",
    re.IGNORECASE | re.MULTILINE,
)


class UnreadableMail(ValueError):
    """A message that cannot be read as mail (no sender, not a message at all); the text says why."""


@dataclass(frozen=True)
class MailFile:
    """A file attached to a message."""

    name: str
    content_type: str
    payload: bytes
    damaged: bool = False  # cut off or broken in transfer


@dataclass(frozen=True)
class Bounce:
    """A delivery status report: the mails it is about, to whom, and what the receiving server said."""

    original_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    diagnostic: str
    delayed: bool = False


@dataclass(frozen=True)
class ParsedMail:
    """What the desk reads of a message."""

    sender: str
    sender_name: str = ""
    subject: str = ""
    message_id: str | None = None
    sent_at: datetime.datetime | None = None
    answers: tuple[str, ...] = ()  # In-Reply-To, then References from the newest
    text: str = ""
    reply: str = ""
    files: tuple[MailFile, ...] = ()
    automatic: str = ""  # why it is automatic mail, or ""
    loops: tuple[str, ...] = ()  # X-Loop values
    authentication_failed: bool = False
    bounce: Bounce | None = None
    recipients: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class MailHead:
    """The headers of a message too large to read whole."""

    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    message_id: str | None = None


def mail_parse(raw: bytes) -> ParsedMail:
    """Read a raw RFC 5322 message. Raises ``UnreadableMail`` for one without a sender."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise UnreadableMail("This is not a mail message: it has no headers.")
    sender_name, sender = _sender(message)
    if not sender:
        raise UnreadableMail("The message has no sender (no From address).")
    text = _text(message)
    return ParsedMail(
        sender=sender,
        sender_name=sender_name,
        subject=decoded(_header(message, "Subject")),
        message_id=_message_id(message),
        sent_at=_date(message),
        answers=_answers(message),
        text=text,
        reply=reply_of(text),
        files=tuple(_files(message)),
        automatic=_automatic(message),
        loops=tuple(value.strip().lower() for value in _headers(message, "X-Loop")),
        authentication_failed=_authentication_failed(message),
        bounce=_bounce(message, sender),
        recipients=tuple(address.lower() for _, address in _addresses(message, "To", "Cc")),
    )


def mail_head(raw: bytes) -> MailHead:
    """The sender, subject and ``Message-ID`` of a message, from its headers only (for one too large to read)."""
    head = HEAD_END.split(raw, maxsplit=1)[0]
    message = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.default)
    name, sender = _sender(message)
    return MailHead(sender, name, decoded(_header(message, "Subject")), _message_id(message))


def reply_of(text: str) -> str:
    """The newest part of a reply: quoted lines, the quoted history below an attribution and the signature cut
    (``mail-parser-reply``, in the languages of ``INBOUND_REPLY_LANGUAGES``); ``""`` when nothing new was
    written. A list in the text stays, and a closing word starts the signature only on a line of its own
    ("Thanks, it works now" is what the caller wrote, not their signature)."""
    text = text.replace("\xa0", " ").replace("\ufeff", "")
    unquoted = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))
    if not unquoted.strip():
        return ""
    languages = list(settings.INBOUND_REPLY_LANGUAGES)
    replies = ReplyText(text=unquoted, languages=languages, keep_hyphen_lists=True).read().replies
    if not replies:
        return unquoted.strip()
    newest = replies[0]
    first_signature_line = (newest.signatures or "").strip().split("\n", 1)[0]
    if len(first_signature_line.split()) <= SIGNATURE_WORDS:
        return newest.body.strip()
    body = newest.full_body
    closing = CLOSING_LINE.search(body)
    return (body[: closing.start()] if closing else body).strip()


# --- headers ------------------------------------------------------------------------------------------


def _headers(message: Message, name: str) -> list[str]:
    """The raw values of a header, unfolded: read as they came, without the email package's (slow) parsing of
    every header; ``decoded`` turns encoded words into text where a person reads them."""
    wanted = name.lower()
    return [" ".join(_text_of(value).split()) for key, value in message.raw_items() if key.lower() == wanted]


def _header(message: Message, name: str) -> str:
    values = _headers(message, name)
    return values[0] if values else ""


def _text_of(value: object) -> str:
    """A raw header value as text: 8-bit bytes a program put in a header are read as UTF-8."""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped bytes
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def decoded(value: str) -> str:
    """A header value with its RFC 2047 encoded words (``=?utf-8?B?…?=``) decoded; as it is when they are
    broken."""
    if "=?" not in value:
        return value
    try:
        return " ".join(str(make_header(decode_header(value))).split())
    except (ValueError, LookupError, UnicodeError, HeaderParseError):
        return value


def _addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    found = getaddresses([value for name in names for value in _headers(message, name)])
    return [(decoded(name).strip(), address.strip()) for name, address in found if "@" in address]


def _sender(message: Message) -> tuple[str, str]:
    addresses = _addresses(message, "From")
    if not addresses:
        return "", ""
    name, address = addresses[0]
    return name[:200], address.lower()[:320]


def _message_id(message: Message) -> str | None:
    found = MESSAGE_ID.findall(_header(message, "Message-ID"))
    return found[0] if found and len(found[0]) <= MAX_MESSAGE_ID else None


def _answers(message: Message) -> tuple[str, ...]:
    in_reply_to = MESSAGE_ID.findall(" ".join(_headers(message, "In-Reply-To")))
    references = MESSAGE_ID.findall(" ".join(_headers(message, "References")))
    return tuple(dict.fromkeys([*in_reply_to, *reversed(references)]))


def _date(message: Message) -> datetime.datetime | None:
    value = _header(message, "Date")
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _automatic(message: Message) -> str:
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in AUTOMATIC_HEADERS:
        if _headers(message, name):
            return f"{name} header"
    if _header(message, "Return-Path").strip() == "<>":
        return "Return-Path: <> (sent by a mail system)"
    subject = decoded(_header(message, "Subject"))
    if AUTOMATIC_SUBJECT.match(subject):
        return f"Subject: {subject[:80]}"
    return ""


def _authentication_failed(message: Message) -> bool:
    """Whether the receiving server's own check (the topmost ``Authentication-Results``) says the sender's
    domain does not vouch for it (DMARC failed): such a From address proves nothing."""
    results = _headers(message, "Authentication-Results")
    return bool(results) and re.search(r"\bdmarc=fail\b", results[0], re.IGNORECASE) is not None


# --- bodies -------------------------------------------------------------------------------------------


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AssertionError):  # an unknown or wrong charset: read what can be read
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("latin-1", errors="replace") if isinstance(payload, bytes) else str(payload)
    if isinstance(content, bytes):
        content = content.decode(part.get_content_charset() or "utf-8", errors="replace")
    return str(content)


def _text(message: EmailMessage) -> str:
    """The message's text: every text part a person reads in it, in order (a program may split the body around
    an attachment); of alternatives the plain one, else (missing or empty) the HTML as text; never markup."""
    return _tidy("\n\n".join(part for part in _texts(message) if part.strip()))


def _texts(part: Message) -> list[str]:
    kind = _kind(part)
    if kind == "multipart/alternative":
        children = list(part.iter_parts())  # type: ignore[attr-defined]
        # The plain text, else the HTML (or an alternative that is itself multipart: HTML with its images).
        ranked = sorted(children, key=lambda child: ALTERNATIVES.get(_kind(child), 2))
        for child in ranked:
            texts = _texts(child)
            if any(text.strip() for text in texts):
                return texts
        return []
    if kind == "multipart/report":  # a delivery report: only its human-readable first part
        first = next(iter(part.iter_parts()), None)  # type: ignore[attr-defined]
        return _texts(first) if first is not None else []
    if part.is_multipart():
        return [text for child in part.iter_parts() for text in _texts(child)]  # type: ignore[attr-defined]
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return []
    if kind == "text/html":
        return [get_text(_content(part))]
    if kind == "text/plain":
        return [_content(part)]
    return []


def _kind(part: Message) -> str:
    """A part's content type, read once (the email package parses the header again on every call)."""
    kind = part.__dict__.get("_servicedesk_kind")
    if kind is None:
        kind = part.__dict__["_servicedesk_kind"] = part.get_content_type()
    return kind


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _files(message: EmailMessage) -> list[MailFile]:
    """The files a person attached: not the text and HTML bodies, not images embedded in the HTML
    (``multipart/related`` parts with a ``Content-ID``), and not the parts of a delivery report."""
    body = message.get_body(preferencelist=("plain", "html"))
    files = []
    for parent in message.walk():
        if not parent.is_multipart() or _kind(parent) == "multipart/report":
            continue
        related = _kind(parent) == "multipart/related"
        for part in parent.iter_parts():  # type: ignore[attr-defined]
            if part is body or part.is_multipart():
                continue
            disposition = part.get_content_disposition()
            name = part.get_filename()
            if related and part.get("Content-ID") and disposition != "attachment":
                continue
            if disposition != "attachment" and not name:
                continue
            if _kind(part) == "message/rfc822":
                inner = part.get_payload(0)
                files.append(MailFile(name or "forwarded.eml", "message/rfc822", inner.as_bytes()))
                continue
            payload = part.get_payload(decode=True) or b""  # decoding notes the defects of a damaged part
            files.append(MailFile(name or "attachment", _kind(part), payload, damaged=bool(part.defects)))
    return files


def _bounce(message: EmailMessage, sender: str) -> Bounce | None:
    """A delivery status report, or a mail system's own words of failure, with the mails it names."""
    report = _kind(message) == "multipart/report"
    local_part = sender.partition("@")[0]
    if not report and not (local_part in BOUNCE_SENDERS and BOUNCE_SUBJECT.search(_header(message, "Subject"))):
        return None
    recipients, diagnostics, actions = [], [], []
    original: list[str] = []
    for part in message.walk():
        kind = _kind(part)
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if not isinstance(block, Message):
                    continue
                if action := _header(block, "Action").lower():
                    actions.append(action)
                if final := _header(block, "Final-Recipient"):
                    recipients.append(final.rpartition(";")[2].strip().lower())
                if diagnostic := _header(block, "Diagnostic-Code") or _header(block, "Status"):
                    diagnostics.append(diagnostic.rpartition(";")[2].strip() if ";" in diagnostic else diagnostic)
        elif kind == "message/rfc822":
            inner = part.get_payload(0)
            if isinstance(inner, Message) and (found := MESSAGE_ID.findall(_header(inner, "Message-ID"))):
                original.extend(found)
        elif kind in {"text/rfc822-headers", "text/plain"} and part is not message:
            original.extend(match.decode() for match in HEADER_MESSAGE_ID.findall(_payload_bytes(part)))
    if not report:
        original.extend(match.decode() for match in HEADER_MESSAGE_ID.findall(_payload_bytes(message)))
    own = _message_id(message)
    original = [found for found in dict.fromkeys(original) if found != own]
    diagnostic = "; ".join(dict.fromkeys(diagnostics))[:1000]
    # A report that only says delivery is delayed (or relayed, delivered) is news, not a failure.
    delayed = bool(actions) and "failed" not in actions
    return Bounce(tuple(original), tuple(dict.fromkeys(recipients)), diagnostic, delayed=delayed)


def _payload_bytes(part: Message) -> bytes:
    if part.is_multipart():
        return b"\n".join(_payload_bytes(inner) for inner in part.get_payload())
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else str(part.get_payload()).encode("utf-8", "replace")
