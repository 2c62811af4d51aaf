"""Matching a call through the API: the similar open incidents and the matching known errors with their scores and
reasons, as the logging page's panel shows them, for the service desk; bad input is a clear 400."""

from __future__ import annotations

import pytest

from incidents.choices import Impact
from knowledge.matching import STRONG_AT
from tests.api.schema import assert_as_documented
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, ServiceFactory
from tests.incidents.factories import IncidentFactory
from tests.knowledge.factories import KnownErrorFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/matches/"
PROBLEM = "application/problem+json"


@pytest.fixture
def known():
    """An open incident about the VPN, a closed one, and a published known error about it."""
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    vpn = IncidentFactory(
        short_description="VPN drops every few minutes", symptoms="The VPN connection drops.", cis=[gateway]
    )
    IncidentFactory(short_description="VPN drops every few minutes", state="closed")
    error = KnownErrorFactory(
        title="VPN drops after the certificate renewal", symptoms="The VPN drops every few minutes.", published=True
    )
    return {"gateway": gateway, "vpn": vpn, "error": error}


@pytest.mark.parametrize("role", ["operator", "administrator"])
def test_the_desk_matches_a_call_by_get_and_by_post(api, request, known, role):
    client = api(request.getfixturevalue(role))

    by_get = client.get(URL, {"text": "vpn drops", "cis": ["vpn-gw-01"]})
    by_post = client.post(URL, {"text": "vpn drops", "cis": ["vpn-gw-01"]}, format="json")

    assert by_get.status_code == by_post.status_code == 200
    assert_as_documented(by_get)
    assert_as_documented(by_post)
    assert [row["number"] for row in by_get.json()["similar_incidents"]] == [known["vpn"].number]
    assert [row["number"] for row in by_post.json()["similar_incidents"]] == [known["vpn"].number]
    similar, = by_get.json()["similar_incidents"]  # fmt: skip
    assert similar["number"] == known["vpn"].number
    assert similar["master"] == known["vpn"].number
    assert [reason["kind"] for reason in similar["reasons"]] == ["words", "ci", "recent"]
    assert similar["reasons"][0] == {"kind": "words", "terms": ["vpn", "drops"], "text": "words: vpn, drops"}
    assert similar["score"] > 0
    error, = by_get.json()["known_errors"]  # fmt: skip
    assert (error["number"], error["title"]) == (known["error"].number, known["error"].title)
    assert error["reasons"][0]["kind"] == "words"
    assert error["confidence"] in {"strong", "possible"}
    assert error["confidence"] == ("strong" if error["score"] >= STRONG_AT else "possible")
    assert error["web_url"].endswith(known["error"].get_absolute_url())


@pytest.mark.parametrize("role", ["support_member", "manager", "config_manager"])
def test_only_the_desk_matches_calls(api, request, known, role):
    response = api(request.getfixturevalue(role)).get(URL, {"text": "vpn"})

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert_as_documented(response)


def test_a_read_only_token_may_ask_by_post_since_nothing_is_written(api, operator, known):
    response = api(operator, writes=False).post(URL, {"text": "vpn drops"}, format="json")

    assert response.status_code == 200


def test_a_subordinate_call_is_offered_under_the_master_with_the_impact_its_evidence_suggests(api, operator):
    master = IncidentFactory(short_description="Payroll application down", impact=Impact.LOW)
    IncidentFactory(short_description="Payroll application down for me", parent=master)
    another = IncidentFactory(short_description="Payroll application down here too", parent=master)
    caller = ContactFactory()

    body = api(operator).post(URL, {"text": "payroll down", "caller": caller.pk}, format="json").json()

    row = next(row for row in body["similar_incidents"] if row["number"] == another.number)
    assert (row["parent"], row["master"]) == (master.number, master.number)
    assert row["proposal"]["impact"] == Impact.MEDIUM
    assert row["proposal"]["reasons"] == ["4 different callers", "3 subordinates"]
    assert next(row for row in body["similar_incidents"] if row["number"] == master.number)["subordinates"] == 2


def test_a_text_longer_than_what_is_matched_is_a_clear_400(api, operator):
    response = api(operator).post(URL, {"text": "vpn " * 600}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert_as_documented(response)
    assert response.json()["errors"]["text"] == ["Only the first 2,000 characters are matched: send at most that many."]


@pytest.mark.parametrize(
    "body",
    [{}, {"text": "   "}, {"text": "vpn", "service": 999_999}, {"text": "vpn", "caller": "pat"},
     {"text": "vpn", "limit": 0}, {"text": "vpn", "limit": 21}, {"cis": [f"ci-{n}" for n in range(51)]},
     {"text": "vpn", "cis": [""]}, {"text": "nul\x00"}, ["vpn"]],
)  # fmt: skip
def test_bad_input_is_a_400_problem(api, operator, body):
    response = api(operator).post(URL, body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"]


def test_nothing_to_match_on_says_what_to_give(api, operator):
    response = api(operator).get(URL)

    assert response.json()["errors"] == {
        "non_field_errors": ["Give a text, configuration items, a service or a caller to match."]
    }


def test_a_service_alone_lists_its_open_incidents_and_no_known_error(api, operator, known):
    service = ServiceFactory()
    incident = IncidentFactory(service=service)

    body = api(operator).get(URL, {"service": service.pk}).json()

    assert [row["number"] for row in body["similar_incidents"]] == [incident.number]
    assert body["similar_incidents"][0]["reasons"][0]["kind"] == "service"
    assert body["known_errors"] == []


@pytest.mark.parametrize("count", [2, 20])
def test_matching_costs_the_same_queries_whatever_the_number_of_matches(
    api, operator, count, django_assert_num_queries
):
    gateway = ConfigurationItemFactory(name="mail-01")
    for number in range(count):
        IncidentFactory(short_description=f"Mail server slow {number}", cis=[gateway])
    KnownErrorFactory(title="Mail server slow on Mondays", symptoms="Mail is slow.", published=True)
    client = api(operator)
    client.get("/api/v1/incidents/")  # the token's first use is noted once
    client.get(URL, {"text": "mail"})  # the words' statistics, read once a process (tests/incidents/test_words.py)

    # The token and its user with their permissions, the CIs by name, the similar incidents (3: the words, the
    # open incidents' vectors written since, the matches), the known errors (4: the words, the matches between a SET
    # and a RESET of their plan), the masters (1) and their evidence (2).
    with django_assert_num_queries(12):
        response = client.get(URL, {"text": "mail server slow", "cis": ["mail-01"]})

    assert len(response.json()["similar_incidents"]) == min(count, 5)
