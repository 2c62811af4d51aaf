"""A real IMAP server for the tests of mail in: Debian's dovecot, run as an instance of its own from a temporary
folder (its configuration, sockets, Maildir and log), on 127.0.0.1 at free ports, plain and TLS.

Dovecot refuses root for the processes that read mail ("userdb returned 0 as uid", hard-coded) and for the
login processes ("must not be run as root"). Run as root (as CI runs), the instance is therefore started as the
unprivileged ``dovecot`` user that Debian's package creates, and every process of it runs as that one user;
run as anyone else, as that user. Either way nothing needs root and nothing is chrooted.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

DOVECOT = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
USER = "desk@example.org"
PASSWORD = 'Pa ss@/"w%rd'  # needs percent-encoding in a URL and quoting in IMAP

CONFIG = """\
instance_name = servicedesk-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_verbose = yes
# A refused login (a test of it) must not slow the next ones down: no delay, and no penalty for the address
# (see service anvil below).
auth_failure_delay = 0
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service imap-urlauth-login {{
  chroot =
}}
service anvil {{
  chroot =
  # Auth finds no penalty socket under its usual name, so it keeps no penalties (dovecot 2.3 has no setting for it).
  unix_listener anvil-auth-penalty {{
    path = anvil-auth-penalty-off
  }}
}}
"""


@dataclass
class Dovecot:
    """The running instance, and what the tests do to it over IMAP (as a mail client would)."""

    root: Path
    port: int
    tls_port: int
    process: subprocess.Popen[bytes]
    host: str = "127.0.0.1"

    @property
    def cafile(self) -> str:
        return str(self.root / "cert.pem")

    @property
    def log(self) -> str:
        return (self.root / "dovecot.log").read_text(errors="replace")

    def url(self, scheme: str = "imap", *, port: int | None = None, path: str = "", query: str = "starttls=no") -> str:
        credentials = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"
        port = port or (self.tls_port if scheme == "imaps" else self.port)
        return f"{scheme}://{credentials}@{self.host}:{port}/{path}" + (f"?{query}" if query else "")

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> tuple[str, str]:
        """Put a message into a folder; its UIDVALIDITY and UID."""
        client = self.client()
        try:
            typ, data = client.append(f'"{folder}"', None, None, raw)
        finally:
            client.logout()
        assert typ == "OK", data
        uidvalidity, uid = re.search(rb"APPENDUID (\d+) (\d+)", data[-1]).groups()
        return uidvalidity.decode(), uid.decode()

    def messages(self, folder: str = "INBOX") -> dict[str, tuple[set[str], bytes]]:
        """UID → (flags, bytes) of every message in a folder, read without marking anything seen."""
        client = self.client()
        try:
            typ, _data = client.select(f'"{folder}"', readonly=True)
            assert typ == "OK", folder
            _typ, data = client.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
        finally:
            client.logout()
        found = {}
        for item in data:
            if isinstance(item, tuple):
                uid = re.search(rb"UID (\d+)", item[0]).group(1).decode()
                flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split())
                found[uid] = (flags, item[1])
        return found

    def folders(self) -> set[str]:
        client = self.client()
        try:
            _typ, data = client.list()
        finally:
            client.logout()
        return {item.decode().rsplit(' "." ', 1)[1].strip('"') for item in data if item}

    def subscribed(self) -> set[str]:
        client = self.client()
        try:
            _typ, data = client.lsub()
        finally:
            client.logout()
        return {item.decode().rsplit(' "." ', 1)[1].strip('"') for item in data if item}

    def empty(self) -> None:
        """Every folder but INBOX deleted, INBOX emptied."""
        client = self.client()
        try:
            for folder in self.folders() - {"INBOX"}:
                client.unsubscribe(f'"{folder}"')
                client.delete(f'"{folder}"')
            client.select("INBOX")
            client.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
            client.expunge()
        finally:
            client.logout()


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    """One dovecot for the session, with the user ``USER`` and a certificate of its own."""
    if DOVECOT is None:
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd (CI does)")
    account = _account()
    root = Path(tempfile.mkdtemp(prefix="sd-dovecot-"))
    try:
        port, tls_port = free_port(), free_port()
        _certificate(root)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (root / "home").mkdir()
        user, group = account.pw_name, grp.getgrgid(account.pw_gid).gr_name
        config = CONFIG.format(root=root, port=port, tls_port=tls_port, user=user, group=group, uid=account.pw_uid,
                               gid=account.pw_gid)  # fmt: skip
        (root / "dovecot.conf").write_text(config)
        for path in [root, *root.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)
        with (root / "stderr.log").open("wb") as stderr:
            process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.DEVNULL, stderr=stderr,
                **_as(account),
            )  # fmt: skip
        server = Dovecot(root=root, port=port, tls_port=tls_port, process=process)
        try:
            _wait_for_greeting(server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Dovecot:
    """The session's dovecot with an empty INBOX and no other folder."""
    dovecot_server.empty()
    return dovecot_server


def _account() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam("dovecot")
    except KeyError:
        pytest.skip("running as root, and there is no 'dovecot' user to run dovecot as (Debian's dovecot-core has it)")


def _as(account: pwd.struct_passwd) -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _certificate(root: Path) -> None:
    """A self-signed certificate for 127.0.0.1, its own CA (``cert.pem``), and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make the test server's certificate (dovecot-core's dependencies bring it)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip


def _wait_for_greeting(server: Dovecot, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as connection:
                if connection.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    stderr = (server.root / "stderr.log").read_text(errors="replace")
    log = (server.root / "dovecot.log").read_text(errors="replace") if (server.root / "dovecot.log").exists() else ""
    raise RuntimeError(f"dovecot did not start (exit {server.process.poll()}):\n{stderr}\n{log}")
