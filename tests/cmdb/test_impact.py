"""Impact analysis: what a failing CI takes down with it, what it rests on, and what changed around it."""

from __future__ import annotations

import datetime
import itertools
import random

import pytest
from django.utils import timezone

from cmdb import impact
from cmdb.choices import Criticality, RelationshipKind
from cmdb.models import ConfigurationItem
from tests.cmdb.factories import ChangeFactory, ConfigurationItemFactory, RelationshipFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def ci(name: str, **kwargs: object) -> ConfigurationItem:
    return ConfigurationItemFactory(name=name, **kwargs)


def relies(source: ConfigurationItem, target: ConfigurationItem, kind: str = RelationshipKind.DEPENDS_ON) -> None:
    """``source <kind> target``: when the target fails, the source is affected."""
    RelationshipFactory(source=source, target=target, kind=kind)


def chain(*names: str) -> list[ConfigurationItem]:
    """CIs where each depends on the next: chain("app", "vm", "srv") is app → vm → srv."""
    items = [ci(name) for name in names]
    for source, target in itertools.pairwise(items):
        relies(source, target)
    return items


def depths(walk: impact.CIWalk) -> list[tuple[str, int]]:
    return [(node.name, node.depth) for node in walk]


# --- Downstream and upstream ---------------------------------------------------------------------


def test_downstream_lists_what_fails_with_a_ci_nearest_first():
    _app, vm, server = chain("payroll-app", "vm-042", "srv-7")

    walk = impact.downstream_cis(ci_id=server.pk)

    assert depths(walk) == [("vm-042", 1), ("payroll-app", 2)]
    assert [node.parent_id for node in walk] == [server.pk, vm.pk]
    assert not walk.truncated


def test_upstream_lists_what_a_ci_depends_on_nearest_first():
    app, _vm, _server = chain("payroll-app", "vm-042", "srv-7")

    assert depths(impact.upstream_cis(ci_id=app.pk)) == [("vm-042", 1), ("srv-7", 2)]


def test_a_ci_that_nothing_depends_on_has_nothing_downstream():
    app, _vm = chain("payroll-app", "vm-042")

    walk = impact.downstream_cis(ci_id=app.pk)

    assert list(walk) == []
    assert not walk
    assert not walk.truncated


def test_a_cycle_is_walked_once_and_never_lists_the_ci_it_starts_from():
    a, _b, c = chain("a", "b", "c")
    relies(c, a)  # a → b → c → a

    assert depths(impact.downstream_cis(ci_id=a.pk)) == [("c", 1), ("b", 2)]
    assert depths(impact.upstream_cis(ci_id=a.pk)) == [("b", 1), ("c", 2)]


def test_a_ci_reached_along_a_diamond_is_listed_once_at_its_smallest_depth():
    vm = ci("vm-1")
    primary, standby = ci("db-primary"), ci("db-standby")
    app = ci("app")
    for db in (primary, standby):
        relies(db, vm, RelationshipKind.RUNS_ON)
        relies(app, db)
    relies(app, vm, RelationshipKind.RUNS_ON)  # and a short cut

    walk = impact.downstream_cis(ci_id=vm.pk)

    assert depths(walk) == [("app", 1), ("db-primary", 1), ("db-standby", 1)]


def test_the_parent_of_a_ci_reached_from_several_is_the_same_on_every_call():
    vm = ci("vm-1")
    first, second = ci("db-1"), ci("db-2")
    app = ci("app")
    for db in (first, second):
        relies(db, vm)
        relies(app, db)

    parents = {impact.downstream_cis(ci_id=vm.pk).nodes[-1].parent_id for _ in range(3)}

    assert parents == {min(first.pk, second.pk)}


def test_the_walk_stops_at_the_maximum_depth():
    items = chain("app", "vm", "host", "rack-switch", "core-switch")

    assert depths(impact.downstream_cis(ci_id=items[-1].pk, max_depth=2)) == [("rack-switch", 1), ("host", 2)]
    assert depths(impact.upstream_cis(ci_id=items[0].pk, max_depth=1)) == [("vm", 1)]
    assert list(impact.upstream_cis(ci_id=items[0].pk, max_depth=0)) == []


