"""A query compiled once per process answers for every value as the queryset would."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.db.models import Prefetch, Value

from cmdb.models import Contact
from servicedesk.compiled import ID_PLACEHOLDER, CompiledPrefetches, CompiledQuery, planned_once
from tests.cmdb.factories import ContactFactory, LocationFactory
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


def test_it_follows_select_related_and_leaves_deferred_fields_deferred(django_assert_num_queries):
    user = UserFactory(username="ann")
    caller = ContactFactory(first_name="Ann", user=user)
    query = CompiledQuery(
        lambda pk: Contact.objects.select_related("user").only("id", "first_name", "user__username").filter(pk=pk)
    )

    with django_assert_num_queries(1):
        found = query.first(caller.pk)
        assert (found.first_name, found.user.username) == ("Ann", "ann")  # joined: no statement of its own
    assert found.get_deferred_fields() >= {"email", "phone"}
    assert found.user.get_deferred_fields() >= {"email"}
    assert query.first(ContactFactory().pk).user is None


def test_its_first_row_gets_its_prefetches_by_statements_built_once(django_assert_num_queries):
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    ann.groups.add(Group.objects.create(name="Desk"), Group.objects.create(name="Audit"))
    permission = Permission.objects.order_by("codename").first()
    ann.user_permissions.add(permission)
    here, there = LocationFactory(name="Here"), LocationFactory(name="There")
    callers = [
        ContactFactory(user=ann, workplace=here),
        ContactFactory(user=bob, workplace=None),
        ContactFactory(user=None, workplace=there),
    ]
    query = CompiledQuery(
        lambda pk: (
            Contact.objects.select_related("user")
            .prefetch_related(
                "workplace",
                Prefetch("user__groups", queryset=Group.objects.order_by("name")),
                "user__user_permissions",
                "incidents",
            )
            .filter(pk=pk)
        )
    )

    # The contact with its user; its workplace, the user's groups and permissions (one each, none for an empty
    # foreign key); a reverse relation as Django reads it.
    with django_assert_num_queries(5):
        first = query.first(callers[0].pk)
    with django_assert_num_queries(0):
        seen = (
            first.workplace.name,
            [group.name for group in first.user.groups.all()],
            list(first.user.user_permissions.all()),
            first.user.groups.count(),
        )
    assert seen == ("Here", ["Audit", "Desk"], [permission], 2)
    with django_assert_num_queries(4):
        second = query.first(callers[1].pk)
    with django_assert_num_queries(0):
        assert (second.workplace, list(second.user.groups.all())) == (None, [])
    with django_assert_num_queries(3):  # no user: nothing through it
        third = query.first(callers[2].pk)
    assert (third.workplace.name, third.user) == ("There", None)
    # The queryset a prefetch leaves still filters by its row.
    assert list(first.user.groups.filter(name="Desk").values_list("name", flat=True)) == ["Desk"]


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


def test_a_lists_foreign_keys_are_read_for_all_its_rows_by_statements_built_once(django_assert_num_queries):
    here, there = LocationFactory(name="Here"), LocationFactory(name="There")
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    callers = [
        ContactFactory(first_name="A", workplace=here, user=ann),
        ContactFactory(first_name="B", workplace=here, user=None),
        ContactFactory(first_name="C", workplace=there, user=bob),
        ContactFactory(first_name="D", workplace=None, user=None),
    ]
    prefetches = CompiledPrefetches(
        Contact, "workplace", Prefetch("user", queryset=get_user_model().objects.only("id"))
    )
    contacts = prefetches.queryset().filter(pk__in=[caller.pk for caller in callers]).order_by("first_name")

    with django_assert_num_queries(3):  # the contacts, their two workplaces, their two users
        rows = list(contacts)
    with django_assert_num_queries(0):
        seen = [(row.workplace and row.workplace.name, row.user and row.user.pk) for row in rows]
        assert rows[0].user.contact is rows[0]  # a one-to-one's other side, as Django's prefetch leaves it
    assert seen == [("Here", ann.pk), ("Here", None), ("There", bob.pk), (None, None)]
    assert rows[0].workplace is rows[1].workplace  # one object for the rows that share it, as Django's prefetch
    assert "username" in rows[0].user.get_deferred_fields()
    built = [relation.of_rows.compiled for relation in prefetches.relations]
    with django_assert_num_queries(2):  # none for the users: neither row has one
        again = list(contacts.filter(user__isnull=True))
    assert [row.workplace and row.workplace.name for row in again] == ["Here", None]
    assert [relation.of_rows.compiled for relation in prefetches.relations] == built  # not built again
    # A lookup of another kind, or added later, is Django's.
    with django_assert_num_queries(5):  # the contact, its workplace and user, then Django's two
        rows = list(contacts.filter(first_name="A").prefetch_related("incidents", "user__groups"))
    assert rows[0].workplace.name == "Here" and list(rows[0].incidents.all()) == []


def test_planned_once_sets_a_generic_plan_for_its_statements_only():
    with connection.cursor() as cursor:
        with planned_once(cursor):
            cursor.execute("SHOW plan_cache_mode")
            inside = cursor.fetchone()[0]
        cursor.execute("SHOW plan_cache_mode")
        after = cursor.fetchone()[0]
    assert (inside, after) == ("force_generic_plan", "auto")


def test_a_statement_that_fails_in_planned_once_raises_its_own_error_and_the_rollback_undoes_the_setting():
    with connection.cursor() as cursor:
        with pytest.raises(DatabaseError, match="division by zero"), transaction.atomic(), planned_once(cursor):
            cursor.execute("SELECT 1 / 0")
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "auto"


def test_planned_once_sends_nothing_on_a_connection_that_prepares_no_statements(django_assert_num_queries, monkeypatch):
    options = {key: value for key, value in connection.settings_dict["OPTIONS"].items() if key != "prepare_threshold"}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    with django_assert_num_queries(1), connection.cursor() as cursor, planned_once(cursor):
        cursor.execute("SELECT 1")
