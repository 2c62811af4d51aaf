"""The embedded defaults: a secret key per checkout, the broker folders, the shared PostgreSQL's users."""

from __future__ import annotations

import json
import logging
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
