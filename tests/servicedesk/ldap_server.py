"""A real OpenLDAP server for the tests: slapd with a generated slapd.conf, an mdb database in a temporary folder, on a
free port of 127.0.0.1, loaded with people and groups; stopped and removed after."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import ldap
import ldap.modlist

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
BASE = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "root-secret"
SERVICE_DN = f"cn=servicedesk,ou=services,{BASE}"
SERVICE_PASSWORD = "service-secret"
OPERATORS = f"cn=sd-operators,ou=groups,{BASE}"
ADMINS = f"cn=sd-admins,ou=groups,{BASE}"
NETWORK = f"cn=net-ops,ou=groups,{BASE}"
EVERYONE = f"cn=everyone,ou=groups,{BASE}"


def person_dn(uid: str) -> str:
    return f"uid={uid},ou=people,{BASE}"


PEOPLE = {
    # uid: (given name, surname, password, groups)
    "nora": ("Nora", "Network", "nora-secret", [OPERATORS, NETWORK, EVERYONE]),
    "paul": ("Paul", "Plain", "paul-secret", [EVERYONE]),
}

CONFIG = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
pidfile {folder}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{root_dn}"
rootpw {root_password}
directory {folder}/data
access to attrs=userPassword by self read by anonymous auth by * none
access to * by users read by * none
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LDAPServer:
    """``with LDAPServer() as directory:`` a slapd answering at ``directory.uri`` until the block ends."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="slapd-"))
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> LDAPServer:
        (self.folder / "data").mkdir()
        config = self.folder / "slapd.conf"
        config.write_text(
            CONFIG.format(
                schema="/etc/ldap/schema",
                folder=self.folder,
                base=BASE,
                root_dn=ROOT_DN,
                root_password=ROOT_PASSWORD,
            )
        )
        # -d 0: stay in the foreground (so the test owns the process) and log nothing.
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(config), "-h", self.uri, "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait()
        self._load()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _wait(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd stopped: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("slapd did not listen within 10 s")

    def connection(self) -> Any:
        conn = ldap.initialize(self.uri)
        conn.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return conn

    def _load(self) -> None:
        conn = self.connection()
        entries: list[tuple[str, dict[str, list[str]]]] = [
            (BASE, {"objectClass": ["dcObject", "organization"], "dc": ["example"], "o": ["Example"]}),
            *(
                (f"ou={ou},{BASE}", {"objectClass": ["organizationalUnit"], "ou": [ou]})
                for ou in ("people", "groups", "services")
            ),
            (
                SERVICE_DN,
                {
                    "objectClass": ["person"],
                    "cn": ["servicedesk"],
                    "sn": ["Service desk"],
                    "userPassword": [SERVICE_PASSWORD],
                },
            ),
        ]
        for uid, (given, surname, password, _groups) in PEOPLE.items():
            entries.append((person_dn(uid), {
                "objectClass": ["inetOrgPerson"], "uid": [uid], "cn": [f"{given} {surname}"], "givenName": [given],
                "sn": [surname], "mail": [f"{uid}@example.org"], "userPassword": [password],
            }))  # fmt: skip
        for group in (OPERATORS, ADMINS, NETWORK, EVERYONE):
            members = [person_dn(uid) for uid, person in PEOPLE.items() if group in person[3]]
            # groupOfNames needs a member: the service account stands in for an empty group.
            entries.append((group, {"objectClass": ["groupOfNames"], "cn": [group.split(",")[0][3:]],
                                    "member": members or [SERVICE_DN]}))  # fmt: skip
        for dn, attributes in entries:
            encoded = {name: [value.encode() for value in values] for name, values in attributes.items()}
            conn.add_s(dn, ldap.modlist.addModlist(encoded))
        conn.unbind_s()

    def set_members(self, group: str, uids: list[str]) -> None:
        conn = self.connection()
        members = [person_dn(uid).encode() for uid in uids] or [SERVICE_DN.encode()]
        conn.modify_s(group, [(ldap.MOD_REPLACE, "member", members)])
        conn.unbind_s()


def configure(settings: Any, server: LDAPServer) -> None:
    """The portal's settings for ``server``, as the environment would give them (servicedesk/settings.py)."""
    settings.LDAP_SERVER_URI = server.uri
    settings.LDAP_ENABLED = True
    settings.LDAP_DIRECTORY_NAME = "the Example directory"
    settings.LDAP_BIND_DN = SERVICE_DN
    settings.LDAP_BIND_PASSWORD = SERVICE_PASSWORD
    settings.LDAP_USER_SEARCH_BASE = f"ou=people,{BASE}"
    settings.LDAP_USER_FILTER = "(uid=%(user)s)"
    settings.LDAP_GROUP_SEARCH_BASE = f"ou=groups,{BASE}"
    settings.LDAP_GROUP_TYPE = "groupOfNames"
    settings.LDAP_TIMEOUT = 2
    # Written as an operator would, with spaces and capitals: DNs are compared as LDAP compares them.
    settings.LDAP_ROLE_MAP = {
        "CN=sd-operators, OU=groups, DC=example, DC=org": "Service desk",
        ADMINS: "administrators",
    }
    settings.LDAP_GROUP_MAP = {NETWORK: "Network operations"}
    backends = list(settings.AUTHENTICATION_BACKENDS)
    backends.insert(1, "servicedesk.sso.directory.LDAPSignIn")
    settings.AUTHENTICATION_BACKENDS = backends
