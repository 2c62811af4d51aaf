"""Production settings pass Django's deployment checklist; the defaults stay safe."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

ROOT = settings.BASE_DIR


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests allow ORM calls from an event loop; production never does, and the check says so.
    unset = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "SITE_URL", "SECRET_KEY", "ALLOWED_HOSTS"}
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**environment, "DATABASE_URL": settings.DATABASE_URL, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = _check(
        {
            "SECRET_KEY": "k3y-" + "x9Qv7LmZp2RtW8yBn4Hs6Jd1Fc5Gk0Ae3Ui" * 2,
            "SITE_URL": "https://desk.example.org",
            "ALLOWED_HOSTS": "desk.example.org",
            "DEBUG": "0",
        }
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_served_over_plain_http():
    result = _check({"SITE_URL": "http://desk.example.org", "ALLOWED_HOSTS": "desk.example.org"})

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_defaults_keep_debug_off_and_only_ask_for_tls():
    result = _check({})

    output = result.stdout + result.stderr
    assert "security.W018" not in output  # DEBUG
    assert "security.W009" not in output  # SECRET_KEY: the checkout's own random key
    assert "security.W008" in output  # plain http on a laptop is allowed, and reported
