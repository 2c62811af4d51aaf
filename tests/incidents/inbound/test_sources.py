"""The Maildir read on Celery beat's clock and the mail server's pipe: both hand messages to the one service,
and a message leaves its source only once it is stored."""

from __future__ import annotations

import io
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from incidents.inbound.maildir import maildir_poll
from incidents.inbound.tasks import inbound_poll
from incidents.models import InboundMail, InboundSource, InboundState
from tests.incidents.inbound.messages import message

pytestmark = pytest.mark.django_db


@pytest.fixture
def maildir(tmp_path):
    with override_settings(INBOUND_MAILDIR=tmp_path / "inbound"):
        yield tmp_path / "inbound"


def drop(maildir, name: str, raw: bytes) -> None:
    (maildir / "new").mkdir(parents=True, exist_ok=True)
    (maildir / "new" / name).write_bytes(raw)


def test_a_message_dropped_into_new_is_received_and_moved_to_cur(maildir):
    drop(maildir, "1733480000.M1P1.host", message(subject="Scanner offline"))

    assert inbound_poll.apply().get() == 1

    [inbound] = InboundMail.objects.all()
    assert (inbound.source, inbound.source_id) == (InboundSource.MAILDIR, "1733480000.M1P1.host")
    assert inbound.state == InboundState.INTAKE and inbound.subject == "Scanner offline"
    assert not list((maildir / "new").iterdir())
    assert [path.name for path in (maildir / "cur").iterdir()] == ["1733480000.M1P1.host:2,S"]
    assert inbound_poll.apply().get() == 0


def test_the_poll_creates_the_maildir_and_reads_at_most_a_batch(maildir):
    assert inbound_poll.apply().get() == 0
    assert {path.name for path in maildir.iterdir()} == {"new", "cur", "tmp"}

    for n in range(5):
        drop(maildir, f"m{n}", message(subject=f"Mail {n}"))
    with override_settings(INBOUND_BATCH=3):
        assert inbound_poll.apply().get() == 3
    assert len(list((maildir / "new").iterdir())) == 2


def test_a_message_the_service_fails_on_stays_in_new_for_the_next_poll(maildir):
    drop(maildir, "a", b"one")
    drop(maildir, "b", b"two")

    def receive(raw: bytes, source_id: str) -> None:
        if source_id == "a":
            raise ConnectionError("database away")

    assert maildir_poll(maildir, receive, batch=10) == 1
    assert [path.name for path in (maildir / "new").iterdir()] == ["a"]


def test_a_file_seen_again_after_a_crash_is_not_taken_twice(maildir):
    raw = message(subject="Seen twice")
    drop(maildir, "x", raw)
    inbound_poll.apply()
    drop(maildir, "x", raw)  # as if the move to cur/ had not happened

    inbound_poll.apply()

    assert InboundMail.objects.count() == 1


def test_the_pipe_command_takes_one_message_once(monkeypatch, capsys):
    raw = message(subject="From the pipe")
    for _ in range(2):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        call_command("receive_mail")

    [inbound] = InboundMail.objects.all()
    assert inbound.source == InboundSource.PIPE and inbound.state == InboundState.INTAKE
    assert "In the intake inbox" in capsys.readouterr().out


def test_the_beat_polls_the_sources():
    entry = settings.CELERY_BEAT_SCHEDULE["inbound-poll"]
    assert entry["task"] == inbound_poll.name and entry["schedule"] == settings.INBOUND_POLL_SECONDS


def test_the_poll_reads_the_imap_mailbox_into_the_one_service_and_files_each_message_away(dovecot, maildir):
    dovecot.append(message(subject="From the IMAP mailbox"))

    with override_settings(INBOUND_IMAP_URL=dovecot.url()):
        assert inbound_poll.apply().get() == 1
        assert inbound_poll.apply().get() == 0

    [inbound] = InboundMail.objects.all()
    assert inbound.source == InboundSource.IMAP and inbound.state == InboundState.INTAKE
    assert inbound.source_id.startswith("127.0.0.1/INBOX/")
    assert dovecot.messages("INBOX") == {} and len(dovecot.messages("Processed")) == 1
