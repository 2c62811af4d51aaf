"""The IMAP mailbox of ``INBOUND_IMAP_URL`` as a source of mail in: each waiting message's bytes go to the one
service that keeps them, and the message moves to the processed folder only once that service has committed
(decision record 0018)."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from servicedesk.env import FALSE, TRUE

logger = logging.getLogger(__name__)

# receive(raw, source_id): keeps the message in its own transaction; raises when it could not.
Receive = Callable[[bytes, str], object]

PORTS = {"imaps": 993, "imap": 143}
OPTIONS = {"processed", "starttls", "timeout"}
PRINTABLE = re.compile(r"[\x20-\x7e]*")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ImapMailbox:
    """Where the desk's mail waits, and where it goes once taken. ``from_url`` reads ``INBOUND_IMAP_URL``."""

    host: str
    user: str
    password: str = field(repr=False)
    port: int = PORTS["imaps"]
    tls: bool = True  # TLS from the first byte (imaps://); otherwise plain, upgraded by STARTTLS unless told not to
    starttls: bool = True
    folder: str = "INBOX"
    processed: str = "Processed"
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> ImapMailbox:
        """``imaps://user:password@host[:port]/INBOX?processed=Processed``, or ``imap://…`` on 143 with STARTTLS
        when the server offers it (``?starttls=no``: plain, for a server on the same machine). User, password and
        folders may be percent-encoded; ``?timeout=30`` is the network timeout in seconds.

        Raises ``ImproperlyConfigured`` saying what is wrong.
        """
        parts = urlsplit(url)
        if parts.scheme not in PORTS:
            raise ImproperlyConfigured(f"INBOUND_IMAP_URL scheme {parts.scheme!r} is not imaps or imap.")
        if not parts.hostname or not parts.username or parts.password is None:
            raise ImproperlyConfigured(
                "INBOUND_IMAP_URL needs a user, a password and a host: imaps://user:password@host/"
            )
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        if unknown := sorted(set(query) - OPTIONS):
            raise ImproperlyConfigured(f"INBOUND_IMAP_URL options {unknown} are not among {sorted(OPTIONS)}.")
        try:
            port = parts.port or PORTS[parts.scheme]
            timeout = float(query.get("timeout", "30"))
        except ValueError as error:
            raise ImproperlyConfigured(f"INBOUND_IMAP_URL: {error}") from error
        starttls = query.get("starttls", "yes").lower()
        if starttls not in TRUE | FALSE:
            raise ImproperlyConfigured(f"INBOUND_IMAP_URL starttls={starttls!r} is not yes or no.")
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        processed = query.get("processed") or "Processed"
        if processed == folder:
            raise ImproperlyConfigured("INBOUND_IMAP_URL: the processed folder cannot be the folder it reads.")
        user, password = unquote(parts.username), unquote(parts.password)
        # IMAP's LOGIN takes ASCII; a line break in any of them would end the command early.
        if not all(PRINTABLE.fullmatch(text) for text in (user, password)):
            raise ImproperlyConfigured("INBOUND_IMAP_URL: user and password must be printable ASCII.")
        if any(CONTROL.search(name) for name in (folder, processed)):
            raise ImproperlyConfigured("INBOUND_IMAP_URL: a folder name has a control character.")
        return cls(
            host=parts.hostname,
            port=port,
            user=user,
            password=password,
            tls=parts.scheme == "imaps",
            starttls=starttls in TRUE,
            folder=folder,
            processed=processed,
            timeout=timeout,
        )

    def __str__(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def imap_poll_configured(receive: Receive) -> int:
    """Poll the mailbox of ``INBOUND_IMAP_URL`` for at most ``INBOUND_BATCH`` messages; 0 when it is not set."""
    if not settings.INBOUND_IMAP_URL:
        return 0
    return imap_poll(ImapMailbox.from_url(settings.INBOUND_IMAP_URL), receive, batch=settings.INBOUND_BATCH)


def imap_poll(mailbox: ImapMailbox, receive: Receive, *, batch: int) -> int:
    """Hand every waiting message (at most ``batch``, oldest first) to ``receive(raw, source_id)``, then move it
    to the processed folder (created when missing). Returns how many were received.

    ``source_id`` is ``host/folder/UIDVALIDITY/UID``: the same message gives the same id until the server
    renumbers the folder. Messages are read with ``BODY.PEEK[]``, so nothing is marked seen by reading. A
    message whose ``receive`` raises stays where it is, logged, for the next poll; a crash between ``receive``
    and the move means the next poll hands the message over again, which the service's dedupe makes safe.
    Never raises for the server: a mailbox that cannot be reached or fails midway is one warning (one error
    for a refused login), and the next poll tries again.
    """
    try:
        client = _connect(mailbox)
    except (OSError, imaplib.IMAP4.error) as error:
        logger.warning("The IMAP mailbox %s cannot be reached; the next poll tries again: %s", mailbox, error)
        return 0
    received = 0
    try:
        try:
            client.login(_string(mailbox.user), mailbox.password)
        except imaplib.IMAP4.error as error:
            logger.error("The IMAP mailbox %s refused the login (check INBOUND_IMAP_URL): %s", mailbox, error)
            return 0
        capabilities = _capabilities(client)  # asked again: servers announce MOVE and UIDPLUS only once logged in
        uidvalidity = _select(client, mailbox.folder)
        processed_exists = False
        for uid in _waiting(client)[: max(batch, 0)]:
            raw = _fetch(client, uid)
            if raw is None:  # expunged by another client meanwhile
                continue
            source_id = f"{mailbox.host}/{mailbox.folder}/{uidvalidity}/{uid}"
            try:
                receive(raw, source_id)
            except Exception:
                logger.exception("Message %s was not taken; it stays in the mailbox for the next poll.", source_id)
                continue
            received += 1
            if not processed_exists:
                _ensure_folder(client, mailbox.processed)
                processed_exists = True
            _move(client, uid, to=mailbox.processed, capabilities=capabilities)
    except (OSError, imaplib.IMAP4.error) as error:
        logger.warning("The IMAP mailbox %s failed after %s messages; the next poll tries again: %s", mailbox,
                       received, error)  # fmt: skip
    finally:
        _logout(client)
    if received:
        logger.info("Received %s messages from the IMAP mailbox %s.", received, mailbox)
    return received


# --- the conversation -----------------------------------------------------------------------------------


def _connect(mailbox: ImapMailbox) -> imaplib.IMAP4:
    # imaplib's own default context verifies nothing: the certificate is checked against the system's CAs.
    if mailbox.tls:
        return imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=mailbox.timeout
        )
    client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=mailbox.timeout)
    if mailbox.starttls and "STARTTLS" in client.capabilities:
        try:
            client.starttls(ssl.create_default_context())
        except BaseException:
            _shutdown(client)
            raise
    return client


