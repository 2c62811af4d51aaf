"""A query compiled once per process answers for every value as the queryset would."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Value

from servicedesk.compiled import ID_PLACEHOLDER, CompiledQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_finds_each_row_with_its_annotations_and_none_for_an_unknown_value(django_assert_num_queries):
    first, second = UserFactory(username="first"), UserFactory(username="second")
    query = CompiledQuery(lambda pk: get_user_model().objects.annotate(tag=Value("seen")).filter(pk=pk))

    with django_assert_num_queries(3):
        found = [query.first(first.pk), query.first(second.pk), query.first(second.pk + 1000)]

    assert [found[0].username, found[1].username, found[2]] == ["first", "second", None]
    assert found[0].tag == "seen" and query.compiled is not None


def test_a_query_that_uses_its_value_twice_is_refused():
    query = CompiledQuery(lambda pk: get_user_model().objects.filter(pk=pk).exclude(id__gt=pk))

    with pytest.raises(ValueError, match="exactly once"):
        query.first(1)


def test_its_rows_come_in_the_querysets_order_and_slice_with_their_prefetches(django_assert_num_queries):
    ann, bob, cas, _dee = (UserFactory(username=name) for name in ("ann", "bob", "cas", "dee"))
    bob.groups.add(Group.objects.create(name="Desk"))
    query = CompiledQuery(
        lambda pk: (
            get_user_model()
            .objects.filter(pk__gte=pk)
            .annotate(tag=Value("seen"))
            .prefetch_related("groups")
            .order_by("username")[:2]
        )
    )

    with django_assert_num_queries(2):  # the rows, then their groups
        found = [(row.username, row.tag, [group.name for group in row.groups.all()]) for row in query.rows(ann.pk)]
    with django_assert_num_queries(2):
        later = [row.username for row in query.rows(cas.pk)]

    assert found == [("ann", "seen", []), ("bob", "seen", ["Desk"])]
    assert later == ["cas", "dee"]


def test_a_query_that_follows_select_related_is_refused():
    query = CompiledQuery(lambda pk: get_user_model().objects.select_related("contact").filter(pk=pk))

    with pytest.raises(ValueError, match="select_related"):
        query.first(1)


def test_a_query_of_several_values_takes_them_in_the_order_of_its_placeholders():
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    query = CompiledQuery(
        lambda name, pk: get_user_model().objects.filter(pk__gte=pk, username=name),
        placeholders=("!no user's name!", ID_PLACEHOLDER),
    )

    assert query.first("bob", ann.pk) == bob
    assert query.first("ann", bob.pk) is None
    with pytest.raises(TypeError, match="takes 2 values"):
        query.first("ann")
