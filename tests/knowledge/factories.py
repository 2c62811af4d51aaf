"""factory-boy factories for the knowledge base."""

from __future__ import annotations

import factory

from knowledge import models
from knowledge.choices import ArticleStatus, ProblemState


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Category

    name = factory.Sequence(lambda n: f"Category {n}")


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Problem

    title = factory.Sequence(lambda n: f"Recurring fault {n}")
    description = "Several callers report the same fault."
    state = ProblemState.OPEN


class KnownErrorFactory(factory.django.DjangoModelFactory):
    """A known error; ``published=True`` publishes it (the field is not editable through forms)."""

    class Meta:
        model = models.KnownError
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Known fault {n}")
    symptoms = "The screen stays black after logging in."
    cause = "A stale profile cache."
    workaround = "1. Sign out.\n2. Delete the profile cache.\n3. Sign in again."
    published = False

    @factory.post_generation
    def cis(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.cis.add(*extracted)

    @factory.post_generation
    def services(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.services.add(*extracted)

    @factory.post_generation
    def categories(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.categories.add(*extracted)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Article

    title = factory.Sequence(lambda n: f"How to do thing {n}")
    body = "# Steps\n\n1. Open the settings.\n2. Choose *Reset*."
    status = ArticleStatus.PUBLISHED
