"""The CMDB demo data: a believable organisation, loaded fast, deterministic and safe to load twice."""

from __future__ import annotations

import datetime
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.db.models.functions import Upper
from django.utils import timezone

from cmdb.choices import CIClass, CIStatus, RelationshipKind, SupportTier
from cmdb.demo import demo_plan, load_cmdb_demo
from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup
from servicedesk.demo import load_accounts

pytestmark = pytest.mark.django_db

MODELS = (Location, Contact, SupportGroup, ConfigurationItem, Relationship, Service, Change)


@pytest.fixture
def demo() -> None:
    load_accounts()
    load_cmdb_demo()


def counts() -> dict[str, int]:
    numbers = {model.__name__: model.objects.count() for model in MODELS}
    numbers["service CIs"] = Service.cis.through.objects.count()
    numbers["change CIs"] = Change.cis.through.objects.count()
    numbers["group members"] = SupportGroup.members.through.objects.count()
    return numbers


def test_the_demo_organisation_has_callers_cis_services_and_changes(demo):
    assert 180 <= Contact.objects.count() <= 220
    assert 3 <= Contact.objects.filter(vip=True).count() <= 10
    assert Contact.objects.exclude(mobile="").count() > 20
    assert Contact.objects.filter(workplace__kind="room").count() == Contact.objects.count()
    assert Location.objects.filter(parent__isnull=True, kind="site").count() == 3
    assert 270 <= ConfigurationItem.objects.count() <= 330
    assert Relationship.objects.count() > 300
    assert 10 <= Service.objects.count() <= 14
    assert 12 <= Change.objects.count() <= 20
    assert SupportGroup.objects.count() == 7
    statuses = set(ConfigurationItem.objects.values_list("status", flat=True))
    assert statuses == {CIStatus.LIVE, CIStatus.PLANNED, CIStatus.MAINTENANCE, CIStatus.RETIRED}
    assert set(ConfigurationItem.objects.values_list("ci_class", flat=True)) >= set(CIClass) - {CIClass.OTHER}


def test_loading_the_cmdb_demo_twice_creates_nothing_twice(demo):
    before = counts()

    load_cmdb_demo()

    assert counts() == before


def test_the_cmdb_demo_loads_without_the_demo_accounts():
    load_cmdb_demo()

    assert get_user_model().objects.count() == 0
    assert ConfigurationItem.objects.count() > 270
    assert not SupportGroup.members.through.objects.exists()


def test_the_plan_is_the_same_on_every_call():
    first, second = demo_plan(), demo_plan()

    assert first.contacts == second.contacts
    assert first.cis == second.cis
    assert first.relationships == second.relationships


def test_emails_serial_numbers_and_asset_tags_are_unique(demo):
    emails = list(Contact.objects.values_list("email", flat=True))
    assert len(emails) == len({email.lower() for email in emails})
    cis = ConfigurationItem.objects.exclude(serial_number="")
    assert cis.count() > 150
    assert cis.values("serial_number").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    assert cis.exclude(asset_tag="").count() == cis.count()
    assert cis.annotate(tag=Upper("asset_tag")).values("tag").annotate(n=Count("id")).filter(n__gt=1).count() == 0


def test_every_service_reaches_servers_and_the_network_through_its_cis(demo):
    outgoing = defaultdict(set)
    for source, target in Relationship.objects.values_list("source_id", "target_id"):
        outgoing[source].add(target)
    classes = dict(ConfigurationItem.objects.values_list("id", "ci_class"))

    for service in Service.objects.prefetch_related("cis"):
        built_from = {ci.pk for ci in service.cis.all()}
        assert built_from, service.name
        reached, todo = set(built_from), list(built_from)
        while todo:
            for target in outgoing[todo.pop()] - reached:
                reached.add(target)
                todo.append(target)
        reached_classes = {classes[pk] for pk in reached}
        assert {CIClass.SERVER, CIClass.NETWORK_DEVICE} <= reached_classes, service.name


def test_the_graph_has_cycles_as_real_ones_do(demo):
    pairs = set(Relationship.objects.values_list("source__name", "target__name"))

    assert ("core-sw-ein-01", "core-sw-ein-02") in pairs
    assert ("core-sw-ein-02", "core-sw-ein-01") in pairs
    assert ("Active Directory", "DNS and DHCP") in pairs
    assert ("DNS and DHCP", "Active Directory") in pairs


def test_virtual_machines_run_on_hypervisors_and_devices_connect_to_access_switches(demo):
    vm_hosts = Relationship.objects.filter(source__ci_class=CIClass.VIRTUAL_MACHINE, kind=RelationshipKind.RUNS_ON)
    assert set(vm_hosts.values_list("target__ci_class", flat=True)) == {CIClass.SERVER}
    live_vms = ConfigurationItem.objects.filter(ci_class=CIClass.VIRTUAL_MACHINE).exclude(status=CIStatus.RETIRED)
    assert vm_hosts.values("source").distinct().count() == live_vms.count()
    assert ConfigurationItem.objects.get(name="vm-dc-01").attributes["ram_gb"] == 16
    laptop_links = Relationship.objects.filter(source__ci_class=CIClass.LAPTOP, kind=RelationshipKind.CONNECTED_TO)
    assert {name[:3] for name in laptop_links.values_list("target__name", flat=True)} == {"sw-"}


def test_demo_users_work_in_the_service_desk_and_the_support_groups(demo):
    groups = {group.name: group for group in SupportGroup.objects.select_related("manager")}

    assert list(groups["Service Desk"].members.values_list("username", flat=True)) == ["operator"]
    assert groups["Service Desk"].tier == SupportTier.SERVICE_DESK
    support = get_user_model().objects.get(username="support")
    assert support.support_groups.count() == 2
    assert {group.manager.username for group in groups.values()} == {"manager"}
    assert Contact.objects.get(user=support).department == "IT"


def test_some_changes_were_implemented_lately_and_more_are_coming(demo):
    now = timezone.now()

    assert Change.objects.filter(implemented_at__range=(now - datetime.timedelta(hours=72), now)).count() >= 3
    assert Change.objects.filter(planned_start__range=(now, now + datetime.timedelta(hours=24))).count() >= 2
    assert Change.objects.filter(planned_start__range=(now, now + datetime.timedelta(days=8))).count() >= 5
    assert len(set(Change.objects.values_list("state", flat=True))) == 6
    assert all(number.startswith("CHG") for number in Change.objects.values_list("number", flat=True))
    assert not Change.objects.annotate(n=Count("cis")).filter(n=0).exists()
