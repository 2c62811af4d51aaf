"""The journal's own writes: work notes, customer updates, workarounds, and the files attached to notes.

Every function here is one transaction that locks the incident (``select_for_update``, through the
lifecycle's lock so that the lock order and the stale-form check are the lifecycle's), checks who is
acting and the input (``PermissionDenied`` with a sentence, ``ValidationError`` by field; nothing is
written then), writes the journal entry, and writes the caller's mail to the outbox (``incidents.notifications``: sent
after the commit and retried), so that a rolled-back entry never reaches anyone.

Decisions written down here:

- **Who writes.** The service desk (``incidents.change_incident``) on any incident, and the members of the
  assigned group (``may_work``) on theirs, both kinds of entry alike. Managers and other groups read the
  journal but do not write in it. Customer mail goes out in the service desk's name whoever wrote it: the
  desk is the caller's single point of contact.
- **The serious-incident gate does not hold the journal.** The gate holds lifecycle steps until
  management is notified and the affected users informed; notes, customer updates and workarounds change
  no state, and a major incident is exactly when people must keep writing down what they do, and keep
  callers informed and working around the fault.
- **Closed incidents** take nothing more: their journal is complete (a fault that is back is a new call).
  A workaround is for an open incident (recorded, classified, investigating); a resolved one has its fix.
- **Notes and updates do not change the incident**: no version bump (a step form opened before someone
  wrote a note does not go stale), and no ``incident_version`` on the entry. A workaround changes the
  incident: version bumped, the entry records old and new, and a stale ``expected_version`` is refused
  with the lifecycle's ``StaleIncident``.
- **Time spent** (0 to 1,440 minutes, one working day and more) goes on the entry written; a customer
  update sent on to subordinates counts its time once, on the master's entry.
- **Subordinates.** A customer update on a master can go to the callers of all its open subordinates
  (and theirs): each gets its own customer-update entry with the same text and its caller their own mail.
  A subordinate whose caller has no e-mail address still gets the entry, which says it was not mailed.
  The master's own caller must have an address: a customer update that reaches nobody is refused.
- **Attachments stay internal.** Files go on work notes only, are served only to signed-in staff
  (``incidents.views.journal.attachment``) and are never mailed: callers have no login, and logs and
  screenshots taken by the desk often hold more than a caller should see. Each file is checked before
  anything is stored: its name's extension must be one of ``ATTACHMENT_TYPES``, its content must be of
  that type (the magic bytes of images, PDF and zip; valid UTF-8 without NUL bytes for text), and it
  must fit ``ATTACHMENT_MAX_BYTES``. One refused file refuses the entry. SVG and HTML are never accepted:
  they run scripts when opened.
- Files are written to the storage inside the transaction, before the rows that point to them; if the
  transaction fails here they are deleted again. Storage is not transactional: a rollback of an outer
  transaction after this returns can leave an unreferenced file under a random folder, never a row
  without its file.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_text_list, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.models import Contact
from incidents.choices import OPEN_STATES, ActivityKind, State, Visibility
from incidents.lifecycle.steps import _lock, _lock_with_subordinates, check_minutes, raise_if
from incidents.mail import notifications
from incidents.models import Activity, Attachment, Incident, may_handle

MAX_TEXT = 10_000
HEAD_BYTES = 16


# --- file types ---------------------------------------------------------------------------------------


def _starts_with(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(signatures)


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


@dataclass(frozen=True)
class FileType:
    """A kind of file the journal accepts: by extension, checked from the content, served as ``content_type``.

    ``head`` checks the first bytes (magic numbers); ``text`` types must be UTF-8 throughout instead.
    ``inline`` types (raster images) open in the browser; everything else is a download.
    """

    label: Any
    extensions: tuple[str, ...]
    content_type: str
    head: Callable[[bytes], bool] | None = None
    text: bool = False
    inline: bool = False


# The names are the values of the ATTACHMENT_TYPES setting.
FILE_TYPES: dict[str, FileType] = {
    "png": FileType(gettext_lazy("PNG image"), (".png",), "image/png", _starts_with(b"\x89PNG\r\n\x1a\n"), inline=True),
    "jpeg": FileType(gettext_lazy("JPEG image"), (".jpg", ".jpeg"), "image/jpeg", _starts_with(b"\xff\xd8\xff"),
                     inline=True),
    "gif": FileType(gettext_lazy("GIF image"), (".gif",), "image/gif", _starts_with(b"GIF87a", b"GIF89a"), inline=True),
    "webp": FileType(gettext_lazy("WebP image"), (".webp",), "image/webp", _is_webp, inline=True),
    "pdf": FileType(gettext_lazy("PDF document"), (".pdf",), "application/pdf", _starts_with(b"%PDF-")),
    # An empty archive has only its end record.
    "zip": FileType(gettext_lazy("zip archive"), (".zip",), "application/zip",
                    _starts_with(b"PK\x03\x04", b"PK\x05\x06")),
    "text": FileType(gettext_lazy("text file"), (".txt", ".log"), "text/plain; charset=utf-8", text=True),
    "json": FileType(gettext_lazy("JSON file"), (".json",), "application/json", text=True),
    "csv": FileType(gettext_lazy("CSV file"), (".csv",), "text/csv; charset=utf-8", text=True),
}  # fmt: skip


def accepted_file_types() -> dict[str, FileType]:
    """The types ``ATTACHMENT_TYPES`` allows, by extension (``".png"``)."""
    unknown = [name for name in settings.ATTACHMENT_TYPES if name not in FILE_TYPES]
    if unknown:
        raise ImproperlyConfigured(f"ATTACHMENT_TYPES has unknown types {unknown}; known are {', '.join(FILE_TYPES)}.")
    return {ext: FILE_TYPES[name] for name in settings.ATTACHMENT_TYPES for ext in FILE_TYPES[name].extensions}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: its shown name, its type and its size."""

    file: File
    name: str
    type: FileType
    size: int


