"""The review panel of an incident under investigation, linking from it, and promoting to a known error."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ActivityKind
from incidents.recording.review import incident_review
from knowledge.choices import ProblemState
from knowledge.models import KnownError
from tests.cmdb.factories import ChangeFactory, ConfigurationItemFactory, ServiceFactory
from tests.incidents.workflow import investigating, resolved
from tests.knowledge.factories import KnownErrorFactory, ProblemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway():
    return ConfigurationItemFactory(name="vpn-gw-01")


def test_the_panel_gathers_known_errors_and_open_problems(operator, network, vpn, gateway):
    known_error = KnownErrorFactory(
        title="VPN does not connect after a certificate renewal", published=True, cis=[gateway]
    )
    open_problem = ProblemFactory(title="VPN drops", category=vpn)
    ProblemFactory(title="Solved long ago", category=vpn, state=ProblemState.CLOSED)
    incident = investigating(operator, vpn, network, cis=[gateway])

    review = incident_review(incident)

    assert [match.known_error for match in review.known_errors] == [known_error]
    assert review.problems == [open_problem]


def test_the_open_problems_are_those_on_its_cis_service_or_category_newest_first(operator, network, vpn, gateway):
    other_ci, service = ConfigurationItemFactory(name="vpn-gw-02"), ServiceFactory(name="Remote access")
    on_ci = ProblemFactory(title="On the gateway")
    on_ci.cis.add(gateway, other_ci)  # two of the incident's CIs: listed once
    incident = investigating(operator, vpn, network, cis=[gateway, other_ci], service=service)
    on_service = ProblemFactory(title="On the service")
    on_service.services.add(service)
    on_category = ProblemFactory(title="In the category", category=vpn)
    ProblemFactory(title="Closed, on the gateway", state=ProblemState.CLOSED).cis.add(gateway)
    ProblemFactory(title="Elsewhere").cis.add(ConfigurationItemFactory())
    newest_first = [on_category, on_service, on_ci]

    assert incident_review(incident).problems == newest_first
    incident.service_id = None
    assert incident_review(incident).problems == [on_category, on_ci]
    incident.category_id = None
    assert incident_review(incident).problems == [on_ci]
    for number in range(5):
        ProblemFactory(title=f"Newer {number}").cis.add(gateway)
    assert [problem.title for problem in incident_review(incident).problems] == [f"Newer {n}" for n in range(4, -1, -1)]

    incident.cis.set([])
    incident = type(incident).objects.prefetch_related("cis").get(pk=incident.pk)
    incident.service_id = incident.category_id = None
    assert incident_review(incident).problems == []


def test_the_incident_page_lists_the_changes_on_its_cis_once_linkable_by_those_who_may(
    client, operator, manager, network, vpn, gateway
):
    change = ChangeFactory(title="Renew the VPN certificate", cis=[gateway],
                           planned_start=timezone.now() - datetime.timedelta(hours=30))  # fmt: skip
    ChangeFactory(title="Next month's patch", cis=[gateway], planned_start=timezone.now() + datetime.timedelta(days=30))
    incident = investigating(operator, vpn, network, cis=[gateway])

    client.force_login(operator)
    page = client.get(incident.get_absolute_url()).text
    assert page.count("Renew the VPN certificate") == 1 and "Next month's patch" not in page
    assert page.count("Changes on its CIs") == 1
    assert f"Link {change.number}" in page
    client.force_login(manager)
    page = client.get(incident.get_absolute_url()).text
    assert page.count("Renew the VPN certificate") == 1
    assert f"Link {change.number}" not in page


def test_the_group_links_a_change_from_the_panel_and_it_is_journaled(
    client, operator, support_member, network, vpn, gateway
):
    change = ChangeFactory(title="Renew the VPN certificate", cis=[gateway])
    incident = investigating(operator, vpn, network, cis=[gateway])
    client.force_login(support_member)
    assert f"Link {change.number}" in client.get(incident.get_absolute_url()).text

    client.post(reverse("incidents:link", args=[incident.number]), {"kind": "change", "number": change.number})

    incident.refresh_from_db()
    assert incident.change == change
    entry = incident.journal.get(kind=ActivityKind.LINKED)
    assert entry.data == {"change": [None, str(change)]} and entry.author == support_member
    response = client.post(
        reverse("incidents:link", args=[incident.number]), {"kind": "change", "number": change.number}, follow=True
    )
    assert f"{change.number} is already linked." in response.text


def test_linking_is_refused_to_outsiders_and_unknown_numbers(client, operator, outsider, manager, network, vpn):
    incident = investigating(operator, vpn, network)
    change = ChangeFactory()
    client.force_login(outsider)
    link = reverse("incidents:link", args=[incident.number])
    assert client.post(link, {"kind": "change", "number": change.number}).status_code == 403
    client.force_login(manager)
    assert client.post(link, {"kind": "change", "number": change.number}).status_code == 403
    client.force_login(operator)

    response = client.post(
        reverse("incidents:link", args=[incident.number]), {"kind": "incident", "number": incident.number}, follow=True
    )

    assert "Nothing to link under that number." in response.text
    incident.refresh_from_db()
    assert incident.change is None


def test_problem_management_links_incidents_to_a_problem(client, operator, outsider, network, vpn):
    incident = investigating(operator, vpn, network)
    problem = ProblemFactory()
    client.force_login(outsider)  # a support member of another group: support manages problems

    client.post(reverse("incidents:link", args=[incident.number]), {"kind": "problem", "number": problem.number})

    incident.refresh_from_db()
    assert incident.problem == problem


def test_a_resolved_incident_is_promoted_to_a_prefilled_known_error_linked_to_it(
    client, operator, support_member, network, vpn, gateway
):
    incident = resolved(operator, vpn, network, support_member, cis=[gateway])
    client.force_login(support_member)
    url = reverse("incidents:promote", args=[incident.number])

    form = client.get(url).text
    assert "VPN does not connect" in form and "The RADIUS certificate was renewed" in form and "vpn-gw-01" in form
    response = client.post(
        url,
        {"title": "VPN refuses logins after a RADIUS certificate expires", "symptoms": "Authentication failed.",
         "cause": "The RADIUS server certificate expired.", "workaround": "Renew the certificate.",
         "fix_status": "planned", "categories": [vpn.pk], "cis": "vpn-gw-01"},
    )  # fmt: skip

    known_error = KnownError.objects.get()
    assert response.status_code == 302 and response["Location"] == known_error.get_absolute_url()
    assert not known_error.published and list(known_error.cis.all()) == [gateway]
    incident.refresh_from_db()
    assert incident.known_error == known_error
    assert client.get(url).status_code == 403  # promoted once


def test_a_manager_cannot_promote(client, operator, support_member, manager, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    client.force_login(manager)

    assert client.get(reverse("incidents:promote", args=[incident.number])).status_code == 403
