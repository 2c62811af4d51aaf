"""Alerts from monitoring in the desk's intake (decision record 0029): each report grouped by its fingerprint into
one row while the alert is open, a repeat told from a new firing by when the firing started, a resolution noted
on the row and in the journal of the incident recorded from it. Nothing becomes an incident by itself, unless
``ALERTS_AUTO_RECORD`` names the alert's severity; then it is recorded as by the account that posted it."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.models import ConfigurationItem
from incidents.choices import ActivityKind, State
from incidents.core.values import when
from incidents.core.writes import incident_lock, journal_write
from incidents.inbound.alert_desk import alert_caller, alert_record, record_fields
from incidents.inbound.alert_payloads import FIRING, Report
from incidents.models import Alert, AlertState, Incident

logger = logging.getLogger(__name__)

# One advisory lock space for the alerts' fingerprints (any number no other lock of the portal uses).
LOCK_SPACE = 17_005


class Outcome:
    NEW = "new"
    FIRED_AGAIN = "fired-again"
    REPEAT = "repeat"
    RESOLVED = "resolved"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Received:
    """What one reported alert did: its row, and the incident it is on (recorded now or before)."""

    fingerprint: str
    outcome: str
    alert: Alert | None = None
    incident: Incident | None = None


def ensure_may_post(user: AbstractBaseUser) -> None:
    """Alerts are posted by an account holding ``incidents.add_alert`` (the desk's role, or a monitoring account
    given only that permission)."""
    if not user.has_perm("incidents.add_alert"):
        raise PermissionDenied(_("Only an account allowed to post alerts (the service desk's) may send them."))


@transaction.atomic
def alerts_receive(*, by: AbstractBaseUser, reports: Sequence[Report]) -> list[Received]:
    """Take the reports of one request, in order: a firing opens a row in the intake or counts on its fingerprint's
    open row; a resolution notes the time on it, and a work note on its incident. A report seen before changes
    nothing but the last payload. Raises ``PermissionDenied`` without ``incidents.add_alert``."""
    ensure_may_post(by)
    cis = _cis_named(name for report in reports for name in report.ci_names)
    now = timezone.now()
    received = []
    for report in reports:
        _lock_fingerprint(report.fingerprint)
        if report.status == FIRING:
            received.append(_fired(by, report, cis, now))
        else:
            received.append(_resolved(report, cis, now))
    return received


# --- a firing ---------------------------------------------------------------------------------------------


def _fired(
    by: AbstractBaseUser, report: Report, cis: dict[str, list[ConfigurationItem]], now: datetime.datetime
) -> Received:
    alert = _open_row(report.fingerprint)
    fired_at = report.starts_at or now
    if alert is None:
        # The firing the desk dismissed, or whose incident closed, sent again: still that firing, not a new alert.
        alert = _locked(Alert.objects.filter(fingerprint=report.fingerprint))
        if alert is not None and _repeats(alert, report):
            _take(alert, report, cis, now)
            alert.save()
            return Received(report.fingerprint, Outcome.REPEAT, alert, alert.incident)
        alert = Alert(
            fingerprint=report.fingerprint, source=report.source, first_fired_at=fired_at, last_fired_at=fired_at
        )
        _take(alert, report, cis, now)
        alert.save()
        incident = _auto_record(by, alert)
        if incident is not None:
            alert.refresh_from_db()
        return Received(report.fingerprint, Outcome.NEW, alert, incident)
    if _repeats(alert, report):
        _take(alert, report, cis, now)
        alert.save()
        return Received(report.fingerprint, Outcome.REPEAT, alert, alert.incident)
    alert.firings += 1
    alert.last_fired_at, alert.resolved_at = max(fired_at, alert.last_fired_at), None
    _take(alert, report, cis, now)
    alert.save()
    if alert.incident_id is not None:
        _note(alert, _("Monitoring reports the alert “%(title)s” firing again (%(count)s firings).")
              % {"title": alert.title, "count": alert.firings})  # fmt: skip
    return Received(report.fingerprint, Outcome.FIRED_AGAIN, alert, alert.incident)


def _repeats(alert: Alert, report: Report) -> bool:
    """A firing already counted: one that started no later than the last firing counted (Alertmanager sends a
    firing alert again every ``repeat_interval``, and retries); without a start time, one while still firing."""
    if report.starts_at is not None:
        return report.starts_at <= alert.last_fired_at
    return alert.resolved_at is None


def _auto_record(by: AbstractBaseUser, alert: Alert) -> Incident | None:
    """``ALERTS_AUTO_RECORD`` (off unless it names severities): record a new alert of such a severity at once,
    as by the account that posted it. When that cannot be (no caller for alerts, an account that may not
    record), the alert waits for the desk with the reason."""
    if not alert.severity or alert.severity not in settings.ALERTS_AUTO_RECORD:
        return None
    caller = alert_caller()
    if caller is None:
        problem = _("ALERTS_CALLER names no active caller.")
    elif not by.has_perm("incidents.add_incident"):
        problem = _("the account that posted it may not record incidents.")
    else:
        try:
            with transaction.atomic():  # a refusal undoes only the recording
                return alert_record(by=by, alert_id=alert.pk, automatically=True, **record_fields(alert, caller))
        except (ValidationError, PermissionDenied) as error:
            problem = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    alert.reason = _("Not recorded automatically: %(problem)s") % {"problem": problem}
    alert.save(update_fields=["reason"])
    logger.warning("Alert %s (%s) not recorded automatically: %s", alert.pk, alert.fingerprint, problem)
    return None


# --- a resolution -----------------------------------------------------------------------------------------


def _resolved(report: Report, cis: dict[str, list[ConfigurationItem]], now: datetime.datetime) -> Received:
    alert = _open_row(report.fingerprint) or _locked(Alert.objects.filter(fingerprint=report.fingerprint))
    if alert is None:
        return Received(report.fingerprint, Outcome.UNKNOWN)
    stale = report.starts_at is not None and report.starts_at < alert.last_fired_at  # an earlier firing's end
    if alert.resolved_at is not None or stale:
        return Received(report.fingerprint, Outcome.REPEAT, alert, alert.incident)
    alert.resolved_at = min(max(report.ends_at or now, alert.last_fired_at), now)
    _take(alert, report, cis, now)
    alert.save()
    if alert.incident_id is not None:
        values = {"title": alert.title, "when": when(alert.resolved_at)}
        _note(alert, _("Monitoring reports the alert “%(title)s” resolved at %(when)s.") % values)
    return Received(report.fingerprint, Outcome.RESOLVED, alert, alert.incident)


# --- helpers ----------------------------------------------------------------------------------------------


def _lock_fingerprint(fingerprint: str) -> None:
    """Reports of one alert one after the other, until the commit: two deliveries of a new alert at once would
    otherwise both find no row (there is none to lock yet)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_SPACE, fingerprint])


