"""The IMAP mailbox as a source of mail in, against a real dovecot (tests/incidents/inbound/conftest.py): what is
handed over, what moves where, and what a failure leaves behind."""

from __future__ import annotations

import imaplib
import logging
import re
import ssl

import pytest
from django.core.exceptions import ImproperlyConfigured

from incidents.inbound import imap
from incidents.inbound.imap import ImapMailbox, imap_poll, imap_poll_configured
from tests.incidents.inbound.conftest import PASSWORD, USER, free_port


def message(number: int) -> bytes:
    return (
        f"From: Cleo <cleo@example.org>\r\nTo: desk@example.org\r\nSubject: VPN {number}\r\n"
        f"Message-ID: <{number}@example.org>\r\n\r\nThe VPN fails ({number}).\r\n"
    ).encode()


class Receiver:
    """``receive`` as the service is called: keeps what it was given; refuses the messages it is told to."""

    def __init__(self, *, refuse: tuple[bytes, ...] = ()) -> None:
        self.received: list[tuple[bytes, str]] = []
        self.refuse = refuse

    def __call__(self, raw: bytes, source_id: str) -> None:
        if raw in self.refuse:
            raise RuntimeError("the database is away")
        self.received.append((raw, source_id))


def poll(dovecot, receive, *, batch: int = 200, **url) -> int:
    return imap_poll(ImapMailbox.from_url(dovecot.url(**url)), receive, batch=batch)


# --- the URL ------------------------------------------------------------------------------------------


def test_an_imaps_url_is_tls_on_993_reading_the_inbox_into_processed():
    mailbox = ImapMailbox.from_url("imaps://desk%40example.org:s%3Acr%2Fet%20x@mail.example.org")

    assert (mailbox.host, mailbox.port, mailbox.tls) == ("mail.example.org", 993, True)
    assert (mailbox.user, mailbox.password) == ("desk@example.org", "s:cr/et x")
    assert (mailbox.folder, mailbox.processed, mailbox.timeout) == ("INBOX", "Processed", 30)
    assert "s:cr/et" not in repr(mailbox) and "s:cr/et" not in str(mailbox)


def test_an_imap_url_is_plain_on_143_with_starttls_unless_told_not_to():
    mailbox = ImapMailbox.from_url("imap://desk:secret@mail.example.org/Support%20desk?processed=Done%2FIn")
    plain = ImapMailbox.from_url("imap://desk:secret@localhost:1143?starttls=no&timeout=5")

    assert (mailbox.port, mailbox.tls, mailbox.starttls) == (143, False, True)
    assert (mailbox.folder, mailbox.processed) == ("Support desk", "Done/In")
    assert (plain.host, plain.port, plain.starttls, plain.timeout) == ("localhost", 1143, False, 5)
    assert plain.folder == "INBOX"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("pop3://desk:secret@mail.example.org", "scheme 'pop3'"),
        ("imaps://mail.example.org", "needs a user, a password and a host"),
        ("imaps://desk@mail.example.org", "needs a user, a password and a host"),
        ("imaps://desk:secret@mail.example.org:port", "Port could not be cast"),
        ("imaps://desk:secret@mail.example.org?proccessed=Done", "['proccessed']"),
        ("imap://desk:secret@mail.example.org?starttls=maybe", "starttls='maybe'"),
        ("imaps://desk:secret@mail.example.org/Done?processed=Done", "cannot be the folder it reads"),
        ("imaps://desk:s%C3%A9cret@mail.example.org", "printable ASCII"),
        ("imaps://desk:secret%0D%0ALOGOUT@mail.example.org", "printable ASCII"),
        ("imaps://desk:secret@mail.example.org/INBOX%0D%0ADELETE%20INBOX", "control character"),
    ],
)
def test_a_wrong_url_says_what_is_wrong(url, says):
    with pytest.raises(ImproperlyConfigured, match=re.escape(says)):
        ImapMailbox.from_url(url)