def check_files(files: Sequence[File]) -> list[CheckedFile]:
    """Check every file against the limits (count, size, type by name and by content) and return them checked.

    Raises ``ValidationError`` with one message per refused file, naming it; the files are left rewound.
    """
    errors: list[str] = []
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        errors.append(_("Attach at most %(count)s files to one entry.") % {"count": settings.ATTACHMENT_MAX_FILES})
    accepted = accepted_file_types()
    checked = []
    for upload in files:
        name = _shown_name(upload.name or "")
        problem = None
        file_type = accepted.get(PurePath(name).suffix.lower())
        size = upload.size or 0
        if file_type is None:
            problem = _("%(name)s: files of this kind are not accepted. Accepted are %(types)s.") % {
                "name": name,
                "types": get_text_list(sorted(accepted), _("and")),
            }
        elif size > settings.ATTACHMENT_MAX_BYTES:
            problem = _("%(name)s is %(size)s; a file may be at most %(max)s.") % {
                "name": name,
                "size": filesizeformat(size),
                "max": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            }
        elif size == 0:
            problem = _("%(name)s is empty.") % {"name": name}
        elif not _content_matches(upload, file_type):
            problem = _("%(name)s is not a %(type)s: its content does not match its name.") % {
                "name": name,
                "type": file_type.label,
            }
        if problem:
            errors.append(problem)
        else:
            checked.append(CheckedFile(file=upload, name=name, type=file_type, size=size))
    if errors:
        raise ValidationError(errors, code="files")
    return checked


def _shown_name(raw: str) -> str:
    """The name as the uploader called it, without folders or control characters, at most 200 characters."""
    name = PurePath(raw.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if name in {"", ".", ".."}:
        name = "attachment"
    if len(name) > 200:
        suffix = PurePath(name).suffix[:20]
        name = name[: 200 - len(suffix)] + suffix
    return name


def _content_matches(upload: File, file_type: FileType) -> bool:
    upload.seek(0)
    try:
        if file_type.text:
            decoder = codecs.getincrementaldecoder("utf-8")()
            for chunk in upload.chunks():
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return True
        return file_type.head is not None and file_type.head(upload.read(HEAD_BYTES))
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)


# --- who may write ------------------------------------------------------------------------------------


