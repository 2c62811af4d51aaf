"""The CMDB's own rules: what the models refuse, with the message a user reads, and what they derive."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cmdb.choices import LocationKind, RelationshipKind
from cmdb.models import Change, Contact, Location, Relationship
from tests.cmdb.factories import (
    ChangeFactory,
    ConfigurationItemFactory,
    ContactFactory,
    LocationFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> list[str]:
    return [message for messages in error.message_dict.values() for message in messages]


def test_a_room_cannot_contain_a_building():
    room = LocationFactory(name="Room 1", kind=LocationKind.ROOM)

    with pytest.raises(ValidationError) as error:
        Location(name="Building A", kind=LocationKind.BUILDING, parent=room).full_clean()

    assert "A building cannot be part of a room." in messages_of(error.value)


def test_two_places_of_one_name_in_the_same_parent_are_refused_whatever_the_case():
    site = LocationFactory(name="Amsterdam HQ")
    Location.objects.create(name="Building A", kind=LocationKind.BUILDING, parent=site)

    with pytest.raises(ValidationError) as error:
        Location(name="building a", kind=LocationKind.BUILDING, parent=site).full_clean()

    assert "There is already a location of that name in the same place." in messages_of(error.value)
    Location(name="Building A", kind=LocationKind.BUILDING, parent=LocationFactory()).full_clean()


def test_two_top_level_sites_of_one_name_are_refused_too():
    LocationFactory(name="Amsterdam HQ")

    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(name="Amsterdam HQ", kind=LocationKind.SITE)


def test_a_ci_cannot_be_related_to_itself():
    ci = ConfigurationItemFactory()

    with pytest.raises(ValidationError) as error:
        Relationship(source=ci, target=ci, kind=RelationshipKind.RUNS_ON).full_clean()

    assert "A configuration item cannot be related to itself." in messages_of(error.value)


def test_the_same_relationship_twice_is_refused_but_another_kind_is_not():
    link = RelationshipFactory(kind=RelationshipKind.RUNS_ON)

    with pytest.raises(ValidationError) as error:
        Relationship(source=link.source, target=link.target, kind=RelationshipKind.RUNS_ON).full_clean()

    assert "These two configuration items are already related this way." in messages_of(error.value)
    Relationship(source=link.source, target=link.target, kind=RelationshipKind.DEPENDS_ON).full_clean()


def test_cycles_are_allowed_in_the_data():
    a, b = ConfigurationItemFactory.create_batch(2)
    RelationshipFactory(source=a, target=b, kind=RelationshipKind.CONNECTED_TO)

    RelationshipFactory(source=b, target=a, kind=RelationshipKind.CONNECTED_TO)

    assert Relationship.objects.count() == 2


def test_asset_tags_are_unique_whatever_the_case_but_may_be_blank():
    ConfigurationItemFactory(asset_tag="AT-001")
    ConfigurationItemFactory(asset_tag="")
    ConfigurationItemFactory(asset_tag="")

    with pytest.raises(ValidationError) as error:
        ConfigurationItemFactory.build(asset_tag="at-001").full_clean()

    assert "Another configuration item already has this asset tag." in messages_of(error.value)


def test_contact_emails_are_unique_whatever_the_case():
    ContactFactory(email="Anna.Jansen@example.org")

    with pytest.raises(ValidationError) as error:
        ContactFactory.build(email="anna.jansen@EXAMPLE.org").full_clean()

    assert "Another contact already has this e-mail address." in messages_of(error.value)


def test_phone_digits_are_derived_from_both_numbers_on_every_write():
    contact = ContactFactory(phone="+31 (0)20-555 12 34", mobile="06 1234 5678")
    contact.refresh_from_db()
    assert contact.phone_digits == "310205551234 0612345678"

    Contact.objects.filter(pk=contact.pk).update(mobile="")  # even a bulk update keeps it right
    contact.refresh_from_db()
    assert contact.phone_digits.strip() == "310205551234"


def test_change_numbers_come_from_a_sequence_and_are_never_reused():
    first = ChangeFactory()
    second = ChangeFactory()
    assert first.number.startswith("CHG")
    assert len(first.number) == 10
    assert int(second.number[3:]) == int(first.number[3:]) + 1

    second.delete()
    third = ChangeFactory()

    assert int(third.number[3:]) == int(first.number[3:]) + 2
    assert third.get_absolute_url() == reverse("cmdb:change_detail", args=[third.number])


def test_a_change_cannot_end_before_it_starts():
    now = timezone.now()

    with pytest.raises(ValidationError) as error:
        Change(title="Patch", planned_start=now, planned_end=now - datetime.timedelta(hours=1)).full_clean()

    assert "The planned end must not be before the planned start." in messages_of(error.value)


@pytest.mark.parametrize("model", ["location", "contact", "supportgroup", "configurationitem", "service", "change"])
def test_admin_lists_and_searches_every_cmdb_model(client, administrator, model):
    ChangeFactory(cis=[ConfigurationItemFactory()])
    client.force_login(administrator)

    response = client.get(reverse(f"admin:cmdb_{model}_changelist"), {"q": "a"})

    assert response.status_code == 200