def test_folder_names_are_sent_in_modified_utf7_and_quoted():
    assert imap._folder("Geprüft & erledigt") == '"Gepr&APw-ft &- erledigt"'
    assert imap._folder('Say "hi"') == '"Say \\"hi\\""'
    assert imap._folder("日本語") == '"&ZeVnLIqe-"'


# --- a poll -------------------------------------------------------------------------------------------


def test_a_poll_hands_over_every_message_and_moves_it_to_the_processed_folder(dovecot):
    sent = [message(n) for n in (1, 2, 3)]
    ids = [dovecot.append(raw) for raw in sent]
    receive = Receiver()

    assert poll(dovecot, receive) == 3

    assert receive.received == [
        (raw, f"127.0.0.1/INBOX/{uidvalidity}/{uid}") for raw, (uidvalidity, uid) in zip(sent, ids, strict=True)
    ]
    assert dovecot.messages("INBOX") == {}
    assert sorted(raw for _flags, raw in dovecot.messages("Processed").values()) == sent
    assert poll(dovecot, receive) == 0  # nothing is handed over twice


def test_the_processed_folder_is_created_when_missing_and_subscribed(dovecot):
    dovecot.append(message(1))
    assert dovecot.folders() == {"INBOX"}

    assert poll(dovecot, Receiver(), query="starttls=no&processed=Erledigt%20gepr%C3%BCft") == 1

    assert dovecot.folders() == {"INBOX", "Erledigt gepr&APw-ft"}
    assert dovecot.subscribed() == {"Erledigt gepr&APw-ft"}
    assert len(dovecot.messages("Erledigt gepr&APw-ft")) == 1


def test_an_existing_processed_folder_is_used_as_it_is(dovecot):
    dovecot.append(message(1), folder="INBOX")
    client = dovecot.client()
    client.create('"Processed"')
    client.logout()
    dovecot.append(message(0), folder="Processed")

    assert poll(dovecot, Receiver()) == 1

    assert len(dovecot.messages("Processed")) == 2


def test_another_folder_is_read_when_the_url_names_it(dovecot):
    client = dovecot.client()
    client.create('"Support"')
    client.logout()
    uidvalidity, uid = dovecot.append(message(1), folder="Support")
    dovecot.append(message(2), folder="INBOX")
    receive = Receiver()

    assert poll(dovecot, receive, path="Support") == 1

    assert receive.received == [(message(1), f"127.0.0.1/Support/{uidvalidity}/{uid}")]
    assert len(dovecot.messages("INBOX")) == 1 and dovecot.messages("Support") == {}


def test_a_message_whose_receive_fails_stays_unread_in_the_inbox_and_the_others_move(dovecot, caplog):
    for n in (1, 2, 3):
        dovecot.append(message(n))
    receive = Receiver(refuse=(message(2),))

    with caplog.at_level(logging.INFO, logger="incidents.inbound.imap"):
        assert poll(dovecot, receive) == 2

    assert [raw for raw, _id in receive.received] == [message(1), message(3)]
    [(flags, raw)] = dovecot.messages("INBOX").values()
    assert raw == message(2) and "\\Seen" not in flags and "\\Deleted" not in flags
    assert len(dovecot.messages("Processed")) == 2
    [failure] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert "was not taken; it stays in the mailbox" in failure.getMessage() and failure.exc_info

    # The next poll tries it again.
    assert poll(dovecot, Receiver()) == 1
    assert dovecot.messages("INBOX") == {}


def test_a_poll_takes_at_most_a_batch_oldest_first(dovecot):
    for n in range(1, 6):
        dovecot.append(message(n))
    receive = Receiver()

    assert poll(dovecot, receive, batch=2) == 2
    assert [raw for raw, _id in receive.received] == [message(1), message(2)]
    assert len(dovecot.messages("INBOX")) == 3

    assert poll(dovecot, receive, batch=2) == 2
    assert poll(dovecot, receive, batch=2) == 1
    assert [raw for raw, _id in receive.received] == [message(n) for n in range(1, 6)]


