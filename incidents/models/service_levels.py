"""Service levels: how fast an incident must be acknowledged and resolved, counted in business time.

A **service level** (SLA) holds a response and a resolution target per priority, in business minutes of
its **calendar** (working periods per weekday in a time zone, and holidays). Each service is covered by
at most one service level; incidents on a service with none get the default one. A support group's
**agreement** (OLA) says how fast it acknowledges an incident handed to it; each **handoff** records
whether it did. The clock of an incident is a series of **clock events** (started, paused while waiting
on the caller, resumed, stopped, targets recomputed), from which its ledger is shown.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cmdb.models import Service, SupportGroup
from incidents.choices import Priority


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value}) from error


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """When the clock of a service level runs: working periods per weekday, in a time zone, less holidays."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(models.Model):
    """One stretch of working time on a weekday (a day may have several: 08:00 to 12:00, 13:00 to 17:00)."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="periods"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="incidents_workingperiod_ends_after_start",
                violation_error_message=_("A working period ends after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Holiday(models.Model):
    """A day the clock of the calendar does not run."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="incidents_holiday_once_per_day",
                violation_error_message=_("This calendar already has a holiday on that day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class ServiceLevel(models.Model):
    """An agreed service level: targets per priority over a business calendar, for the services it covers."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="service_levels"
    )
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Applies to incidents on services no other service level covers.")
    )
    services = models.ManyToManyField(
        Service,
        verbose_name=_("services"),
        through="ServiceLevelCoverage",
        blank=True,
        related_name="service_levels",
    )

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="incidents_one_default_service_level",
                violation_error_message=_("Another service level is already the default."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ServiceLevelCoverage(models.Model):
    """A service covered by a service level; a service is covered by one at most."""

    service_level = models.ForeignKey(ServiceLevel, on_delete=models.CASCADE, related_name="coverage")
    service = models.OneToOneField(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="service_level_coverage"
    )

    class Meta:
        verbose_name = _("covered service")
        verbose_name_plural = _("covered services")

    def __str__(self) -> str:
        return f"{self.service_level_id}: {self.service_id}"


class ServiceLevelTarget(models.Model):
    """How fast incidents of one priority must be responded to and resolved, in business minutes."""

    service_level = models.ForeignKey(
        ServiceLevel, verbose_name=_("service level"), on_delete=models.CASCADE, related_name="targets"
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority)
    response_minutes = models.PositiveIntegerField(_("response within (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (business minutes)"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["service_level", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_level", "priority"],
                name="incidents_one_target_per_priority",
                violation_error_message=_("This service level already has a target for that priority."),
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("response_minutes")),
                name="incidents_resolution_after_response",
                violation_error_message=_("Resolution cannot be due before the response."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.response_minutes} / {self.resolution_minutes} min"


class GroupAgreement(models.Model):
    """A support group's operational level agreement: how fast it acknowledges an incident handed to it."""

    group = models.OneToOneField(
        SupportGroup, verbose_name=_("support group"), on_delete=models.CASCADE, related_name="agreement"
    )
    acknowledge_minutes = models.PositiveIntegerField(_("acknowledge within (business minutes)"), default=30)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the calendar of the default service level."),
    )

    class Meta:
        verbose_name = _("operational level agreement")
        verbose_name_plural = _("operational level agreements")

    def __str__(self) -> str:
        return f"{self.group_id}: {self.acknowledge_minutes} min"


class Handoff(models.Model):
    """An incident handed to a support group, and whether the group acknowledged it in time (OLA figures)."""

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("incident"), on_delete=models.PROTECT, related_name="handoffs"
    )
    group = models.ForeignKey(
        SupportGroup, verbose_name=_("support group"), on_delete=models.PROTECT, related_name="handoffs"
    )
    handed_at = models.DateTimeField(_("handed over"))
    due_at = models.DateTimeField(_("acknowledgement due"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged as overdue"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, help_text=_("Taken back or passed on."))
    met = models.BooleanField(_("acknowledged in time"), null=True, blank=True)

    class Meta:
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        ordering = ["handed_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="incidents_handoff_waiting",
                condition=models.Q(
                    acknowledged_at__isnull=True, ended_at__isnull=True, overdue_flagged_at__isnull=True
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.group_id}"


class ClockEventKind(models.TextChoices):
    STARTED = "started", _("Clock started")
    PAUSED = "paused", _("Paused: waiting on the caller")
    RESUMED = "resumed", _("Resumed")
    RECOMPUTED = "recomputed", _("Targets recomputed")
    RESPONDED = "responded", _("Responded")
    STOPPED = "stopped", _("Stopped: resolved")


class ClockEvent(models.Model):
    """A moment in an incident's service-level clock; the ledger on the incident page is built from them."""

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("incident"), on_delete=models.PROTECT, related_name="clock_events"
    )
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("event"), max_length=20, choices=ClockEventKind)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at"], name="incidents_clock_timeline")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