def ensure_may_write(incident: Incident, user: Any) -> None:
    """Raise ``PermissionDenied`` with the reason for anyone who may not write in the incident's journal: all
    but the desk and the assigned group's members (``may_handle``, which the page's forms follow too)."""
    if may_handle(incident, user):
        return
    if incident.assigned_group_id is None:
        message = _("Only the service desk writes in the journal of %(number)s; managers and support groups read it.")
    else:
        message = _(
            "Only the service desk and members of %(group)s, the assigned group, write in the journal of "
            "%(number)s; managers and other groups read it."
        )
    raise PermissionDenied(message % {"number": incident.number, "group": getattr(incident.assigned_group, "name", "")})


# --- the services -------------------------------------------------------------------------------------


@transaction.atomic
def incident_add_note(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    text: str,
    minutes_spent: int = 0,
    files: Sequence[File] = (),
) -> Activity:
    """Write an internal work note on an incident, with the time spent and files attached.

    Changes nothing on the incident itself (no version bump). Raises ``PermissionDenied`` for anyone but
    the desk and the assigned group's members, ``ValidationError`` for a closed incident, an empty text,
    time off the scale or a refused file (``files``: one message per file); nothing is written or stored
    then. Sends nothing.
    """
    incident = _lock(incident_id, None)
    ensure_may_write(incident, by)
    _ensure_journal_open(incident)
    errors = _entry_errors(text, minutes_spent)
    checked: list[CheckedFile] = []
    try:
        checked = check_files(files)
    except ValidationError as error:
        errors["files"] = error.messages
    raise_if(errors)

    entry = Activity.objects.create(
        incident=incident,
        kind=ActivityKind.NOTE,
        visibility=Visibility.INTERNAL,
        author=by,
        text=text.strip(),
        minutes_spent=minutes_spent,
    )
    _store(entry, checked)
    return entry


@transaction.atomic
def incident_send_update(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    text: str,
    minutes_spent: int = 0,
    to_subordinates: bool = False,
) -> list[Activity]:
    """Send the caller a customer update by e-mail and journal it as a customer-visible entry.

    With ``to_subordinates`` the same text also goes to the callers of the incident's open subordinates,
    each journaled on its own subordinate. Returns the entries written, this incident's first; each
    entry's ``data`` holds the ``recipients`` and the ``subject``. Raises ``PermissionDenied`` for anyone
    but the desk and the assigned group's members, ``ValidationError`` for a closed incident, an empty
    text, time off the scale, a caller without an e-mail address or no open subordinate to send to.
    Sends one mail per incident after the commit.
    """
    if to_subordinates:
        incident, subordinates = _lock_with_subordinates(incident_id, None)
    else:
        incident, subordinates = _lock(incident_id, None), []
    ensure_may_write(incident, by)
    _ensure_journal_open(incident)
    callers = Contact.objects.in_bulk([incident.caller_id, *(sub.caller_id for sub in subordinates)])
    caller = callers[incident.caller_id]
    errors = _entry_errors(text, minutes_spent)
    if not caller.email:
        errors["__all__"] = [
            _("%(name)s, the caller, has no e-mail address: phone them and write a work note instead.")
            % {"name": caller.full_name}
        ]
    if to_subordinates and not subordinates:
        errors["to_subordinates"] = [_("%(number)s has no open subordinates.") % {"number": incident.number}]
    raise_if(errors)

    text = text.strip()
    update = partial(_write_customer_entry, kind=ActivityKind.CUSTOMER_UPDATE, what=_("Update"), by=by, text=text)
    entries = [
        update(
            incident,
            caller=caller,
            minutes_spent=minutes_spent,
            data={"subordinates": [sub.number for sub in subordinates]} if subordinates else {},
        )
    ]
    entries += [
        update(subordinate, caller=callers[subordinate.caller_id], minutes_spent=0, data={"master": incident.number})
        for subordinate in subordinates
    ]
    return entries


