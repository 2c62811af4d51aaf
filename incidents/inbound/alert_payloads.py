"""What monitoring sends, read strictly: Prometheus Alertmanager's webhook (version 4) or the desk's generic form,
both turned into the same ``Report`` per alert, or refused as a whole with every error by field (decision record
0029). Nothing here touches the database."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from incidents.models import AlertSource

MAX_BYTES = 1024 * 1024  # a request's body; Alertmanager's max_alerts keeps a group under it
MAX_ALERTS = 200  # alerts in one request
MAX_LABELS = 64  # labels (or annotations) of one alert
MAX_NAME = 200  # a label's name, a fingerprint, a CI's name
MAX_VALUE = 2000  # a label's value, a link
MAX_TEXT = 10_000  # an annotation, a description
MAX_TITLE = 300
MAX_SEVERITY = 40
FIRING, RESOLVED = "firing", "resolved"
STATUSES = (FIRING, RESOLVED)
# The labels that name the affected configuration item, the most explicit first.
CI_LABELS = ("ci", "host", "instance", "service")
# Text a person could read; NUL and the other control characters never reach the database.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PORT = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]]+)):\d{1,5}$")
# Monitoring's clocks; a time before or after these is a mistake, and would not fit a time zone's arithmetic.
EARLIEST, LATEST = 1970, 2200
GENERIC_FIELDS = {"title", "description", "severity", "ci", "fingerprint", "status", "started_at", "url", "labels"}
ALERTMANAGER_VERSION = "4"
KEPT = ("status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint")


@dataclass(frozen=True)
class Report:
    """One alert as reported: firing or resolved, what it says, and when its current firing started."""

    source: str
    status: str
    fingerprint: str
    title: str
    description: str = ""
    severity: str = ""
    ci_names: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    link: str = ""
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def reports_from_body(body: bytes) -> list[Report]:
    """The alerts of a request's body, either form; ``ValidationError`` (by field, dotted) for anything else."""
    if len(body) > MAX_BYTES:
        raise ValidationError(_("The body is over %(limit)s bytes.") % {"limit": MAX_BYTES}, code="too_large")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: brackets nested beyond the parser's depth
        raise ValidationError(_("The body is not JSON."), code="not_json") from None
    if not isinstance(data, dict):
        raise ValidationError(_("The body is a JSON object: Alertmanager's webhook or the generic form."))
    if "alerts" in data or "version" in data:
        return alertmanager_reports(data)
    return [generic_report(data)]


# --- Alertmanager -----------------------------------------------------------------------------------------


def alertmanager_reports(data: dict[str, Any]) -> list[Report]:
    """Alertmanager's webhook, version 4: each alert of the group its own report."""
    errors: dict[str, list[str]] = {}
    if data.get("version") != ALERTMANAGER_VERSION:
        _error(errors, "version", _("Only version “4” of Alertmanager's webhook is understood."))
    _choice(errors, "status", data.get("status"), required=True)
    for name in ("receiver", "groupKey", "externalURL"):
        _text(errors, name, data.get(name), MAX_VALUE)
    for name in ("groupLabels", "commonLabels", "commonAnnotations"):
        _mapping(errors, name, data.get(name), MAX_TEXT)
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        _error(errors, "alerts", _("A list of one alert or more."))
        alerts = []
    elif len(alerts) > MAX_ALERTS:
        _error(errors, "alerts", _("At most %(limit)s alerts in one request.") % {"limit": MAX_ALERTS})
        alerts = []
    reports = [_alertmanager_alert(errors, f"alerts.{index}", alert) for index, alert in enumerate(alerts)]
    if errors:
        raise ValidationError(errors)
    return [report for report in reports if report is not None]


def _alertmanager_alert(errors: dict[str, list[str]], path: str, alert: Any) -> Report | None:
    if not isinstance(alert, dict):
        _error(errors, path, _("An alert is an object."))
        return None
    before = len(errors)
    status = _choice(errors, f"{path}.status", alert.get("status"), required=True)
    labels = _mapping(errors, f"{path}.labels", alert.get("labels"), MAX_VALUE, required=True)
    annotations = _mapping(errors, f"{path}.annotations", alert.get("annotations"), MAX_TEXT)
    starts_at = _moment(errors, f"{path}.startsAt", alert.get("startsAt"), required=True)
    ends_at = _moment(errors, f"{path}.endsAt", alert.get("endsAt"))
    link = _text(errors, f"{path}.generatorURL", alert.get("generatorURL"), MAX_VALUE)
    fingerprint = _text(errors, f"{path}.fingerprint", alert.get("fingerprint"), MAX_NAME)
    if len(errors) > before:
        return None
    title = annotations.get("summary") or annotations.get("title") or labels.get("alertname") or _("Alert")
    return Report(
        source=AlertSource.ALERTMANAGER,
        status=status,
        fingerprint=fingerprint or _fingerprint_of(labels),
        title=_shortened(title),
        description=annotations.get("description") or annotations.get("message") or "",
        severity=labels.get("severity", "")[:MAX_SEVERITY].lower(),
        ci_names=ci_names_in(labels),
        labels=labels,
        link=link,
        starts_at=starts_at,
        ends_at=ends_at,
        # Only what was checked is kept: anything else may hold what the database refuses (a NUL).
        payload={name: alert[name] for name in KEPT if name in alert},
    )


