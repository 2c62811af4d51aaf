"""Whether a response says what the API's schema promises for its path, method, status and media type, so that a
view drifting from its serializer fails here before a client (or schemathesis) finds it."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator


@functools.cache
def api_schema() -> dict[str, Any]:
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _operation(path: str, method: str) -> dict[str, Any]:
    for template, operations in api_schema()["paths"].items():
        parts = re.split(r"(\{[^}]+\})", template)
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
        if re.fullmatch(pattern, path):
            return operations[method.lower()]
    raise AssertionError(f"{method} {path} is not in the schema")


def assert_as_documented(response: Any) -> None:
    """The response's status and media type are documented for its operation, and its JSON body matches the schema
    given for them."""
    request = response.wsgi_request
    operation = _operation(request.path, request.method)
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{response.status_code} is not documented for {request.method} {request.path}"
    media_type = response["Content-Type"].split(";")[0]
    content = documented.get("content", {})
    if not content or media_type == "application/problem+json":  # a refusal: its status is what is promised
        return
    assert media_type in content, f"{media_type} is not documented for {response.status_code}"
    if response.streaming:  # a file: its type is the promise
        return
    root = {**content[media_type]["schema"], "components": api_schema()["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(response.json()), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(error.path)}: {error.message}" for error in errors[:5])
