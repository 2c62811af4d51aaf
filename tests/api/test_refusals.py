"""Bad input the API once answered with a 500 or an HTML page, found by calling it as a client would
(``test_as_a_client.py``): each is now a 4xx in problem details."""

from __future__ import annotations

import pytest

from tests.incidents.workflow import record

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_a_caller_id_that_is_no_number_falls_back_to_the_caller_typed(api, operator):
    response = api(operator).post(
        "/api/v1/incidents/",
        {"caller_id": "öh@", "short_description": "VPN down", "occurred_at": "now", "impact": 2, "urgency": 2},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["caller"]


def test_a_parent_that_does_not_exist_is_the_bodys_mistake(api, operator):
    response = api(operator).post("/api/v1/incidents/", {"parent": "INC9999999"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["parent"] == ["There is no incident INC9999999."]


def test_an_address_of_no_endpoint_is_a_problem_not_a_page(api, operator):
    response = api(operator).get("/api/v1/incidnets/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "No endpoint of the API has this address."
    unknown = api(operator).get("/api/v1/incidents/INC-1/")
    assert (unknown.status_code, unknown["Content-Type"]) == (404, PROBLEM)
    assert unknown.json()["detail"] == "There is no incident INC-1."


def test_a_control_character_in_the_query_is_a_problem_not_a_page(api, operator):
    response = api(operator).get("/api/v1/incidents/?q=%01")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "control character in the query string"


def test_the_portals_own_pages_still_answer_as_pages(client, operator):
    client.force_login(operator)
    response = client.get("/incidents/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_yes_no_filter_with_another_value_is_refused(api, operator):
    record(operator)
    client = api(operator)
    assert client.get("/api/v1/incidents/", {"serious": "false"}).status_code == 200
    response = client.get("/api/v1/incidents/", {"with_known_error": "null"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"with_known_error": ["Write true or false."]}


def test_closure_and_resolution_codes_read_blank_until_set(api, operator):
    body = api(operator).get(f"/api/v1/incidents/{record(operator).number}/").json()
    assert (body["resolution_code"], body["closure_reason"]) == ("", "")


def test_a_moment_postgresql_cannot_compare_is_refused_at_its_filter(api, operator):
    client = api(operator)
    response = client.get("/api/v1/incidents/", {"state": "all", "closed_from": "6675-07-08T18:49:02-19:37"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"closed_from": ["Give a time zone offset between -15:59 and +15:59."]}
    response = client.get("/api/v1/incidents/", {"closed_from": "9999-12-31T23:00:00-05:00"})
    assert response.json()["errors"] == {"closed_from": ["Give a moment between the years 1 and 9999."]}


@pytest.mark.parametrize(
    "body",
    [
        {"parent": "INC\u0000"},
        {"short_description": "VPN\u0007 down"},
        {"cis": ["ok", {"deep": ["\u0000"]}]},
        {"a\nb": 1},
    ],
)
def test_a_control_character_in_a_json_body_is_refused_before_anything_reads_it(api, operator, body):
    response = api(operator).post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "control character in the JSON body"


def test_a_pasted_note_keeps_its_tabs_and_newlines(api, operator):
    response = api(operator).post("/api/v1/incidents/", {"symptoms": "Line one\n\tLine two\r\n"}, format="json")
    assert response.status_code == 400
    assert "symptoms" not in response.json()["errors"]