@transaction.atomic
def incident_provide_workaround(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    workaround: str,
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Activity:
    """Record a workaround on an open incident (``Incident.workaround``) and mail it to the caller.

    Bumps the version; the customer-visible journal entry holds the old and new workaround in ``data``
    with the recipients. Raises ``StaleIncident`` when the incident changed since ``expected_version``,
    ``PermissionDenied`` for anyone but the desk and the assigned group's members, ``ValidationError``
    for an incident that is not open, an empty or unchanged workaround or time off the scale. Mails the
    caller after the commit when they have an address (the entry says when they have none).
    """
    incident = _lock(incident_id, expected_version)
    ensure_may_write(incident, by)
    if incident.state not in OPEN_STATES:
        raise ValidationError(
            _("%(number)s is %(state)s: a workaround is for an open incident.")
            % {"number": incident.number, "state": str(State(incident.state).label).lower()},
            code="state",
        )
    workaround = workaround.strip()
    errors: dict[str, list[str]] = {}
    if not workaround:
        errors["workaround"] = [_("Describe the workaround: what the caller can do until the fault is fixed.")]
    elif len(workaround) > MAX_TEXT:
        errors["workaround"] = [_("Keep the workaround under %(max)s characters.") % {"max": MAX_TEXT}]
    elif workaround == incident.workaround:
        errors["workaround"] = [_("This is already the workaround of %(number)s.") % {"number": incident.number}]
    check_minutes(errors, minutes_spent)
    raise_if(errors)

    before = incident.workaround
    incident.workaround = workaround
    incident.version += 1
    incident.save(update_fields=["workaround", "version", "updated_at"])
    return _write_customer_entry(
        incident,
        kind=ActivityKind.WORKAROUND,
        what=_("Workaround"),
        by=by,
        caller=Contact.objects.get(pk=incident.caller_id),
        text=workaround,
        minutes_spent=minutes_spent,
        data={"workaround": [before, workaround]},
        incident_version=incident.version,
    )


# --- helpers ------------------------------------------------------------------------------------------


def _ensure_journal_open(incident: Incident) -> None:
    if incident.state == State.CLOSED:
        raise ValidationError(
            _("%(number)s is closed and its journal complete; if the fault is back, record a new call.")
            % {"number": incident.number},
            code="closed",
        )


def _entry_errors(text: str, minutes_spent: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Write the text of the entry.")]
    elif len(text.strip()) > MAX_TEXT:
        errors["text"] = [_("Keep the entry under %(max)s characters.") % {"max": MAX_TEXT}]
    check_minutes(errors, minutes_spent)
    return errors


def _write_customer_entry(
    incident: Incident,
    *,
    kind: ActivityKind,
    what: str,
    by: AbstractBaseUser,
    caller: Contact,
    text: str,
    minutes_spent: int,
    data: dict[str, Any],
    incident_version: int | None = None,
) -> Activity:
    """A customer-visible entry, its ``recipients`` and ``subject`` in ``data``, and, when the caller has an
    address, its mail in the outbox (template ``journal_<kind>``)."""
    subject = notifications.subject_for(incident, what)
    recipients = [caller.email] if caller.email else []
    entry = Activity.objects.create(
        incident=incident,
        kind=kind,
        visibility=Visibility.CUSTOMER,
        author=by,
        text=text,
        minutes_spent=minutes_spent,
        data={**data, "recipients": recipients, "subject": subject},
        incident_version=incident_version,
    )
    if recipients:
        notifications.write_mails(
            incident,
            notifications.mails(
                kind=kind.value,
                recipients=recipients,
                subject=subject,
                template=f"journal_{kind.value}",
                context={"incident": incident, "caller": caller, "text": text},
            ),
        )
    return entry


def _store(entry: Activity, files: list[CheckedFile]) -> None:
    stored: list[str] = []
    try:
        for checked in files:
            attachment = Attachment(
                activity=entry, name=checked.name, content_type=checked.type.content_type, size=checked.size
            )
            attachment.file.save(_storage_name(checked.name), checked.file, save=False)
            stored.append(attachment.file.name)
            attachment.save()
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise


def _storage_name(name: str) -> str:
    """A plain name for the storage (the shown name, with its odd characters, stays on the row)."""
    path = PurePath(name)
    return f"{slugify(path.stem)[:80] or 'file'}{path.suffix.lower()}"
