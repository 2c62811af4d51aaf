"""Matching a call through the API, ``/api/v1/matches/``: the same or similar open incidents and the published known
errors that match a caller's words, CIs, service and caller, each with its score and the reasons for it, as the
call-logging page shows them while the operator types (``incidents.recording.similar``, ``knowledge.matching``).
For the service desk, as that page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from cmdb.models import ConfigurationItem, Contact, Service
from incidents.api.responses import PROBLEM
from incidents.choices import Impact, Priority, State
from incidents.recording import evidence
from incidents.recording.similar import SimilarityKind, similar_incidents
from knowledge.matching import Confidence, MatchKind, known_error_matches
from knowledge.textsearch import MAX_CHARS
from servicedesk.api.permissions import RolePermission
from servicedesk.api.views import ApiView

# The CIs of one call, as the logging page reads them; more is an outage, which the storm page gathers.
MAX_CIS = 50
MAX_SHOWN = 20


class MatchQuery(serializers.Serializer):
    """What to match: the caller's words, and what else the logging form knows so far."""

    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_CHARS,
        help_text="The caller's words: the short description and the symptoms.",
        error_messages={
            "max_length": _("Only the first %(max)s characters are matched: send at most that many.")
            % {"max": f"{MAX_CHARS:,}"}
        },
    )
    cis = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        max_length=MAX_CIS,
        help_text="Names of the configuration items affected.",
    )
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.only("id"), required=False)
    caller = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.only("id"), required=False)
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_SHOWN, default=5, help_text="How many of each, best first (the page shows 5)."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not (data["text"].strip() or data["cis"] or data.get("service") or data.get("caller")):
            raise serializers.ValidationError(_("Give a text, configuration items, a service or a caller to match."))
        return data


class SimilarityReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SimilarityKind.choices)
    terms = serializers.ListField(child=serializers.CharField(), help_text="The words, CI names, service or age.")
    text = serializers.CharField(help_text="As the page shows it: “words: vpn, certificate”.")


class ProposalSerializer(serializers.Serializer):
    impact = serializers.ChoiceField(choices=Impact.choices)
    label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class SimilarIncidentSerializer(serializers.Serializer):
    number = serializers.CharField()
    url = serializers.CharField()
    web_url = serializers.CharField()
    short_description = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    reported_at = serializers.DateTimeField()
    caller = serializers.CharField(help_text="The caller's name.")
    service = serializers.CharField(allow_null=True)
    parent = serializers.CharField(allow_null=True, help_text="The master incident, when this is a subordinate.")
    subordinates = serializers.IntegerField(help_text="How many subordinates it has.")
    score = serializers.FloatField()
    reasons = SimilarityReasonSerializer(many=True)
    master = serializers.CharField(allow_null=True, help_text="The incident a subordinate of this call would go under.")
    proposal = ProposalSerializer(
        allow_null=True, help_text="The impact the master's evidence suggests with this call."
    )


class KnownErrorReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MatchKind.choices)
    terms = serializers.ListField(child=serializers.CharField(), help_text="The words, CI names, service or category.")
    text = serializers.CharField(help_text="As the page shows it: “same CI: vpn-gw-01”.")


class KnownErrorMatchSerializer(serializers.Serializer):
    number = serializers.CharField()
    web_url = serializers.CharField()
    title = serializers.CharField()
    workaround = serializers.CharField()
    score = serializers.FloatField()
    confidence = serializers.ChoiceField(
        choices=Confidence.choices,
        help_text="How sure the match is, as the page says it: strong (right about 19 times in 20) or possible.",
    )
    reasons = KnownErrorReasonSerializer(many=True)


class MatchesSerializer(serializers.Serializer):
    similar_incidents = SimilarIncidentSerializer(many=True)
    known_errors = KnownErrorMatchSerializer(many=True)


def _reasons(reasons: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{"kind": reason.kind.value, "terms": list(reason.terms), "text": str(reason)} for reason in reasons]


def _similar(request: Request, row: evidence.SimilarWithMaster) -> dict[str, Any]:
    incident = row.match.incident
    proposal = row.proposal
    return {
        "number": incident.number,
        "url": reverse("api:incident-detail", args=[incident.number], request=request),
        "web_url": request.build_absolute_uri(incident.get_absolute_url()),
        "short_description": incident.short_description,
        "state": incident.state,
        "priority": incident.priority,
        "reported_at": incident.reported_at,
        "caller": row.match.caller_name,
        "service": row.match.service_name or None,
        "parent": row.match.parent_number,
        "subordinates": row.match.subordinate_count,
        "score": row.match.score,
        "reasons": _reasons(row.match.reasons),
        "master": row.master.number if row.master else None,
        "proposal": {"impact": proposal.impact.value, "label": proposal.label, "reasons": list(proposal.reasons)}
        if proposal
        else None,
    }


def _known_error(request: Request, match: Any) -> dict[str, Any]:
    known_error = match.known_error
    return {
        "number": known_error.number,
        "web_url": request.build_absolute_uri(known_error.get_absolute_url()),
        "title": known_error.title,
        "workaround": known_error.workaround,
        "score": match.score,
        "confidence": match.confidence.value,
        "reasons": _reasons(match.reasons),
    }


def _ci_ids(names: list[str]) -> list[int]:
    """The CIs of those names; a name the CMDB does not know matches nothing, as on the page."""
    return list(ConfigurationItem.objects.filter(name__in=names).values_list("pk", flat=True)) if names else []


class MatchView(ApiView):
    """What the logging page's panel shows beside the form, for a call being taken through another channel."""

    permission_required = "incidents.add_incident"
    # Matching writes nothing: a read-only token may ask by POST as well as by GET.
    permission_classes = [RolePermission]

    @extend_schema(
        summary="Match a call",
        parameters=[MatchQuery],
        responses={200: MatchesSerializer, 400: PROBLEM, 403: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        """Open incidents like the call and the known errors that match it; ``cis`` repeated for several."""
        return self._matches(request, MatchQuery(data=request.query_params))

    @extend_schema(
        summary="Match a call",
        request=MatchQuery,
        responses={200: MatchesSerializer, 400: PROBLEM, 403: PROBLEM},
    )
    def post(self, request: Request) -> Response:
        """As ``GET``, with the text in the body (a long description does not fit an address)."""
        return self._matches(request, MatchQuery(data=request.data))

    def _matches(self, request: Request, query: MatchQuery) -> Response:
        query.is_valid(raise_exception=True)
        data = query.validated_data
        text, limit = data["text"].strip(), data["limit"]
        service_id = data["service"].pk if data.get("service") else None
        caller_id = data["caller"].pk if data.get("caller") else None
        ci_ids = _ci_ids(data["cis"])
        incidents = similar_incidents(text=text, caller_id=caller_id, service_id=service_id, ci_ids=ci_ids, limit=limit)
        known_errors = known_error_matches(text=text, service_id=service_id, ci_ids=ci_ids, limit=limit) if text else []
        body = {
            "similar_incidents": [
                _similar(request, row) for row in evidence.with_masters(incidents, caller_id=caller_id)
            ],
            "known_errors": [_known_error(request, match) for match in known_errors],
        }
        return Response(MatchesSerializer(body).data)
