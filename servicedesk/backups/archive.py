"""The backup archive: a tar of ``database.dump``, ``media/…`` and ``manifest.json``, in that order.

Not compressed: the custom-format dump is compressed already, and attachments mostly are (images, PDFs, zips);
a plain tar is also quick to read to its end, which a restore does before it touches anything. Files are
streamed in and out in blocks and hashed on the way, never held whole in memory.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from servicedesk.backups import manifest as manifests

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
BLOCK = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be used: damaged, cut short, or not a backup of this portal."""


class HashingReader:
    """A file's reader that hashes and counts what passes through it."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


class ArchiveWriter:
    """Writes an archive beside its destination and renames it into place only when it is whole.

    The file is created readable by its owner alone: it holds everything the desk knows about people.
    """

    def __init__(self, destination: Path) -> None:
        self.destination = destination

    def __enter__(self) -> ArchiveWriter:
        # mkstemp creates the file with mode 0600 whatever the umask.
        descriptor, name = tempfile.mkstemp(dir=self.destination.parent, prefix=f".{self.destination.name}.")
        self.partial = Path(name)
        self.file = os.fdopen(descriptor, "wb")
        self.tar = tarfile.open(fileobj=self.file, mode="w", format=tarfile.PAX_FORMAT)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self.tar.close()
                self.file.flush()
                os.fsync(self.file.fileno())
        finally:
            self.file.close()
            if kind is None:
                self.partial.replace(self.destination)
                sync_folder(self.destination.parent)
            else:
                self.partial.unlink(missing_ok=True)

    def add_file(self, source: Path, name: str) -> dict[str, Any]:
        """Add a file under ``name``; return its size and SHA-256 as read."""
        info = self.tar.gettarinfo(str(source), arcname=name)
        info.mode &= 0o700
        with source.open("rb") as file:
            reader = HashingReader(file)
            self.tar.addfile(info, reader)  # type: ignore[arg-type]
        return {"size": reader.size, "sha256": reader.sha256.hexdigest()}

    def add_folder(self, root: Path) -> tuple[list[dict[str, Any]], list[str]]:
        """Add a folder's sub-folders and files under ``media/``: the files' entries, and what was skipped.

        Symbolic links and special files are skipped: a restore would refuse them anyway.
        """
        files, skipped = [], []
        for path in walk(root):
            relative = path.relative_to(root).as_posix()
            name = f"{MEDIA}/{relative}"
            if path.is_symlink() or not (path.is_dir() or path.is_file()):
                skipped.append(relative)
            elif path.is_dir():
                self.tar.addfile(self.tar.gettarinfo(str(path), arcname=name))
            else:
                files.append({"path": relative, **self.add_file(path, name)})
        return files, skipped

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o600
        info.mtime = int(time.time())
        self.tar.addfile(info, _BytesReader(data))  # type: ignore[arg-type]


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.position + size
        chunk, self.position = self.data[self.position : end], min(end, len(self.data))
        return chunk


def walk(root: Path) -> Iterator[Path]:
    """Every entry under ``root``, folders before what they hold, in a stable order; links are not followed."""
    if not root.is_dir():
        return
    for folder, folders, names in os.walk(root):
        folders.sort()
        base = Path(folder)
        for name in folders:
            yield base / name
        for name in sorted(names):
            yield base / name


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def check(path: Path, media_root: Path) -> dict[str, Any]:
    """Read the whole archive once and return its manifest, if every member is whole and as the manifest says.

    Raises ``ArchiveError`` for a damaged or cut-short archive, a member the manifest does not describe or one
    that would land outside ``media_root``; ``ManifestError`` for a missing or foreign manifest.
    """
    digests: dict[str, tuple[int, str]] = {}
    raw = None
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if member.name == MANIFEST and member.isfile():
                    raw = _read(tar, member).read()
                elif member.name == DUMP and member.isfile():
                    digests[DUMP] = _digest(tar, member)
                elif member.name.startswith(f"{MEDIA}/"):
                    tarfile.data_filter(_in_media(member), str(media_root))
                    if member.isfile():
                        digests[member.name] = _digest(tar, member)
                    elif not member.isdir():
                        raise ArchiveError(f"The archive's {member.name} is neither a file nor a folder.")
                else:
                    raise ArchiveError(f"The archive holds {member.name!r}, which no backup of the portal holds.")
    except tarfile.FilterError as error:
        raise ArchiveError(f"The archive holds a file that would be written outside MEDIA_ROOT: {error}") from error
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ArchiveError(
            f"{path} cannot be read to its end ({error}): it is damaged, cut short or no tar."
        ) from error
    if raw is None:
        raise manifests.ManifestError(f"{path} has no {MANIFEST}: it is cut short, or not a backup of the portal.")
    manifest = manifests.read(raw)
    expected = {DUMP: manifest["database"]} | {f"{MEDIA}/{file['path']}": file for file in manifest["files"]}
    for name, entry in expected.items():
        if digests.pop(name, None) != (entry["size"], entry["sha256"]):
            raise ArchiveError(f"The archive's {name} is missing or differs from its checksum in the manifest.")
    if digests:
        raise ArchiveError(f"The archive holds files its manifest does not list: {', '.join(sorted(digests)[:5])}.")
    return manifest


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    file = tar.extractfile(member)
    if file is None:
        raise ArchiveError(f"The archive's {member.name} cannot be read.")
    return file


def _digest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[int, str]:
    reader = HashingReader(_read(tar, member))
    while reader.read(BLOCK):
        pass
    return reader.size, reader.sha256.hexdigest()


def _in_media(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """The member as it is written under MEDIA_ROOT: its name without the leading ``media/``."""
    return member.replace(name=member.name.removeprefix(f"{MEDIA}/"), deep=False)


def extract_dump(path: Path, into: Path) -> None:
    """Copy the archive's dump to ``into``, a file its owner alone can read."""
    with tarfile.open(path, "r:*") as tar:
        source = _read(tar, tar.getmember(DUMP))
        descriptor = os.open(into, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            while chunk := source.read(BLOCK):
                target.write(chunk)


def extract_media(path: Path, media_root: Path) -> None:
    """Write the archive's files under ``media_root`` (over files of the same name), nowhere else.

    tarfile's ``data`` filter refuses absolute names, ``..``, links and special files, and drops the owner.
    """
    media_root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tarfile.open(path, "r:*") as tar:
        members = [member for member in tar.getmembers() if member.name.startswith(f"{MEDIA}/")]
        tar.extractall(media_root, members=members, filter=_into_media)  # noqa: S202 (the data filter)


def _into_media(member: tarfile.TarInfo, where: str) -> tarfile.TarInfo | None:
    return tarfile.data_filter(_in_media(member), where)
