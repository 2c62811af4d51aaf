"""What the schema says of what every endpoint shares: the problem details of a refusal (as
``servicedesk.api.problems`` sends them, with their own media type), the ``If-Match`` header of a write."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from servicedesk.api.problems import MEDIA_TYPE

# Why a request may be refused, by status, as the reference shows it.
REFUSALS = {
    400: "Bad input: the fields' errors are in `errors`, as the page's form words them.",
    401: "No token, or one that is unknown, revoked or expired.",
    403: "Your role does not allow this, or the token is read-only.",
    404: "There is no such record (or no such page of a list).",
    409: "The record is not in a state for this.",
    412: "The record was saved by someone else since the ETag you sent: read it again, then make your change.",
    415: "The body is not JSON.",
    428: "No If-Match sent.",
    429: "Too many calls: wait for the seconds in Retry-After.",
}


class ProblemDetails(serializers.Serializer):
    """A refusal (RFC 9457): what went wrong for people in ``detail``, for programs in ``type`` and ``errors``."""

    type = serializers.CharField(help_text="A URI naming the kind of refusal, such as …/problems/invalid.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Bad input: the messages by field (`non_field_errors` for the rest).",
    )


def refusals(*codes: int) -> dict[Any, Any]:
    """The ``responses`` of ``extend_schema`` for these refusals, each as problem details. 400 (a control character
    anywhere in the request), 401 and 429 may answer any call, so they are always there."""
    return {
        (code, MEDIA_TYPE): OpenApiResponse(ProblemDetails, description=REFUSALS[code])
        for code in sorted({*codes, 400, 401, 429})
    }


IF_MATCH_SAVED = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    pattern=r'^"t[0-9]{1,17}"$',
    description='The ETag you read, such as "t1765000000000000": a change saved since is refused with 412.',
)