def _capabilities(client: imaplib.IMAP4) -> set[str]:
    data = _ok(client.capability())
    return {word.upper() for word in b" ".join(item for item in data if item).decode("ascii", "replace").split()}


def _select(client: imaplib.IMAP4, folder: str) -> str:
    """Select the folder; its UIDVALIDITY."""
    _ok(client.select(_folder(folder)))
    _typ, data = client.response("UIDVALIDITY")
    if not data or data[-1] is None:
        raise imaplib.IMAP4.error(f"{folder} has no UIDVALIDITY")
    return data[-1].decode("ascii")


def _waiting(client: imaplib.IMAP4) -> list[str]:
    # Everything in the folder: taken messages are moved away. A message marked deleted is on its way out
    # (another client's, or ours copied already when the server lacks MOVE).
    data = _ok(client.uid("SEARCH", "UNDELETED"))
    return sorted((uid.decode("ascii") for uid in b" ".join(item for item in data if item).split()), key=int)


def _fetch(client: imaplib.IMAP4, uid: str) -> bytes | None:
    for item in _ok(client.uid("FETCH", uid, "(BODY.PEEK[])")):
        if isinstance(item, tuple) and b"BODY[]" in item[0]:
            return item[1]
    return None


def _ensure_folder(client: imaplib.IMAP4, folder: str) -> None:
    if any(_ok(client.list('""', _folder(folder)))):
        return
    _ok(client.create(_folder(folder)))
    client.subscribe(_folder(folder))  # so that people's mail clients show it


def _move(client: imaplib.IMAP4, uid: str, *, to: str, capabilities: set[str]) -> None:
    if "MOVE" in capabilities:
        _ok(client.uid("MOVE", uid, _folder(to)))
        return
    _ok(client.uid("COPY", uid, _folder(to)))
    _ok(client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"))
    if "UIDPLUS" in capabilities:
        _ok(client.uid("EXPUNGE", uid))
    else:
        _ok(client.expunge())  # also removes what other clients marked deleted: that is what they asked for


def _logout(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (OSError, imaplib.IMAP4.error):
        _shutdown(client)


def _shutdown(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError):
        client.shutdown()


def _ok(response: tuple[str, list]) -> list:
    typ, data = response
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{typ} {data}")
    return data


def _folder(name: str) -> str:
    """A folder's name as IMAP writes it: modified UTF-7 (RFC 3501, 5.1.3), quoted."""
    return _string(re.sub(r"[^\x20-\x7e]+", _utf7_run, name.replace("&", "&-")))


def _string(text: str) -> str:
    # imaplib quotes the password but sends the other arguments as they are.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _utf7_run(match: re.Match[str]) -> str:
    encoded = base64.b64encode(match.group().encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
    return f"&{encoded.decode('ascii')}-"
