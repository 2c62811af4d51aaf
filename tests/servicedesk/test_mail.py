"""The development mailer writes each message to a file of its own."""

from __future__ import annotations

import email

from django.core import mail
from django.test import override_settings


def test_each_message_becomes_its_own_eml_file(tmp_path):
    mailers = {
        "default": {"BACKEND": "servicedesk.mail.OneFilePerMessageBackend", "OPTIONS": {"file_path": str(tmp_path)}}
    }
    with override_settings(MAILERS=mailers):
        mail.send_mail("INC0000001 recorded", "We are on it.", "desk@example.org", ["caller@example.org"])
        mail.send_mail("INC0000002 recorded", "We are on it too.", "desk@example.org", ["other@example.org"])

    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    subjects = {email.message_from_bytes(path.read_bytes())["Subject"] for path in files}
    assert subjects == {"INC0000001 recorded", "INC0000002 recorded"}
