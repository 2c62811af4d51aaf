"""factory-boy factories for the CMDB."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from cmdb import models
from cmdb.choices import ChangeState, CIClass, CIStatus, LocationKind, RelationshipKind, SupportTier


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Location

    name = factory.Sequence(lambda n: f"Site {n}")
    kind = LocationKind.SITE
    address = factory.Faker("address")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"caller{n}@example.org")
    phone = factory.Sequence(lambda n: f"+31 20 555 {n:04d}")
    department = "Finance"


class SupportGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SupportGroup
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Group {n}")
    tier = SupportTier.SECOND_LINE
    email = factory.LazyAttribute(lambda group: f"{group.name.lower().replace(' ', '-')}@example.org")

    @factory.post_generation
    def members(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.members.add(*extracted)


class ConfigurationItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ConfigurationItem

    name = factory.Sequence(lambda n: f"ci-{n:05d}")
    ci_class = CIClass.SERVER
    status = CIStatus.LIVE
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Relationship

    source = factory.SubFactory(ConfigurationItemFactory)
    target = factory.SubFactory(ConfigurationItemFactory)
    kind = RelationshipKind.DEPENDS_ON


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Service {n}")

    @factory.post_generation
    def cis(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.cis.add(*extracted)


class ChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Change
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Patch round {n}")
    state = ChangeState.APPROVED
    planned_start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=2))
    planned_end = factory.LazyAttribute(lambda change: change.planned_start + datetime.timedelta(hours=1))

    @factory.post_generation
    def cis(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.cis.add(*extracted)
