"""The schema the API serves is a valid OpenAPI 3.1 document, so that a client's generator can read it."""

from __future__ import annotations

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

pytestmark = pytest.mark.django_db


def test_the_served_schema_is_valid_openapi_3_1(api, manager):
    response = api(manager, writes=False).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_every_refusal_is_described_as_problem_details(api, manager):
    """A client reads a 4xx as problem details whatever the operation: each one says so in its responses."""
    document = api(manager, writes=False).get("/api/schema/", {"format": "json"}).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            refusals = {code: body for code, body in operation["responses"].items() if code.startswith("4")}
            assert {"400", "401", "403", "429"} <= set(refusals), (method, path)
            for code, body in refusals.items():
                assert list(body["content"]) == ["application/problem+json"], (method, path, code)


def test_a_write_is_linked_from_the_read_that_gives_its_etag(api, manager):
    document = api(manager, writes=False).get("/api/schema/", {"format": "json"}).json()
    read = document["paths"]["/api/v1/incidents/{number}/"]["get"]["responses"]["200"]
    assert "ETag" in read["headers"]
    link = read["links"]["incidents_escalate_create"]
    assert link["parameters"] == {"path.number": "$request.path.number", "header.If-Match": "$response.header.ETag"}
    step = document["paths"]["/api/v1/incidents/{number}/escalate/"]["post"]["responses"]["200"]
    assert "incidents_close_create" in step["links"]
