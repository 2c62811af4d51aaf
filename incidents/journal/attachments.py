"""Files attached to work notes: the kinds accepted, each checked from its content before anything is stored
(decision record 0010), and their storage."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_text_list, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Activity, Attachment

HEAD_BYTES = 16


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


def store_files(entry: Activity, files: list[CheckedFile]) -> None:
    """Write the checked files to the storage, each with its row on the entry, inside the entry's transaction.

    Files are written before the rows that point to them; if a write fails here, the files already written
    are deleted again (storage is not transactional: a later rollback can leave an unreferenced file, never
    a row without its file)."""
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


# Raster images open in the browser; every other kind downloads.
INLINE_TYPES = frozenset(file_type.content_type for file_type in FILE_TYPES.values() if file_type.inline)


def file_response(attachment: Attachment) -> FileResponse:
    """The file, for the page and the API alike (each checks the reader first): the type checked at upload, which
    the browser is told not to second-guess, in a sandbox, never cached for others. ``Http404`` when the storage
    has lost it."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing from the storage.")) from error
    response = FileResponse(
        handle,
        as_attachment=attachment.content_type not in INLINE_TYPES,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response
