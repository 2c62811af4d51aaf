"""The group the desk is proposed when it escalates: the best-fitting assignment rule, else the CMDB's owners."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from cmdb.choices import SupportTier
from incidents.lifecycle.assignment import proposed_group
from incidents.models import AssignmentRule
from incidents.selectors import incident_for_step
from tests.cmdb.factories import ConfigurationItemFactory, ServiceFactory, SupportGroupFactory
from tests.incidents.workflow import classified
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups():
    return {
        name: SupportGroupFactory(name=name, tier=SupportTier.SECOND_LINE)
        for name in ("Network", "Identity", "Workplace", "Servers")
    }


def loaded(incident):
    return incident_for_step().get(pk=incident.pk)


def test_the_most_specific_rule_wins_then_the_first_in_the_list(operator, groups):
    network_tree = CategoryFactory(name="Network")
    vpn = CategoryFactory(name="VPN", parent=network_tree)
    mail = ServiceFactory(name="Remote access")
    AssignmentRule.objects.create(category=network_tree, group=groups["Workplace"], position=1)
    AssignmentRule.objects.create(category=vpn, group=groups["Identity"], position=2)
    incident = classified(operator, vpn, service=mail)

    assert proposed_group(loaded(incident)).group == groups["Identity"]  # the deeper category wins

    AssignmentRule.objects.create(category=network_tree, service=mail, group=groups["Network"], position=9)
    proposal = proposed_group(loaded(incident))
    assert proposal.group == groups["Network"]  # naming two things beats naming one
    assert proposal.reason == "the assignment rule for Network, Remote access"


def test_without_a_rule_the_cis_owner_then_the_services_owner_is_proposed(operator, groups):
    service = ServiceFactory(name="Mail", owner_group=groups["Servers"])
    gateway = ConfigurationItemFactory(name="mail-gw-01", owner_group=groups["Network"])
    incident = classified(operator, CategoryFactory(), service=service, cis=[gateway])

    proposal = proposed_group(loaded(incident))
    assert (proposal.group, proposal.reason) == (groups["Network"], "it owns mail-gw-01 in the CMDB")

    groups["Network"].active = False
    groups["Network"].save()
    proposal = proposed_group(loaded(incident))
    assert (proposal.group, proposal.reason) == (groups["Servers"], "it owns the service Mail")


def test_nothing_is_proposed_without_a_rule_or_an_owner_and_never_the_desk(operator):
    desk = SupportGroupFactory(name="Service desk", tier=SupportTier.SERVICE_DESK)
    incident = classified(operator, CategoryFactory(), cis=[ConfigurationItemFactory(owner_group=desk)])

    assert proposed_group(loaded(incident)) is None


def test_the_escalate_page_preselects_the_proposed_group_and_says_why(client, operator, groups):
    gateway = ConfigurationItemFactory(name="vpn-gw-01", owner_group=groups["Network"])
    incident = classified(operator, CategoryFactory(), cis=[gateway])
    client.force_login(operator)

    page = client.get(reverse("incidents:step", args=[incident.number, "escalate"])).content.decode()

    assert f'<option value="{groups["Network"].pk}" selected>' in page
    assert "Proposed: Network, because it owns vpn-gw-01 in the CMDB." in page


def test_a_rule_names_at_least_one_thing_and_a_support_group(groups):
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentRule.objects.create(group=groups["Network"])
    desk = SupportGroupFactory(tier=SupportTier.SERVICE_DESK)
    with pytest.raises(ValidationError, match="choose a support group"):
        AssignmentRule(service=ServiceFactory(), group=desk).full_clean()
