"""Behind a reverse proxy that terminates TLS: https from the proxy's header, and probes that are not redirected."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
names = ["SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_REDIRECT_EXEMPT"]
print(json.dumps({name: getattr(s, name, None) for name in names}))
"""


def settings_with(env: dict[str, str]) -> dict[str, object]:
    unset = {"BEHIND_TLS_PROXY", "SITE_URL", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"}
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=django_settings.BASE_DIR,
        env={**environment, "DATABASE_URL": django_settings.DATABASE_URL, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_an_https_site_behind_a_tls_proxy_trusts_its_header_and_secures_cookies_and_origins():
    values = settings_with({"BEHIND_TLS_PROXY": "1", "SITE_URL": "https://desk.example.org/"})

    assert "^health/" in values.pop("SECURE_REDIRECT_EXEMPT")
    assert values == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://desk.example.org"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
    }


def test_without_a_proxy_the_forwarded_header_is_not_trusted():
    assert settings_with({"SITE_URL": "https://desk.example.org"})["SECURE_PROXY_SSL_HEADER"] is None


@pytest.fixture
def behind_proxy(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.django_db
@pytest.mark.parametrize("probe", ["/health/", "/health/live", "/health/ready"])
def test_a_load_balancer_probing_over_plain_http_is_not_redirected(client, behind_proxy, probe):
    assert client.get(probe).status_code in {200, 503}


@pytest.mark.django_db
def test_pages_reached_over_plain_http_are_redirected_unless_the_proxy_says_https(client, behind_proxy):
    plain = client.get("/accounts/login/")
    through_the_proxy = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})

    assert (plain.status_code, plain["Location"]) == (301, "https://testserver/accounts/login/")
    assert through_the_proxy.status_code == 200
