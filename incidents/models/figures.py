"""Day figures: the dashboard's counts and sums per day, kept up to date by database triggers and only read here
(decision record 0005)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem, Service
from knowledge.models import Category


class Figures(models.Model):
    """Rows of one day's figures: the day's figures are their sum. ``compacted`` rows were summed by the sweep
    or the rebuild; the others were added by a change since, and are what the next compaction sums."""

    day = models.DateField(_("day"))
    compacted = models.BooleanField(_("compacted"), db_default=False)

    class Meta:
        abstract = True
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


def day_indexes(name: str, key: str | None = None, include: tuple[str, ...] = ()) -> list[models.Index]:
    """By day (and key), with what the dashboard reads, so that it reads the index only; and the rows a change
    added since the last compaction, which the compaction looks for."""
    fields = ["day", key] if key else ["day"]
    return [
        models.Index(fields=fields, include=include, name=name),
        models.Index(fields=["day"], condition=models.Q(compacted=False), name=f"{name}_fresh"),
    ]


class ReportedFigures(Figures):
    reported = models.BigIntegerField(_("incidents reported"), db_default=0)

    class Meta(Figures.Meta):
        abstract = True


class DayFigures(Figures):
    """One day's counts and sums. Each column is counted on the day of the moment its name starts with
    (reported, responses: responded, acknowledged, resolved/resolutions/resolve/first_contact/with_known_error:
    resolved, closed/confirmed/satisfaction: closed); ``reopened`` on the day the journal says so."""

    reported = models.BigIntegerField(_("incidents reported"), db_default=0)
    responses_measured = models.BigIntegerField(_("responses measured against a target"), db_default=0)
    responses_in_time = models.BigIntegerField(_("responses in time"), db_default=0)
    acknowledged = models.BigIntegerField(_("incidents acknowledged by a support group"), db_default=0)
    acknowledge_microseconds = models.BigIntegerField(_("time from report to acknowledgement, summed"), db_default=0)
    resolved = models.BigIntegerField(_("incidents resolved"), db_default=0)
    resolutions_measured = models.BigIntegerField(_("resolutions measured against a target"), db_default=0)
    resolutions_in_time = models.BigIntegerField(_("resolutions in time"), db_default=0)
    resolve_microseconds = models.BigIntegerField(_("time from report to resolution, summed"), db_default=0)
    first_contact = models.BigIntegerField(_("resolved while no support group had them"), db_default=0)
    with_known_error = models.BigIntegerField(_("resolved with a known error"), db_default=0)
    closed = models.BigIntegerField(_("incidents closed"), db_default=0)
    confirmed = models.BigIntegerField(_("closed after the caller confirmed"), db_default=0)
    closed_automatically = models.BigIntegerField(_("closed automatically"), db_default=0)
    satisfaction_sum = models.BigIntegerField(_("satisfaction ratings, summed"), db_default=0)
    satisfaction_count = models.BigIntegerField(_("satisfaction ratings"), db_default=0)
    reopened = models.BigIntegerField(_("resolutions rejected and reopened"), db_default=0)

    class Meta(Figures.Meta):
        verbose_name = _("day's figures")
        verbose_name_plural = _("days' figures")
        indexes = day_indexes("incidents_day")


class ServiceDayFigures(ReportedFigures):
    """Incidents reported per service and day."""

    service = models.ForeignKey(Service, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")

    class Meta(Figures.Meta):
        indexes = day_indexes("incidents_service_day", "service", ("reported",))


class CIDayFigures(ReportedFigures):
    """Incidents reported per configuration item and day (an incident with three CIs counts for each)."""

    ci = models.ForeignKey(ConfigurationItem, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")

    class Meta(Figures.Meta):
        indexes = day_indexes("incidents_ci_day", "ci", ("reported",))


class CategoryDayFigures(Figures):
    """Incidents closed per category at classification and day, and how many closed under another root cause."""

    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    closed = models.BigIntegerField(_("incidents closed"), db_default=0)
    changed = models.BigIntegerField(_("closed under another root cause"), db_default=0)

    class Meta(Figures.Meta):
        indexes = day_indexes("incidents_category_day", "category", ("closed", "changed"))
