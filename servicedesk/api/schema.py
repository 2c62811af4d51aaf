"""What the schema says of what every endpoint shares: drf-spectacular postprocessing hooks for every operation,
and the pieces a view declares (its refusals, the ``If-Match`` of a record saved with a time).

- ``problems_described``: every 4xx is problem details (``servicedesk.api.problems``). Each operation gets the
  refusals any call may meet (400 for input refused, if only a control character in a query string it does not
  read; 401 without a valid token; 403 for a role or a read-only token; 429 over its budget), 404 where it names a
  record or reads a cursor, 415 where it takes a body; those a view declared itself (409, 412, 428...) keep their
  own description.
- ``writes_linked``: a write that needs ``If-Match`` is linked (OpenAPI links) from every answer that gives the
  same record's ``ETag``: its read and the record's other writes. A client's generator, and schemathesis's
  stateful phase, then know how to take a write with the version just read.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from servicedesk.api.problems import MEDIA_TYPE

COMPONENT = "ProblemDetails"  # not "Problem": the knowledge base has problems of its own

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "A refusal as problem details (RFC 9457); some kinds add members of their own (a stale write: "
    "``current_version`` and ``changes``).",
    "properties": {
        "type": {"type": "string", "description": "What kind of refusal: a URI naming it, or about:blank."},
        "title": {"type": "string", "description": "The status's phrase."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What was wrong, in a sentence for a person."},
        "errors": {
            "type": "object",
            "description": "The input's errors by field (``non_field_errors`` for the rest).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}

ALWAYS = {
    400: "The request was refused: what was wrong is in ``detail``, the fields' errors in ``errors``.",
    401: "No token, or one unknown, revoked or expired.",
    403: "Your role, or a read-only token, does not allow this.",
    429: "Too many calls with this token: wait for Retry-After seconds.",
}
NAMING = {404: "No such record, or a cursor that names no page."}
WITH_BODY = {415: "The body is not JSON, multipart or a form."}


def problems_described(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular's ``POSTPROCESSING_HOOKS`` entry: the ``Problem`` component and every 4xx made of it."""
    result.setdefault("components", {}).setdefault("schemas", {})[COMPONENT] = PROBLEM_SCHEMA
    body = {MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{COMPONENT}"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in _refusals_of(operation).items():
                responses.setdefault(str(status), {"description": description})
            for status, response in responses.items():
                if status.startswith("4"):
                    response["content"] = body
                    response["description"] = response.get("description") or HTTPStatus(int(status)).phrase
            operation["responses"] = dict(sorted(responses.items()))
    return result


def _refusals_of(operation: dict[str, Any]) -> dict[int, str]:
    """The refusals an operation may answer with, from what it takes."""
    places = {parameter.get("in") for parameter in operation.get("parameters", [])}
    found = dict(ALWAYS)
    if places & {"path", "query"}:
        found |= NAMING
    if "requestBody" in operation:
        found |= WITH_BODY
    return dict(sorted(found.items()))


# The record an address is about: up to its last path parameter ("/incidents/{number}/close/" → "/incidents/{number}/").
_RECORD = re.compile(r"^(.*\})/")


def writes_linked(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular's ``POSTPROCESSING_HOOKS`` entry: links from each answer with an ``ETag`` to the writes of
    the same record that need ``If-Match``."""
    operations = [
        (path, operation) for path, by_method in result.get("paths", {}).items() for operation in by_method.values()
    ]
    writes = [(path, operation) for path, operation in operations if _needs_if_match(operation)]
    for path, operation in operations:
        record = _RECORD.match(path)
        for status, response in operation.get("responses", {}).items():
            if not status.startswith("2") or "ETag" not in response.get("headers", {}) or record is None:
                continue
            links = {
                write["operationId"]: _link(write, _path_parameters(operation))
                for write_path, write in writes
                if write_path.startswith(record[0]) and _path_parameters(write) <= _path_parameters(operation)
            }
            if links:
                response["links"] = links
    return result


def _needs_if_match(operation: dict[str, Any]) -> bool:
    return any(
        parameter.get("in") == "header" and parameter.get("name") == "If-Match" and parameter.get("required")
        for parameter in operation.get("parameters", [])
    )


def _path_parameters(operation: dict[str, Any]) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", []) if parameter.get("in") == "path"}


def _link(write: dict[str, Any], available: set[str]) -> dict[str, Any]:
    parameters = {f"path.{name}": f"$request.path.{name}" for name in sorted(_path_parameters(write) & available)}
    parameters["header.If-Match"] = "$response.header.ETag"
    return {"operationId": write["operationId"], "parameters": parameters}


# --- What a view declares itself -------------------------------------------------------------------------

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
