"""Reading settings from the environment: the only place that knows variable syntax."""

from __future__ import annotations

import os
from email.utils import formataddr, getaddresses
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def desk_language(value: str, offered: list[tuple[str, str]]) -> str:
    """``LANGUAGE`` as the portal names its languages ("nl_NL" is "nl"). gettext's list form ("de_DE:nl_NL:en"),
    which some systems set for their own programs, gives its first language the portal offers, else English; a single
    value is taken as given, so that one the portal does not offer stops ``manage.py check`` rather than go
    unnoticed."""
    codes = [code.strip().replace("_", "-").lower() for code in value.split(":") if code.strip()]
    names = {code for code, _name in offered}
    found = [name for code in codes for name in (code, code.split("-")[0]) if name in names]
    if found:
        return found[0]  # "nl-nl" is the portal's "nl": it offers no regional variants
    return codes[0] if len(codes) == 1 else "en"


def env_bool(name: str, *, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value; use 1/0, true/false, yes/no or on/off.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def mailers(url: str) -> dict[str, dict[str, object]]:
    """Django's ``MAILERS`` setting from an ``EMAIL_URL``.

    ``smtp://user:password@host:587?tls=1`` (STARTTLS), ``smtps://user:password@host:465`` (TLS from the
    start), ``smtp://host:25`` (plain, for a relay on the same network), ``console://`` (print), and
    ``file:///path/to/folder`` (one file per message). User and password may be percent-encoded;
    ``?timeout=30`` sets the SMTP timeout in seconds.
    """
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "console":
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    if parts.scheme == "file":
        return {
            "default": {
                "BACKEND": "servicedesk.mail.OneFilePerMessageBackend",
                "OPTIONS": {"file_path": unquote(parts.path)},
            }
        }
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {parts.scheme!r} is not one of smtp, smtps, console, file.")
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL needs a host, for example smtp://mail.example.com:587?tls=1.")
    try:
        timeout = int(query.get("timeout", "30"))
    except ValueError as error:
        raise ImproperlyConfigured(f"EMAIL_URL timeout={query['timeout']!r} is not a number of seconds.") from error
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname,
                "port": parts.port or (465 if parts.scheme == "smtps" else 25),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": parts.scheme == "smtps",
                "use_tls": parts.scheme == "smtp" and query.get("tls", "").lower() in TRUE,
                "timeout": timeout,
            },
        }
    }


LOCKOUT_NAMES = {"username", "ip_address", "user_agent"}


def lockout_parameters(raw: str) -> list[list[str]]:
    """django-axes' ``AXES_LOCKOUT_PARAMETERS`` from ``SIGN_IN_LOCKOUT_BY``.

    A comma separates what is counted on its own, a ``+`` joins what is counted together:
    ``username,ip_address`` locks an account and, apart from it, an address; ``username+ip_address`` locks
    an account only at the address its failures came from.
    """
    groups = [[name.strip() for name in group.split("+")] for group in raw.split(",") if group.strip()]
    unknown = {name for group in groups for name in group} - LOCKOUT_NAMES
    if not groups or unknown:
        raise ImproperlyConfigured(
            f"SIGN_IN_LOCKOUT_BY={raw!r}: use username, ip_address and user_agent, joined by ',' or '+'."
        )
    return groups


def env_map(name: str) -> dict[str, str]:
    """``a=Value one,b=Value two`` as a dict; the value is the part after the last ``=``."""
    mapping = {}
    for entry in env_list(name, []):
        key, sep, value = entry.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name}: {entry!r} is not claim-value=name; separate entries with commas.")
        mapping[key.strip()] = value.strip()
    return mapping


def env_dn_map(name: str) -> dict[str, str]:
    """``DN => Value; DN => Value`` as a dict: an LDAP DN holds both ``=`` and ``,``, so entries are separated by
    ``;`` and the name follows ``=>``."""
    mapping = {}
    for entry in os.environ.get(name, "").split(";"):
        if not entry.strip():
            continue
        key, sep, value = entry.partition("=>")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(
                f"{name}: {entry.strip()!r} is not 'group DN => name'; separate entries with ';'."
            )
        mapping[key.strip()] = value.strip()
    return mapping


LOG_FORMATS = ("plain", "json")


def log_format() -> str:
    """``LOG_FORMAT``: ``plain`` (readable lines, the default) or ``json`` (one JSON object a line). Read by the
    settings and by gunicorn's logger, which starts before them."""
    raw = os.environ.get("LOG_FORMAT", "")
    value = raw.strip().lower() or "plain"
    if value not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT={raw!r} is not one of {', '.join(LOG_FORMATS)}.")
    return value


def env_addresses(name: str) -> list[str]:
    """``Ann <ann@example.org>, ops@example.org`` as a list of addresses (Django's ``ADMINS`` shape), each checked."""
    raw = os.environ.get(name, "")
    entries = [entry for entry in _split_addresses(raw) if entry.strip()]
    addresses = []
    for entry in entries:
        parsed = getaddresses([entry])
        display, address = parsed[0] if len(parsed) == 1 else ("", "")
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{name}: {entry.strip()!r} is not an e-mail address; write 'Name <name@example.org>' or "
                f"'name@example.org', separated by commas."
            ) from None
        addresses.append(formataddr((display, address)))
    return addresses


def _split_addresses(raw: str) -> list[str]:
    """The entries of a comma-separated list of addresses; a comma inside quotes ("Doe, Ann") is part of a name."""
    entries, current, quoted = [], "", False
    for char in raw:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            entries.append(current)
            current = ""
        else:
            current += char
    return [*entries, current]