def ci_names_in(labels: dict[str, str]) -> tuple[str, ...]:
    """The names a CI may go by in the labels, the most explicit first; ``host:9100`` is also ``host``."""
    names: list[str] = []
    for label in CI_LABELS:
        value = labels.get(label, "").strip()[:MAX_NAME]
        if not value:
            continue
        match = PORT.match(value)
        if match:
            names.append(match["v6"] or match["host"])
        names.append(value)
    return tuple(dict.fromkeys(names))


def _fingerprint_of(labels: dict[str, str]) -> str:
    """Alertmanager always sends one; an older one or a proxy may not: the labels identify an alert."""
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:32]


# --- the generic form -------------------------------------------------------------------------------------


def generic_report(data: dict[str, Any]) -> Report:
    """``{"title", "description", "severity", "ci", "fingerprint", "status", "started_at", "url", "labels"}``:
    only ``title`` is required; a field of another name is refused, so that a typo is not silently lost."""
    errors: dict[str, list[str]] = {}
    for name in sorted(set(data) - GENERIC_FIELDS):
        _error(errors, name, _("Not a field of the generic form."))
    title = _text(errors, "title", data.get("title"), MAX_TITLE, required=True)
    description = _text(errors, "description", data.get("description"), MAX_TEXT)
    severity = _text(errors, "severity", data.get("severity"), MAX_SEVERITY)
    ci = _text(errors, "ci", data.get("ci"), MAX_NAME)
    fingerprint = _text(errors, "fingerprint", data.get("fingerprint"), MAX_NAME)
    status = _choice(errors, "status", data.get("status", FIRING), required=True)
    starts_at = _moment(errors, "started_at", data.get("started_at"))
    link = _text(errors, "url", data.get("url"), MAX_VALUE)
    labels = _mapping(errors, "labels", data.get("labels"), MAX_VALUE)
    if errors:
        raise ValidationError(errors)
    identity = f"{ci.strip().lower()}\0{title.strip().lower()}"
    return Report(
        source=AlertSource.GENERIC,
        status=status,
        fingerprint=fingerprint.strip() or "generic-" + hashlib.sha256(identity.encode()).hexdigest()[:32],
        title=title.strip(),
        description=description.strip(),
        severity=severity.strip().lower(),
        ci_names=(ci.strip(),) if ci.strip() else ci_names_in(labels),
        labels=labels,
        link=link,
        starts_at=starts_at,
        payload=data,
    )


# --- the checks -------------------------------------------------------------------------------------------


def _error(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _text(errors: dict[str, list[str]], name: str, value: Any, limit: int, *, required: bool = False) -> str:
    if value is None or (value == "" and not required):
        if required:
            _error(errors, name, _("This field is required."))
        return ""
    if not isinstance(value, str):
        _error(errors, name, _("A string."))
    elif required and not value.strip():
        _error(errors, name, _("This field is required."))
    elif len(value) > limit:
        _error(errors, name, _("At most %(limit)s characters.") % {"limit": limit})
    elif CONTROL.search(value):
        _error(errors, name, _("Control characters are not allowed."))
    else:
        return value
    return ""


def _choice(errors: dict[str, list[str]], name: str, value: Any, *, required: bool = False) -> str:
    if value in STATUSES:
        return value
    if value is not None or required:
        _error(errors, name, _("“firing” or “resolved”."))
    return ""


def _mapping(errors: dict[str, list[str]], name: str, value: Any, limit: int, *, required: bool = False) -> dict:
    """An object of strings to strings, as labels and annotations are."""
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        _error(errors, name, _("An object of names to strings."))
        return {}
    if len(value) > MAX_LABELS:
        _error(errors, name, _("At most %(limit)s names.") % {"limit": MAX_LABELS})
        return {}
    before = len(errors)
    for key, item in value.items():
        if len(key) > MAX_NAME or CONTROL.search(key) or not key:
            _error(errors, name, _("A name of 1 to %(limit)s characters, without control characters.")
                   % {"limit": MAX_NAME})  # fmt: skip
        else:
            _text(errors, f"{name}.{key}", item, limit)
    return dict(value) if len(errors) == before else {}


def _moment(errors: dict[str, list[str]], name: str, value: Any, *, required: bool = False) -> datetime.datetime | None:
    """An RFC 3339 time with its offset; Go's zero time (``0001-01-01T00:00:00Z``) is none. Kept as sent, even
    ahead of the desk's clock: a repeat is told by the very same start time."""
    if value is None or value == "":
        if required:
            _error(errors, name, _("This field is required."))
        return None
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is not None and moment.year == 1:
        return None
    if moment is None or timezone.is_naive(moment) or not EARLIEST <= moment.year <= LATEST:
        _error(errors, name, _("A time as RFC 3339, with its offset: 2026-12-06T07:19:25Z."))
        return None
    return moment


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"
