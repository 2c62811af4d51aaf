"""A mail's files, sorted by a work note's checks: the ones kept, and a sentence for each one refused (it stays
in the original message)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from incidents.inbound.parse import MailFile
from incidents.journal.attachments import check_files


def files_sorted(files: Iterable[MailFile]) -> tuple[list[ContentFile], list[str]]:
    """The files that pass the checks (at most ``ATTACHMENT_MAX_FILES``), and why each other one was refused."""
    accepted: list[ContentFile] = []
    refused: list[str] = []
    limit = settings.ATTACHMENT_MAX_FILES
    for mail_file in files:
        if mail_file.damaged:
            refused.append(_("%(name)s arrived damaged (cut off or broken in transfer).") % {"name": mail_file.name})
            continue
        upload = ContentFile(mail_file.payload, name=mail_file.name)
        try:
            check_files([upload])
        except ValidationError as error:
            refused.extend(error.messages)
            continue
        if len(accepted) < limit:
            accepted.append(upload)
        else:
            refused.append(_("%(name)s: at most %(count)s files are kept from one message.")
                           % {"name": upload.name, "count": limit})  # fmt: skip
    return accepted, refused
