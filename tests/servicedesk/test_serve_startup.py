"""What ``serve`` decides before it starts anything: the port check, its children's commands and environment,
and what it prints once the portal is ready. The slow tests in test_serve.py run the real processes."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from servicedesk.management.commands import serve


def a_port_just_closed_with_a_connection_in_time_wait() -> int:
    """A server that answered one connection and stopped, as ``serve`` leaves its port when it is stopped."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            connection, _ = listener.accept()
            connection.close()  # the server closes first: its end waits in TIME-WAIT for about 60 s
            client.recv(1)
    return port


def test_a_port_whose_server_just_stopped_is_free_for_a_restart():
    port = a_port_just_closed_with_a_connection_in_time_wait()

    serve.ensure_port_free("127.0.0.1", port)  # no CommandError: gunicorn would bind it


def test_a_port_something_listens_on_is_refused():
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        with pytest.raises(CommandError, match=f"Port {port} on 127.0.0.1 is already in use"):
            serve.ensure_port_free("127.0.0.1", port)


def test_gunicorns_control_socket_is_kept_in_the_checkouts_var_folder(tmp_path: Path):
    web = serve.child_commands("127.0.0.1", 8000, 2, var_dir=tmp_path / "var")["web server"]

    assert web[web.index("--control-socket") + 1] == str(tmp_path / "var" / "gunicorn.ctl")


def test_a_var_folder_too_deep_for_a_unix_socket_gets_no_control_socket_rather_than_a_shared_one(tmp_path: Path):
    deep = tmp_path / ("d" * 120) / "var"

    web = serve.child_commands("127.0.0.1", 8000, 2, var_dir=deep)["web server"]

    assert "--no-control-socket" in web
    assert "--control-socket" not in web


@pytest.mark.parametrize(
    ("host", "port", "site_url"),
    [
        ("127.0.0.1", 8791, "http://127.0.0.1:8791"),
        ("localhost", 8000, "http://localhost:8000"),
        ("0.0.0.0", 9000, "http://localhost:9000"),  # noqa: S104
        ("::", 9000, "http://localhost:9000"),
        ("::1", 8080, "http://[::1]:8080"),
    ],
)
def test_the_site_url_follows_host_and_port(host: str, port: int, site_url: str):
    assert serve.derived_site_url(host, port) == site_url


def test_web_worker_and_beat_all_get_the_derived_site_url(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SITE_URL", raising=False)

    env = serve.child_environment(site_url=serve.site_url_for("127.0.0.1", 8791))

    assert env["SITE_URL"] == "http://127.0.0.1:8791"


def test_a_site_url_set_in_the_environment_wins_over_host_and_port(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SITE_URL", "https://desk.example.org")

    assert serve.site_url_for("127.0.0.1", 8791) == "https://desk.example.org"


def test_children_log_only_warnings_and_errors_without_banners_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    monkeypatch.delenv("SECURITY_LOG_LEVEL", raising=False)

    commands = serve.child_commands("127.0.0.1", 8000, 2, var_dir=tmp_path, verbose=False)
    env = serve.child_environment(site_url="http://127.0.0.1:8000", verbose=False)

    web, worker, beat = commands["web server"], commands["Celery worker"], commands["Celery beat"]
    assert web[web.index("--log-level") + 1] == "warning"
    assert "--access-logfile" not in web
    for celery in (worker, beat):
        assert "--quiet" in celery
        assert celery[celery.index("--loglevel") + 1] == "WARNING"
    assert env["LOG_LEVEL"] == "WARNING"
    # Failed sign-ins and lockouts still show; each sign-in does not.
    assert env["SECURITY_LOG_LEVEL"] == "WARNING"


def test_verbosity_2_shows_the_childrens_info_lines_and_the_access_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LOG_LEVEL", raising=False)

    commands = serve.child_commands("127.0.0.1", 8000, 2, var_dir=tmp_path, verbose=True)
    env = serve.child_environment(site_url="http://127.0.0.1:8000", verbose=True)

    web, worker = commands["web server"], commands["Celery worker"]
    assert web[web.index("--log-level") + 1] == "info"
    assert "--access-logfile" in web
    assert "--quiet" not in worker
    assert worker[worker.index("--loglevel") + 1] == "INFO"
    assert env["LOG_LEVEL"] == "INFO"


def test_the_ready_lines_give_the_address_the_accounts_the_mail_and_how_to_stop():
    lines = serve.ready_lines(
        "http://127.0.0.1:8791/",
        accounts=["operator", "support", "manager", "admin"],
        mail="files in /srv/desk/var/mail/",
        site_url="http://127.0.0.1:8791",
    )

    assert lines == [
        "The service desk is ready at http://127.0.0.1:8791/",
        "  Sign in as operator, support, manager or admin, password 'demo'.",
        "  Mail: files in /srv/desk/var/mail/, with links to http://127.0.0.1:8791",
        f"  Stop: Ctrl-C (or SIGTERM to process {os.getpid()})",
    ]


def test_without_the_demo_the_ready_lines_name_no_account():
    lines = serve.ready_lines("http://127.0.0.1:8000/", accounts=[], mail="x", site_url="http://127.0.0.1:8000")

    assert not any("Sign in" in line for line in lines)


def test_mail_goes_to_the_folder_or_the_server_never_showing_the_password():
    folder = {"default": {"BACKEND": "servicedesk.mail.OneFilePerMessageBackend", "OPTIONS": {"file_path": "/m"}}}
    smtp = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "mail.example.org", "port": 587, "username": "desk", "password": "s3cret"},
        }
    }
    console = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

    assert serve.mail_destination(folder) == "files in /m/"
    assert serve.mail_destination(smtp) == "sent through mail.example.org:587"
    assert serve.mail_destination(console) == "printed by the web server and the worker"
