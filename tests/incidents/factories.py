"""factory-boy factories for incidents.

Tests about the workflow record incidents through ``incidents.services``; these factories are for the tests
that only need rows to read (selectors, matchers), in any state: ``IncidentFactory(state="resolved")``.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from incidents.models import Incident, RootCause
from tests.cmdb.factories import ContactFactory
from tests.factories import UserFactory


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident
        skip_postgeneration_save = True

    caller = factory.SubFactory(ContactFactory)
    desk_owner = factory.SubFactory(UserFactory)
    reported_at = factory.LazyFunction(timezone.now)
    occurred_at = factory.LazyAttribute(lambda incident: incident.reported_at)
    short_description = factory.Sequence(lambda n: f"Incident {n}")
    symptoms = ""

    @factory.post_generation
    def cis(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.cis.add(*extracted)


class RootCauseFactory(factory.django.DjangoModelFactory):
    """A root cause (the migrations seed the desk's list; a browser test's database starts without it)."""

    class Meta:
        model = RootCause
        django_get_or_create = ("name",)

    name = "Configuration error"
    description = "A setting, rule, certificate or account was wrong."