def test_a_long_list_is_cut_at_the_limit_nearest_first_and_says_so():
    switch = ci("switch")
    servers = [ci(f"srv-{n}") for n in range(4)]
    for server in servers:
        relies(server, switch, RelationshipKind.CONNECTED_TO)
    vm = ci("vm-on-srv-0")
    relies(vm, servers[0], RelationshipKind.RUNS_ON)

    cut = impact.downstream_cis(ci_id=switch.pk, limit=3)
    exact = impact.downstream_cis(ci_id=switch.pk, limit=5)

    assert depths(cut) == [("srv-0", 1), ("srv-1", 1), ("srv-2", 1)]
    assert cut.truncated
    assert len(exact) == 5
    assert not exact.truncated


def test_nodes_carry_what_a_page_shows_without_another_query(django_assert_num_queries):
    app, vm = chain("payroll-app", "vm-042")
    ConfigurationItem.objects.filter(pk=vm.pk).update(ci_class="vm", status="maintenance")

    with django_assert_num_queries(1):
        (node,) = impact.upstream_cis(ci_id=app.pk)
        shown = (node.name, node.get_ci_class_display(), node.get_status_display(), node.status_badge)

    assert shown == ("vm-042", "Virtual machine", "In maintenance", "warn")


@pytest.mark.parametrize("size", [2, 20])
def test_downstream_and_upstream_take_one_query_whatever_their_size(size, django_assert_num_queries):
    switch, server = ci("switch"), ci("server")
    relies(server, switch)
    for n in range(size):
        relies(ci(f"vm-{n}"), server, RelationshipKind.RUNS_ON)

    with django_assert_num_queries(1):
        assert len(impact.downstream_cis(ci_id=switch.pk)) == size + 1
    with django_assert_num_queries(1):
        assert len(impact.upstream_cis(ci_id=server.pk)) == 1


def test_a_negative_depth_or_an_empty_limit_is_refused():
    with pytest.raises(ValueError, match="max_depth"):
        impact.downstream_cis(ci_id=1, max_depth=-1)
    with pytest.raises(ValueError, match="limit"):
        impact.upstream_cis(ci_id=1, limit=0)


def test_the_walks_agree_with_a_plain_breadth_first_search_on_a_tangled_graph():
    rng = random.Random(7)  # noqa: S311 (a test graph, not a secret)
    items = [ci(f"ci-{n:02d}") for n in range(30)]
    links = {(rng.choice(items), rng.choice(items)) for _ in range(70)}
    depends_on: dict[int, set[int]] = {item.pk: set() for item in items}
    for source, target in links:
        if source != target:
            relies(source, target)
            depends_on[source.pk].add(target.pk)
    relied_on_by = {item.pk: {s for s, targets in depends_on.items() if item.pk in targets} for item in items}

    for item in items[:10]:
        for walk, graph in ((impact.downstream_cis, relied_on_by), (impact.upstream_cis, depends_on)):
            expected = breadth_first(graph, start=item.pk, max_depth=4)
            assert {node.id: node.depth for node in walk(ci_id=item.pk, max_depth=4)} == expected


def breadth_first(graph: dict[int, set[int]], *, start: int, max_depth: int) -> dict[int, int]:
    depth, frontier = {start: 0}, [start]
    for level in range(1, max_depth + 1):
        frontier = [n for current in frontier for n in graph[current] if n not in depth]
        depth.update(dict.fromkeys(frontier, level))
    del depth[start]
    return depth


# --- Affected services ---------------------------------------------------------------------------


def test_a_service_built_from_the_failed_ci_is_affected_at_depth_zero():
    mail = ci("mail-server")
    service = ServiceFactory(name="E-mail", cis=[mail])

    (affected,) = impact.affected_services(ci_id=mail.pk)

    assert (affected.id, affected.name, affected.depth) == (service.pk, "E-mail", 0)
    assert [node.name for node in affected.path] == ["mail-server"]
    assert affected.via.id == mail.pk


