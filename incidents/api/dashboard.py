"""The managers' dashboard through the API, ``/api/v1/dashboard/``: every figure the page shows for a period, each
against the period before (``incidents.reporting.dashboard``), in the same fixed number of queries. The period is
one of the page's (``?period=week``) or any days of at most a year (``?from=2026-11-01&to=2026-11-30``, checked
as the reports page checks them). For those who see the dashboard, as the page."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.responses import PROBLEM
from incidents.api.serializers import IncidentSerializer
from incidents.choices import ClosureReason, Priority
from incidents.forms.reporting import PeriodForm
from incidents.reporting import dashboard, reports
from servicedesk.api.views import ApiView

PERIOD_NAMES = list(dashboard.PERIODS)
# The API's names of the reports form's fields.
DATES = {"from": "start", "to": "end"}


class PeriodSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    label = serializers.CharField()


class ShownPeriodSerializer(PeriodSerializer):
    key = serializers.ChoiceField(choices=PERIOD_NAMES, allow_null=True, help_text="The page's name of the period.")
    previous = PeriodSerializer(help_text="The period compared with.")


class SeriousIncidentSerializer(IncidentSerializer):
    """A serious incident open now, as the dashboard lists it."""

    caller = None
    assignee = None
    parent = None

    class Meta(IncidentSerializer.Meta):
        fields = ["number", "url", "web_url", "short_description", "state", "priority", "service", "assigned_group",
                  "reported_at"]  # fmt: skip
        read_only_fields = fields


class CountSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="None for the service desk (no group).")
    name = serializers.CharField()
    count = serializers.IntegerField()


class PriorityCountSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class ShareSerializer(serializers.Serializer):
    part = serializers.IntegerField()
    whole = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)
    previous_part = serializers.IntegerField()
    previous_whole = serializers.IntegerField()
    previous_percent = serializers.FloatField(allow_null=True)


class MeanSerializer(serializers.Serializer):
    seconds = serializers.FloatField(allow_null=True)
    previous_seconds = serializers.FloatField(allow_null=True)


class RatingSerializer(serializers.Serializer):
    average = serializers.FloatField(allow_null=True, help_text="1 to 5.")
    count = serializers.IntegerField()


class ClosuresSerializer(serializers.Serializer):
    closed = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    automatic = serializers.IntegerField()
    reopened = serializers.IntegerField()


class ClosedEarlySerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ClosureReason.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class NamedCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class ClassificationSerializer(serializers.Serializer):
    category = serializers.CharField()
    closed = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="Of those, closed under another root-cause category.")


class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    reported = serializers.IntegerField()
    resolved = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    period = ShownPeriodSerializer()
    serious_now = SeriousIncidentSerializer(many=True)
    backlog_by_priority = PriorityCountSerializer(many=True)
    backlog_by_group = CountSerializer(many=True)
    response = ShareSerializer(help_text="Responses in time.")
    resolution = ShareSerializer(help_text="Resolutions in time.")
    mean_time_to_acknowledge = MeanSerializer()
    mean_time_to_resolve = MeanSerializer()
    first_contact = ShareSerializer(help_text="Resolved at first contact.")
    known_error = ShareSerializer(help_text="Resolved with a known error.")
    median_logging_seconds = serializers.FloatField(allow_null=True)
    satisfaction = RatingSerializer(help_text="The callers' own ratings.")
    satisfaction_by_phone = RatingSerializer(help_text="Ratings the desk recorded for callers by phone.")
    closures = ClosuresSerializer()
    closed_early = ClosedEarlySerializer(many=True)
    root_causes = NamedCountSerializer(many=True)
    trend = DaySerializer(many=True)
    top_services = CountSerializer(many=True)
    top_cis = CountSerializer(many=True)
    classification = ClassificationSerializer(many=True)
    repeat_cis = CountSerializer(many=True, help_text="Problem candidates: CIs with repeated incidents.")
    repeat_threshold = serializers.IntegerField()


def _period(request: Request) -> tuple[dashboard.Period, str | None]:
    """The period asked for: one of the page's by name, or the days ``from``/``to``; "this week" without either."""
    params = request.query_params
    named = params.get("period")
    dates = {field: params.get(name) for name, field in DATES.items() if name in params}
    if named is not None and dates:
        raise ValidationError({"period": [_("Name a period or give its days (from, to), not both.")]})
    if dates:
        form = PeriodForm(dates)
        if not form.is_valid():
            names = {field: name for name, field in DATES.items()}
            raise ValidationError({names.get(field, field): errors for field, errors in form.errors.items()})
        return reports.period_between(form.cleaned_data["start"], form.cleaned_data["end"]), None
    if named is not None and named not in dashboard.PERIODS:
        raise ValidationError({"period": [_("Choose one of %(names)s.") % {"names": ", ".join(PERIOD_NAMES)}]})
    key = dashboard.period_key(named)
    return dashboard.period_named(key), key


