"""The manifest of a backup: what it holds and the schema it was taken at, and how that compares with the code."""

from __future__ import annotations

import json
import subprocess
import tomllib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.migrations.loader import MigrationLoader

FORMAT = 1


class ManifestError(Exception):
    """The manifest is missing, unreadable or of a format this code does not read."""


def code_version() -> dict[str, str]:
    """The project's version and, in a git checkout, its commit (an image built without .git has none)."""
    version = {"version": ""}
    try:
        with (settings.BASE_DIR / "pyproject.toml").open("rb") as file:
            version["version"] = tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],  # noqa: S607 (git from the PATH)
            cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = ""
    if commit:
        version["commit"] = commit
    return version


def last_migrations(applied: dict[str, list[str]]) -> dict[str, str]:
    return {app: names[-1] for app, names in sorted(applied.items()) if names}


@dataclass(frozen=True)
class SchemaComparison:
    """A backup's migrations against the code's: what only the backup has, and what only the code has."""

    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def code_is_newer(self) -> bool:
        return bool(self.missing) and not self.unknown


def compare_schema(applied: dict[str, list[str]]) -> SchemaComparison:
    """Compare the migrations applied in a backup with the migrations of this code."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.graph.nodes)
    replaced = {old for migration in loader.replacements.values() for old in migration.replaces}
    in_backup = {(app, name) for app, names in applied.items() for name in names}
    # A backup with every migration that a squashed one replaces has the squashed one, as Django's loader decides.
    in_backup |= {key for key, migration in loader.replacements.items() if set(migration.replaces) <= in_backup}
    unknown = sorted(f"{app}.{name}" for app, name in in_backup - known if (app, name) not in replaced)
    missing = sorted(f"{app}.{name}" for app, name in known - in_backup)
    return SchemaComparison(unknown=unknown, missing=missing)


def read(raw: bytes) -> dict[str, Any]:
    """The manifest from its JSON, with the keys a restore needs; ``ManifestError`` if it is not one."""
    try:
        manifest = json.loads(raw)
    except ValueError as error:
        raise ManifestError(f"The manifest is not readable JSON: {error}.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ManifestError(f"The manifest is not of format {FORMAT}, the one this code reads.")
    for key in ("database", "files", "tables", "migrations"):
        if key not in manifest:
            raise ManifestError(f"The manifest has no {key!r}.")
    return manifest