def test_a_service_is_affected_through_what_it_is_built_from_with_the_path_to_it():
    app, vm, server = chain("payroll-app", "vm-042", "srv-7")
    ServiceFactory(name="Payroll", cis=[app])

    (affected,) = impact.affected_services(ci_id=server.pk)

    assert affected.depth == 2
    assert [(node.name, node.depth) for node in affected.path] == [("srv-7", 0), ("vm-042", 1), ("payroll-app", 2)]
    assert [node.parent_id for node in affected.path] == [None, server.pk, vm.pk]
    assert affected.via.name == "payroll-app"


def test_a_ci_that_no_service_is_built_on_affects_no_service():
    app, vm = chain("test-app", "vm-lab")
    ServiceFactory(name="Unrelated", cis=[ci("other-app")])

    assert impact.affected_services(ci_id=vm.pk) == []
    assert impact.affected_services(ci_id=app.pk) == []


def test_a_service_reached_several_ways_is_listed_once_at_its_nearest():
    storage = ci("san-1")
    db = ci("db-1")
    relies(db, storage)
    app, vm = chain("app", "vm")
    relies(vm, storage)
    ServiceFactory(name="Finance", cis=[app, db])  # app → vm → san (2) and db → san (1)

    (affected,) = impact.affected_services(ci_id=storage.pk)

    assert affected.depth == 1
    assert affected.via.name == "db-1"


def test_a_service_on_a_cycle_is_found_and_the_walk_ends():
    a, b, c = chain("a", "b", "c")
    relies(c, a)
    ServiceFactory(name="Ring", cis=[b])

    (affected,) = impact.affected_services(ci_id=a.pk)

    assert affected.depth == 2
    assert [node.name for node in affected.path] == ["a", "c", "b"]


def test_a_service_built_from_ci_that_depend_on_each_other_is_reached_directly():
    web, api, db = chain("web", "api", "db")
    ServiceFactory(name="Shop", cis=[web, api, db])

    (affected,) = impact.affected_services(ci_id=api.pk)

    assert affected.depth == 0
    assert affected.via.name == "api"


def test_services_beyond_the_maximum_depth_are_not_affected():
    app, vm, server = chain("app", "vm", "server")
    ServiceFactory(name="Far", cis=[app])
    ServiceFactory(name="Near", cis=[vm])

    assert [s.name for s in impact.affected_services(ci_id=server.pk, max_depth=1)] == ["Near"]
    assert impact.affected_services(ci_id=server.pk, max_depth=0) == []


def test_services_that_are_no_longer_active_are_not_affected():
    server = ci("server")
    ServiceFactory(name="Retired", cis=[server], active=False)

    assert impact.affected_services(ci_id=server.pk) == []


def test_the_most_critical_services_come_first_then_the_nearest():
    app, vm = chain("app", "vm")
    ServiceFactory(name="Low near", criticality=Criticality.LOW, cis=[vm])
    ServiceFactory(name="Critical far", criticality=Criticality.CRITICAL, cis=[app])
    ServiceFactory(name="High far", criticality=Criticality.HIGH, cis=[app])
    ServiceFactory(name="High near", criticality=Criticality.HIGH, cis=[vm])

    affected = impact.affected_services(ci_id=vm.pk)

    assert [s.name for s in affected] == ["Critical far", "High near", "High far", "Low near"]
    assert (affected[0].get_criticality_display(), affected[0].criticality_badge) == ("Critical", "bad")


@pytest.mark.parametrize("size", [2, 20])
def test_affected_services_take_one_query_whatever_their_number(size, django_assert_num_queries):
    server = ci("server")
    for n in range(size):
        app = ci(f"app-{n}")
        relies(app, server)
        ServiceFactory(name=f"Service {n}", cis=[app])

    with django_assert_num_queries(1):
        affected = impact.affected_services(ci_id=server.pk)
        paths = [[node.name for node in service.path] for service in affected]

    assert len(paths) == size


