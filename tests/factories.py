"""factory-boy factories for the tests."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member; ``roles=["Service desk"]`` puts them in role groups (created by the migrations)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            groups = list(Group.objects.filter(name__in=extracted))
            if len(groups) != len(set(extracted)):
                raise LookupError(f"role groups missing: {sorted(set(extracted) - {g.name for g in groups})}")
            self.groups.add(*groups)