def _seconds(span: datetime.timedelta | None) -> float | None:
    return span.total_seconds() if span is not None else None


def _share(share: dashboard.Share) -> dict[str, Any]:
    return {"part": share.part, "whole": share.whole, "percent": share.percent, "previous_part": share.previous_part,
            "previous_whole": share.previous_whole, "previous_percent": share.previous_percent}  # fmt: skip


def _counts(rows: list[tuple[Any, str, int]]) -> list[dict[str, Any]]:
    return [{"id": pk, "name": name, "count": count} for pk, name, count in rows]


def _figures(figures: dashboard.Dashboard, key: str | None) -> dict[str, Any]:
    period, previous = figures.period, figures.period.previous
    return {
        "period": {"first": period.first, "last": period.last, "label": period.label, "key": key,
                   "previous": {"first": previous.first, "last": previous.last, "label": previous.label}},
        "serious_now": figures.serious_now,
        "backlog_by_priority": [{"priority": priority, "label": label, "count": count}
                                for priority, label, count in figures.backlog_by_priority],
        "backlog_by_group": _counts(figures.backlog_by_group),
        "response": _share(figures.response),
        "resolution": _share(figures.resolution),
        "mean_time_to_acknowledge": {"seconds": _seconds(figures.mean_time_to_acknowledge.value),
                                     "previous_seconds": _seconds(figures.mean_time_to_acknowledge.previous)},
        "mean_time_to_resolve": {"seconds": _seconds(figures.mean_time_to_resolve.value),
                                 "previous_seconds": _seconds(figures.mean_time_to_resolve.previous)},
        "first_contact": _share(figures.first_contact),
        "known_error": _share(figures.known_error),
        "median_logging_seconds": figures.median_logging_seconds,
        "satisfaction": {"average": figures.satisfaction[0], "count": figures.satisfaction[1]},
        "satisfaction_by_phone": {"average": figures.satisfaction_by_phone[0],
                                  "count": figures.satisfaction_by_phone[1]},
        "closures": figures.closures,
        "closed_early": [{"reason": reason.value, "label": label, "count": count}
                         for reason, (label, count) in zip(ClosureReason, figures.closed_early, strict=True)],
        "root_causes": [{"name": name, "count": count} for name, count in figures.root_causes],
        "trend": [{"day": day, "reported": reported, "resolved": resolved}
                  for day, reported, resolved in figures.trend],
        "top_services": _counts(figures.top_services),
        "top_cis": _counts(figures.top_cis),
        "classification": [{"category": name, "closed": closed, "changed": changed}
                           for name, closed, changed in figures.classification],
        "repeat_cis": _counts(figures.repeat_cis),
        "repeat_threshold": dashboard.REPEAT_THRESHOLD,
    }  # fmt: skip


class DashboardView(ApiView):
    permission_required = "incidents.view_dashboard"

    @extend_schema(
        summary="The dashboard's figures",
        parameters=[
            OpenApiParameter("period", str, enum=PERIOD_NAMES, description="One of the page's periods (the default: "
                             "this week)."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="The first day (with to; not with period)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="The last day, at most a year after the first."),
        ],
        responses={200: DashboardSerializer, 400: PROBLEM, 403: PROBLEM},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        """Every figure of the managers' dashboard for the period, each against the period before."""
        period, key = _period(request)
        figures = dashboard.dashboard(period)
        return Response(DashboardSerializer(_figures(figures, key), context={"request": request}).data)
