"""docker-compose.yml and the Dockerfile, checked without a Docker engine: the file as Compose reads it (when
Compose is installed) and what the deployment relies on (always)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = {"migrate", "web", "worker", "beat"}
SERVER_PORTS = {"5432", "6379"}  # PostgreSQL, Redis


def compose_commands() -> list[list[str]]:
    """``docker compose`` (the plugin) and ``docker-compose`` (the old program), whichever answers here."""
    found = []
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        version = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=30, check=False)
        if version.returncode == 0:
            found.append(command)
    return found


@pytest.mark.parametrize("command", compose_commands() or [pytest.param(None, marks=pytest.mark.skip("no Compose"))])
def test_compose_reads_the_file(command, tmp_path):
    result = subprocess.run(
        [*command, "--file", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": shutil.which(command[0]).rsplit("/", 1)[0], "HOME": str(tmp_path), "SECRET_KEY": "x" * 50},
        check=False,
    )

    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_the_app_services_are_built_from_the_dockerfile(services):
    assert {name for name, service in services.items() if "build" in service} == APP_SERVICES


def test_every_app_service_keeps_attachments_on_the_media_volume(services):
    volumes = yaml.safe_load(COMPOSE.read_text())["volumes"]

    for name in APP_SERVICES:
        media_root = services[name]["environment"]["MEDIA_ROOT"]
        assert f"media:{media_root}" in services[name]["volumes"], name
    assert "media" in volumes
    # The image makes the mount point, owned by the app's user, so that a new volume is writable by it.
    assert re.search(rf"mkdir -p [^\n]*{media_root}", DOCKERFILE.read_text())
    assert re.search(rf"chown -R servicedesk:servicedesk [^\n]*{media_root}", DOCKERFILE.read_text())


def test_secret_key_must_be_given(services):
    for name in APP_SERVICES:
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", services[name]["environment"]["SECRET_KEY"]), name


def test_exactly_one_beat(services):
    beats = [name for name, service in services.items() if "beat" in service.get("command", [])]

    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_web_health_check_asks_an_endpoint_of_the_portal_that_needs_no_sign_in(services):
    probe = " ".join(services["web"]["healthcheck"]["test"])
    paths = re.findall(r"[\"'](/health/[\w/]*)[\"']", probe)

    assert paths == ["/health/ready"]
    for path in paths:
        view = resolve(path).func
        assert getattr(view, "login_required", True) is False


def test_worker_health_check_pings_its_own_worker(services):
    probe = " ".join(services["worker"]["healthcheck"]["test"])

    assert "celery -A servicedesk inspect ping" in probe
    assert "--destination celery@$$HOSTNAME" in probe  # $$: Compose leaves $HOSTNAME to the container's shell


def test_no_service_publishes_the_database_or_redis(services):
    for name, service in services.items():
        published = {str(port).rsplit(":", 1)[-1].split("/")[0] for port in service.get("ports", [])}
        assert not published & SERVER_PORTS, name
    assert "ports" not in services["postgres"]
    assert "ports" not in services["redis"]


def test_the_image_leaves_out_the_development_tools_and_the_embedded_postgresql():
    sync = re.search(r"uv sync [^\n\\]*", DOCKERFILE.read_text()).group(0)

    assert sync.split() == ["uv", "sync", "--frozen", "--no-dev", "--no-group", "embedded", "--no-install-project"]