def test_a_message_another_client_deleted_is_left_alone(dovecot):
    _uidvalidity, uid = dovecot.append(message(1))
    dovecot.append(message(2))
    client = dovecot.client()
    client.select("INBOX")
    client.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
    client.logout()
    receive = Receiver()

    assert poll(dovecot, receive) == 1

    assert [raw for raw, _id in receive.received] == [message(2)]


# --- servers without MOVE -----------------------------------------------------------------------------


@pytest.fixture
def commands(monkeypatch) -> list[str]:
    """The UID commands the client sends."""
    sent: list[str] = []
    uid = imaplib.IMAP4.uid

    def recording(self, command, *args):
        sent.append(command.upper())
        return uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", recording)
    return sent


def without(monkeypatch, *missing: str) -> None:
    """The server's capabilities as the client reads them, but for ``missing`` (dovecot has MOVE and UIDPLUS)."""
    capabilities = imap._capabilities
    monkeypatch.setattr(imap, "_capabilities", lambda client: capabilities(client) - set(missing))


def test_dovecot_is_asked_to_move(dovecot, commands):
    dovecot.append(message(1))

    assert poll(dovecot, Receiver()) == 1

    assert commands == ["SEARCH", "FETCH", "MOVE"]


def test_without_move_a_message_is_copied_flagged_and_expunged_by_its_uid(dovecot, monkeypatch, commands):
    without(monkeypatch, "MOVE")
    dovecot.append(message(1))
    dovecot.append(message(2))

    assert poll(dovecot, Receiver()) == 2

    assert commands == ["SEARCH", "FETCH", "COPY", "STORE", "EXPUNGE", "FETCH", "COPY", "STORE", "EXPUNGE"]
    assert dovecot.messages("INBOX") == {}
    moved = dovecot.messages("Processed").values()
    assert sorted(raw for _flags, raw in moved) == [message(1), message(2)]
    assert not any("\\Deleted" in flags for flags, _raw in moved)


def test_without_move_and_uidplus_the_folder_is_expunged(dovecot, monkeypatch, commands):
    without(monkeypatch, "MOVE", "UIDPLUS")
    for n in (1, 2):
        dovecot.append(message(n))
    receive = Receiver(refuse=(message(1),))

    assert poll(dovecot, receive) == 1

    assert commands == ["SEARCH", "FETCH", "FETCH", "COPY", "STORE"]  # then a plain EXPUNGE
    [(flags, raw)] = dovecot.messages("INBOX").values()
    assert raw == message(1) and "\\Deleted" not in flags
    assert [raw for _flags, raw in dovecot.messages("Processed").values()] == [message(2)]


# --- TLS ----------------------------------------------------------------------------------------------


def test_imaps_speaks_tls_from_the_start_and_checks_the_certificate(dovecot, monkeypatch):
    dovecot.append(message(1))
    monkeypatch.setenv("SSL_CERT_FILE", dovecot.cafile)  # how an operator trusts an internal CA, too
    clients = []

    class RecordedTLSClient(imaplib.IMAP4_SSL):
        def __init__(self, *args, **kwargs):
            clients.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(imaplib, "IMAP4_SSL", RecordedTLSClient)

    assert poll(dovecot, Receiver(), scheme="imaps", query="") == 1

    [client] = clients
    assert client.ssl_context.verify_mode == ssl.CERT_REQUIRED and client.ssl_context.check_hostname


def test_starttls_is_used_when_the_server_offers_it(dovecot, monkeypatch):
    dovecot.append(message(1))
    monkeypatch.setenv("SSL_CERT_FILE", dovecot.cafile)
    upgraded = []
    starttls = imaplib.IMAP4.starttls
    monkeypatch.setattr(
        imaplib.IMAP4, "starttls", lambda self, context: upgraded.append(context) or starttls(self, context)
    )

    assert poll(dovecot, Receiver(), query="") == 1

    assert len(upgraded) == 1 and upgraded[0].verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize("scheme", ["imaps", "imap"])