# --- The tree of a service -----------------------------------------------------------------------


def test_the_tree_of_a_service_lists_each_ci_before_what_it_depends_on():
    web, _web_vm, host = chain("web", "web-vm", "host")
    db, db_vm = chain("db", "db-vm")
    relies(db_vm, host)
    service = ServiceFactory(cis=[web, db])

    tree = impact.service_tree(service_id=service.pk)

    # host is reached from both VMs; it hangs under the one recorded first (the smaller id), web-vm.
    assert [("  " * node.depth) + node.name for node in tree] == [
        "db",
        "  db-vm",
        "web",
        "  web-vm",
        "    host",
    ]
    assert not tree.truncated


def test_a_ci_shared_in_the_tree_appears_once_under_its_first_parent():
    a_vm, b_vm = ci("a-vm"), ci("b-vm")
    host = ci("host")
    relies(a_vm, host)
    relies(b_vm, host)
    service = ServiceFactory(cis=[a_vm, b_vm])

    tree = impact.service_tree(service_id=service.pk)

    assert [(node.name, node.depth) for node in tree] == [("a-vm", 0), ("host", 1), ("b-vm", 0)]
    assert tree.nodes[1].parent_id == min(a_vm.pk, b_vm.pk)


def test_a_service_whose_cis_depend_on_each_other_shows_them_all_as_roots():
    web, api, db = chain("web", "api", "db")
    relies(db, web)  # and a cycle among them
    service = ServiceFactory(cis=[web, api, db])

    tree = impact.service_tree(service_id=service.pk)

    assert [(node.name, node.depth, node.parent_id) for node in tree] == [
        ("api", 0, None),
        ("db", 0, None),
        ("web", 0, None),
    ]


def test_the_tree_of_a_service_survives_a_cycle_below_it():
    app, a, b = chain("app", "a", "b")
    relies(b, a)
    service = ServiceFactory(cis=[app])

    assert [(node.name, node.depth) for node in impact.service_tree(service_id=service.pk)] == [
        ("app", 0),
        ("a", 1),
        ("b", 2),
    ]


def test_the_tree_of_a_service_stops_at_its_depth_and_size_limits():
    items = chain("app", "vm", "host", "switch")
    service = ServiceFactory(cis=[items[0]])

    shallow = impact.service_tree(service_id=service.pk, max_depth=1)
    small = impact.service_tree(service_id=service.pk, limit=3)
    whole = impact.service_tree(service_id=service.pk, limit=4)

    assert [node.name for node in shallow] == ["app", "vm"]
    assert [node.name for node in small] == ["app", "vm", "host"]
    assert small.truncated
    assert not whole.truncated
    assert len(whole) == 4


def test_a_service_built_from_nothing_has_an_empty_tree():
    service = ServiceFactory()

    tree = impact.service_tree(service_id=service.pk)

    assert list(tree) == []
    assert not tree.truncated


@pytest.mark.parametrize("size", [2, 20])
def test_the_tree_of_a_service_takes_one_query_whatever_its_size(size, django_assert_num_queries):
    host = ci("host")
    vms = [ci(f"vm-{n}") for n in range(size)]
    for vm in vms:
        relies(vm, host, RelationshipKind.RUNS_ON)
    service = ServiceFactory(cis=vms)

    with django_assert_num_queries(1):
        assert len(impact.service_tree(service_id=service.pk)) == size + 1


# --- Changes around a window ---------------------------------------------------------------------

NOW = timezone.now().replace(microsecond=0)
HOUR = datetime.timedelta(hours=1)
START, END = NOW - 72 * HOUR, NOW + 24 * HOUR


def change(title: str, cis: list[ConfigurationItem], start: datetime.datetime, hours: int = 1, **kwargs: object):
    return ChangeFactory(title=title, cis=cis, planned_start=start, planned_end=start + hours * HOUR, **kwargs)


def titles(changes) -> list[str]:
    return [c.title for c in changes]


