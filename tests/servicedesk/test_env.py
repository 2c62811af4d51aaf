"""Settings read from the environment: e-mail URLs and yes/no values, with clear errors for bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from servicedesk.env import desk_language, env_bool, env_list, lockout_parameters, mailers


def test_smtp_url_with_starttls_and_encoded_credentials():
    mailer = mailers("smtp://desk%40example.org:p%40ss@mail.example.org:587?tls=1&timeout=10")["default"]

    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] == {
        "host": "mail.example.org",
        "port": 587,
        "username": "desk@example.org",
        "password": "p@ss",
        "use_ssl": False,
        "use_tls": True,
        "timeout": 10,
    }


def test_smtps_url_uses_tls_from_the_start_on_port_465_by_default():
    options = mailers("smtps://relay.example.org")["default"]["OPTIONS"]

    assert (options["port"], options["use_ssl"], options["use_tls"]) == (465, True, False)


def test_file_url_writes_one_file_per_message_in_that_folder():
    mailer = mailers("file:///srv/desk/mail")["default"]

    assert mailer == {
        "BACKEND": "servicedesk.mail.OneFilePerMessageBackend",
        "OPTIONS": {"file_path": "/srv/desk/mail"},
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("imap://mail.example.org", "is not one of smtp, smtps, console, file"),
        ("smtp://", "needs a host"),
        ("smtp://mail.example.org?timeout=soon", "is not a number of seconds"),
    ],
)
def test_bad_email_url_is_refused_with_a_clear_message(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        mailers(url)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("Yes", True), ("off", False), ("", False)])
def test_yes_no_values(monkeypatch, raw, expected):
    monkeypatch.setenv("DEBUG", raw)

    assert env_bool("DEBUG") is expected


def test_a_yes_no_typo_is_an_error_not_a_silent_false(monkeypatch):
    monkeypatch.setenv("DEBUG", "ture")

    with pytest.raises(ImproperlyConfigured, match="DEBUG='ture' is not a yes/no value"):
        env_bool("DEBUG")


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " desk.example.org, ,localhost ")

    assert env_list("ALLOWED_HOSTS", []) == ["desk.example.org", "localhost"]


@pytest.mark.parametrize(
    ("raw", "parameters"),
    [
        ("username,ip_address", [["username"], ["ip_address"]]),
        ("username+ip_address", [["username", "ip_address"]]),
        (" username + ip_address , username ", [["username", "ip_address"], ["username"]]),
    ],
)
def test_lockout_parameters_separate_with_a_comma_and_join_with_a_plus(raw, parameters):
    assert lockout_parameters(raw) == parameters


@pytest.mark.parametrize("raw", ["", "user", "username+password"])
def test_lockout_parameters_refuse_what_axes_cannot_count(raw):
    with pytest.raises(ImproperlyConfigured, match="SIGN_IN_LOCKOUT_BY"):
        lockout_parameters(raw)


@pytest.mark.parametrize(
    ("raw", "language"),
    [("nl", "nl"), ("en_GB", "en"), ("", "en"), ("de_DE:nl_NL:en", "nl"), ("de_DE:fr", "en"), ("de", "de")],
)
def test_the_desks_language_reads_gettexts_list_as_its_first_offered_language(raw, language):
    # A single language is taken as given: one the portal does not offer ("de") then stops manage.py check.
    assert desk_language(raw, [("en", "English"), ("nl", "Nederlands")]) == language