def _open_row(fingerprint: str) -> Alert | None:
    """The fingerprint's open row: waiting for the desk, or recorded as an incident not yet closed (a firing
    after the closure is a new alert for the desk)."""
    is_open = Q(state=AlertState.INTAKE) | (Q(state=AlertState.RECORDED) & ~Q(incident__state=State.CLOSED))
    return _locked(Alert.objects.filter(is_open, fingerprint=fingerprint))


def _locked(alerts) -> Alert | None:
    return alerts.select_for_update(of=("self",)).select_related("incident", "ci").order_by("-id").first()


def _take(alert: Alert, report: Report, cis: dict[str, list[ConfigurationItem]], now: datetime.datetime) -> None:
    """The report's words, CI and payload on the row: the latest report says what the alert is now."""
    alert.title, alert.description, alert.severity = report.title, report.description, report.severity
    alert.labels, alert.link, alert.payload, alert.reported_at = report.labels, report.link, report.payload, now
    alert.ci = _ci_for(report.ci_names, cis)
    alert.ci_name = alert.ci.name if alert.ci else (report.ci_names[0] if report.ci_names else "")


def _cis_named(names: Iterable[str]) -> dict[str, list[ConfigurationItem]]:
    """The CIs with any of these names in any case, by the upper-cased name (one query)."""
    keys = {name.upper() for name in names if name}
    found: dict[str, list[ConfigurationItem]] = {}
    if keys:
        for ci in ConfigurationItem.objects.annotate(key=Upper("name")).filter(key__in=keys).only("id", "name"):
            found.setdefault(ci.name.upper(), []).append(ci)
    return found


def _ci_for(names: Sequence[str], cis: dict[str, list[ConfigurationItem]]) -> ConfigurationItem | None:
    """The CI of the first name that finds one: the exact name, else the only CI of that name in another case
    (as the call-logging form finds them). None found is fine: the name is kept for the desk."""
    for name in names:
        candidates = cis.get(name.upper(), [])
        exact = [ci for ci in candidates if ci.name == name]
        if exact or len(candidates) == 1:
            return (exact or candidates)[0]
    return None


def _note(alert: Alert, text: str) -> None:
    """A work note from monitoring on the alert's incident, unless it is closed (its journal is complete)."""
    incident = incident_lock(alert.incident_id)
    if incident.state == State.CLOSED:
        return
    journal_write(
        incident,
        by=None,
        kind=ActivityKind.NOTE,
        text=text,
        data={"via": "monitoring", "alert": alert.pk, "fingerprint": alert.fingerprint},
    )
