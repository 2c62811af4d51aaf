"""``POST /api/v1/alerts/``: monitoring's alerts into the desk's intake, as Prometheus Alertmanager's webhook
(version 4) or the generic form (docs/api/alerts.md). The body is read strictly by ``incidents.inbound``; a
refusal is a problem and changes nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.responses import PROBLEM
from incidents.inbound import alert_payloads, alerts
from incidents.inbound.alerts import Received
from servicedesk.api.problems import Problem
from servicedesk.api.views import ApiView

JSON = "application/json"
STATUS_HELP = "“firing” or “resolved”."


class AlertmanagerAlert(serializers.Serializer):
    status = serializers.CharField(help_text=STATUS_HELP)
    labels = serializers.DictField(
        child=serializers.CharField(), help_text="ci, host, instance or service name the CI."
    )
    annotations = serializers.DictField(child=serializers.CharField(), required=False)
    startsAt = serializers.DateTimeField(help_text="With fingerprint, tells a new firing from a repeat.")
    endsAt = serializers.DateTimeField(required=False)
    generatorURL = serializers.CharField(required=False)
    fingerprint = serializers.CharField(required=False)


class AlertmanagerWebhook(serializers.Serializer):
    """Alertmanager's webhook as it sends it (``webhook_configs``)."""

    version = serializers.CharField(help_text="“4”.")
    groupKey = serializers.CharField(required=False)
    truncatedAlerts = serializers.IntegerField(required=False)
    status = serializers.CharField(help_text=STATUS_HELP)
    receiver = serializers.CharField(required=False)
    groupLabels = serializers.DictField(child=serializers.CharField(), required=False)
    commonLabels = serializers.DictField(child=serializers.CharField(), required=False)
    commonAnnotations = serializers.DictField(child=serializers.CharField(), required=False)
    externalURL = serializers.CharField(required=False)
    alerts = AlertmanagerAlert(many=True, help_text=f"1 to {alert_payloads.MAX_ALERTS} alerts.")


class GenericAlert(serializers.Serializer):
    """One alert from any monitoring that can post JSON; only ``title`` is required, other names are refused."""

    title = serializers.CharField(max_length=alert_payloads.MAX_TITLE)
    description = serializers.CharField(required=False, max_length=alert_payloads.MAX_TEXT)
    severity = serializers.CharField(required=False, max_length=alert_payloads.MAX_SEVERITY,
                                     help_text="critical, error, warning, info…")  # fmt: skip
    ci = serializers.CharField(required=False, max_length=alert_payloads.MAX_NAME, help_text="The CI's name.")
    fingerprint = serializers.CharField(
        required=False, max_length=alert_payloads.MAX_NAME, help_text="Default: from ci and title."
    )
    status = serializers.CharField(required=False, help_text=f"{STATUS_HELP} Default: firing.")
    started_at = serializers.DateTimeField(required=False, help_text="When this firing started.")
    url = serializers.CharField(required=False, help_text="Where monitoring shows it.")
    labels = serializers.DictField(child=serializers.CharField(), required=False)


class AlertTaken(serializers.Serializer):
    fingerprint = serializers.CharField()
    outcome = serializers.CharField(help_text="new, fired-again, repeat, resolved, or unknown (resolved, never seen).")
    alert = serializers.IntegerField(allow_null=True, help_text="The alert's id in the desk's intake.")
    state = serializers.CharField(allow_null=True, help_text="intake, recorded or dismissed.")
    incident = serializers.CharField(allow_null=True, help_text="The incident recorded from it, if any.")


class AlertsTaken(serializers.Serializer):
    alerts = AlertTaken(many=True)


BODY = PolymorphicProxySerializer(
    component_name="AlertsIn",
    serializers=[AlertmanagerWebhook, GenericAlert],
    resource_type_field_name=None,
)


class AlertsView(ApiView):
    """Alerts in: posted with a token that may write, of an account holding ``incidents.add_alert`` (the service
    desk's role has it)."""

    permission_required = "incidents.add_alert"
    parser_classes = [JSONParser]  # for the schema: the view reads the body itself

    @extend_schema(
        request=BODY,
        responses={200: AlertsTaken, 400: PROBLEM, 403: PROBLEM, 413: PROBLEM, 415: PROBLEM},
        summary="Alerts in (Alertmanager or generic)",
    )
    def post(self, request: Request) -> Response:
        """Each alert opens a row in the desk's intake, or counts on its fingerprint's open row; a resolved one is
        noted on it. The same body posted twice counts once."""
        if request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != JSON:
            raise Problem(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", _("Send JSON."))
        if _declared_length(request) > alert_payloads.MAX_BYTES:
            raise Problem(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                "too-large",
                _("At most %(limit)s bytes in one request.") % {"limit": alert_payloads.MAX_BYTES},
            )
        # The body is read here, not by DRF's parser: a too deeply nested one is a 400, not an error.
        reports = alert_payloads.reports_from_body(request.body)
        received = alerts.alerts_receive(by=request.user, reports=reports)
        return Response({"alerts": [_taken(item) for item in received]})


def _declared_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ValidationError(_("Content-Length is not a number.")) from None


def _taken(item: Received) -> dict[str, object]:
    return {
        "fingerprint": item.fingerprint,
        "outcome": item.outcome,
        "alert": item.alert.pk if item.alert else None,
        "state": item.alert.state if item.alert else None,
        "incident": item.incident.number if item.incident else None,
    }
