"""A page read keys first: the ids of the page's rows in the queryset's order, then those rows by id."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Value
from django.db.models.functions import Concat, Reverse

from servicedesk.pages import KeysFirstPaginator
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_page_has_its_rows_in_the_querysets_computed_order_in_two_statements(django_assert_num_queries):
    for name in ("ab", "ca", "bc", "ba", "cb"):
        UserFactory(username=name)
    # Ordered by a computed key (the name backwards): "ba", "ca", "ab", "cb", "bc".
    users = (
        get_user_model()
        .objects.annotate(key=Reverse(Concat("username", Value(""))))
        .prefetch_related("groups")
        .order_by("key")
    )
    paginator = KeysFirstPaginator(users, 2)

    with django_assert_num_queries(4):  # the count, the ids, the rows, their groups
        first = paginator.page(1)
    pages = [first, paginator.page(2), paginator.page(3)]

    assert [[user.username for user in page] for page in pages] == [["ba", "ca"], ["ab", "cb"], ["bc"]]
    assert pages[0].object_list[0].key == "ab"  # the rows carry the queryset's annotations
    assert paginator.count == 5 and not pages[2].has_next()


def test_a_page_of_a_list_is_left_as_it_is():
    paginator = KeysFirstPaginator(["a", "b", "c"], 2)

    assert list(paginator.page(2)) == ["c"]