def test_a_certificate_nobody_trusts_is_refused_before_the_password_is_sent(dovecot, scheme, monkeypatch, caplog):
    dovecot.append(message(1))
    receive = Receiver()
    logins = []
    monkeypatch.setattr(imaplib.IMAP4, "login", lambda self, user, password: logins.append(user))

    with caplog.at_level(logging.WARNING, logger="incidents.inbound.imap"):
        assert poll(dovecot, receive, scheme=scheme, query="") == 0

    assert receive.received == [] and logins == []
    [warning] = caplog.records
    assert "cannot be reached" in warning.getMessage() and "CERTIFICATE_VERIFY_FAILED" in warning.getMessage()
    monkeypatch.undo()
    assert len(dovecot.messages("INBOX")) == 1


# --- a server that fails ------------------------------------------------------------------------------


def test_a_server_that_is_down_is_one_warning_and_nothing_received(dovecot, caplog):
    closed = imap.ImapMailbox.from_url(dovecot.url(port=free_port()))
    receive = Receiver()

    with caplog.at_level(logging.INFO, logger="incidents.inbound.imap"):
        assert imap_poll(closed, receive, batch=10) == 0

    [warning] = caplog.records
    assert warning.levelno == logging.WARNING and "\n" not in warning.getMessage() and not warning.exc_info
    assert "cannot be reached; the next poll tries again" in warning.getMessage()
    assert receive.received == []


def test_a_refused_login_is_an_error_naming_the_setting(dovecot, caplog):
    url = dovecot.url().replace("Pa%20ss", "wrong")

    with caplog.at_level(logging.INFO, logger="incidents.inbound.imap"):
        assert imap_poll(ImapMailbox.from_url(url), Receiver(), batch=10) == 0

    [error] = caplog.records
    assert error.levelno == logging.ERROR and "refused the login (check INBOUND_IMAP_URL)" in error.getMessage()


def test_a_folder_that_does_not_exist_is_a_warning(dovecot, caplog):
    with caplog.at_level(logging.WARNING, logger="incidents.inbound.imap"):
        assert poll(dovecot, Receiver(), path="Nowhere") == 0

    [warning] = caplog.records
    assert "failed after 0 messages" in warning.getMessage()


def test_a_connection_lost_midway_keeps_what_was_received_and_leaves_the_rest(dovecot, monkeypatch, caplog):
    for n in (1, 2, 3):
        dovecot.append(message(n))
    moves = []
    move = imap._move

    def move_until_the_network_goes(client, uid, **kwargs):
        moves.append(uid)
        if len(moves) == 2:
            client.shutdown()
        return move(client, uid, **kwargs)

    monkeypatch.setattr(imap, "_move", move_until_the_network_goes)
    receive = Receiver()

    with caplog.at_level(logging.WARNING, logger="incidents.inbound.imap"):
        assert poll(dovecot, receive) == 2

    assert "failed after 2 messages" in caplog.records[-1].getMessage()
    assert [raw for _flags, raw in dovecot.messages("Processed").values()] == [message(1)]
    # The second was received but not moved: the next poll hands it over again, and the service's dedupe skips it.
    assert sorted(raw for _flags, raw in dovecot.messages("INBOX").values()) == [message(2), message(3)]


# --- the setting --------------------------------------------------------------------------------------


def test_no_url_polls_nothing(settings):
    settings.INBOUND_IMAP_URL = ""

    assert imap_poll_configured(Receiver()) == 0


def test_the_configured_mailbox_is_polled_a_batch_at_a_time(dovecot, settings):
    for n in (1, 2, 3):
        dovecot.append(message(n))
    settings.INBOUND_IMAP_URL = dovecot.url()
    settings.INBOUND_BATCH = 2
    receive = Receiver()

    assert imap_poll_configured(receive) == 2
    assert receive.received[0][1].startswith("127.0.0.1/INBOX/")


def test_the_fixtures_credentials_are_the_urls(dovecot):
    mailbox = ImapMailbox.from_url(dovecot.url())
    assert (mailbox.user, mailbox.password) == (USER, PASSWORD)