def test_changes_planned_within_or_across_the_window_are_found():
    server = ci("server")
    change("Inside", [server], NOW - 5 * HOUR)
    change("Across the start", [server], START - 2 * HOUR, hours=4)
    change("Across the end", [server], END - HOUR, hours=4)
    change("Around the window", [server], START - HOUR, hours=200)
    change("Ends as it starts", [server], START - HOUR, hours=1)

    assert set(titles(impact.changes_on_cis(ci_ids=[server.pk], start=START, end=END))) == {
        "Inside",
        "Across the start",
        "Across the end",
        "Around the window",
        "Ends as it starts",
    }


def test_changes_before_or_after_the_window_are_left_out():
    server = ci("server")
    change("Before", [server], START - 3 * HOUR, hours=2)
    change("After", [server], END + HOUR)

    assert titles(impact.changes_on_cis(ci_ids=[server.pk], start=START, end=END)) == []


def test_a_change_implemented_within_the_window_is_found_whatever_its_plan():
    server = ci("server")
    change("Done late", [server], START - 10 * HOUR, implemented_at=NOW - HOUR)
    change("Done long ago", [server], START - 10 * HOUR, implemented_at=START - HOUR)

    assert titles(impact.changes_on_cis(ci_ids=[server.pk], start=START, end=END)) == ["Done late"]


def test_only_changes_to_the_given_cis_are_found_latest_first_with_all_their_cis():
    server, vm, other = ci("server"), ci("vm"), ci("other")
    change("Older", [server], NOW - 10 * HOUR)
    change("Newer", [vm, server, other], NOW - 2 * HOUR)
    change("Elsewhere", [other], NOW - 2 * HOUR)

    found = list(impact.changes_on_cis(ci_ids=[server.pk, vm.pk], start=START, end=END))

    assert titles(found) == ["Newer", "Older"]
    assert [c.name for c in found[0].cis.all()] == ["other", "server", "vm"]


def test_the_changes_around_a_moment_are_those_from_72_hours_before_to_24_after(django_assert_num_queries):
    server, vm, other = ci("server"), ci("vm"), ci("other")
    change("Newer", [vm, server, other], NOW - 2 * HOUR)
    change("Older", [server], NOW - 10 * HOUR)
    change("Done late", [server], START - 10 * HOUR, implemented_at=NOW - HOUR)
    change("Before", [server], START - 3 * HOUR, hours=2)
    change("After", [server], END + HOUR)
    change("Elsewhere", [other], NOW - 2 * HOUR)

    found = impact.changes_around(ci_ids=[server.pk, vm.pk, server.pk], moment=NOW)
    assert titles(found) == ["Newer", "Older", "Done late"]
    # Its statement is built once, whatever the moment: four days earlier, only the change planned 82 hours ago.
    assert titles(impact.changes_around(ci_ids=[server.pk], moment=NOW - 100 * HOUR)) == ["Done late"]
    found = impact.changes_around(ci_ids=[server.pk, vm.pk, server.pk], moment=NOW)
    assert titles(found) == ["Newer", "Older", "Done late"]
    assert [c.name for c in found[0].cis.all()] == ["other", "server", "vm"]
    with django_assert_num_queries(0):
        assert impact.changes_around(ci_ids=[], moment=NOW) == []


def test_no_cis_means_no_changes_and_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(impact.changes_on_cis(ci_ids=[], start=START, end=END)) == []


def test_a_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="window"):
        impact.changes_on_cis(ci_ids=[1], start=END, end=START)


@pytest.mark.parametrize("size", [2, 20])
def test_changes_and_their_cis_take_two_queries_whatever_their_number(size, django_assert_num_queries):
    server = ci("server")
    for n in range(size):
        change(f"Patch {n}", [server, ci(f"vm-{n}")], NOW - n * HOUR)

    with django_assert_num_queries(2):
        found = list(impact.changes_on_cis(ci_ids=[server.pk], start=START, end=END))
        names = [[item.name for item in c.cis.all()] for c in found]

    assert len(names) == size
