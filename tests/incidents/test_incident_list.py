"""The incident list: it opens on the open incidents, finds an incident by its number however it is typed, and
forgives the misspellings the similar-incident panel forgives."""

from __future__ import annotations

import re

import factory
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import selectors, words
from incidents.choices import State
from incidents.filters import IncidentFilter
from incidents.models import Incident
from tests.cmdb.factories import ServiceFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def listed(client, **query) -> list[str]:
    response = client.get(reverse("incidents:incident_list"), query)
    assert response.status_code == 200
    return [incident.number for incident in response.context["page_obj"]]


def digits(number: str) -> str:
    """ "INC0001349" → "1349"."""
    return str(int(number.removeprefix("INC")))


@pytest.fixture
def one_of_each_state():
    return {state: IncidentFactory(state=state, short_description=f"An incident {state}") for state in State}


def test_the_list_opens_on_the_open_incidents(client, operator, one_of_each_state):
    client.force_login(operator)
    open_ones = {one_of_each_state[state].number for state in (State.RECORDED, State.CLASSIFIED, State.INVESTIGATING)}

    response = client.get(reverse("incidents:incident_list"))

    assert {incident.number for incident in response.context["page_obj"]} == open_ones
    assert '<option value="open" selected>Open</option>' in response.text
    assert '3 open incidents · <a href="?state=all">Show all states</a>' in response.text
    empty = client.get(reverse("incidents:incident_list"), {"q": "nothing like this"}).text
    assert 'No open incident matches these filters. <a href="?q=nothing+like+this&amp;state=all">' in empty


def test_the_state_filter_shows_all_or_one_state(client, operator, one_of_each_state):
    client.force_login(operator)
    everything = {incident.number for incident in one_of_each_state.values()}

    assert set(listed(client, state="all")) == everything
    assert listed(client, state="closed") == [one_of_each_state[State.CLOSED].number]
    # Addresses written before the single choice (the dashboard's, bookmarks) name several states.
    assert set(listed(client, state=["resolved", "closed"])) == {
        one_of_each_state[State.RESOLVED].number,
        one_of_each_state[State.CLOSED].number,
    }


@pytest.mark.parametrize("typed", ["{digits}", "inc{digits}", "INC{number}", "Inc 000{digits}", " 0{digits} "])
def test_a_number_is_found_however_it_is_typed(client, operator, one_of_each_state, typed):
    client.force_login(operator)
    wanted = one_of_each_state[State.INVESTIGATING].number

    assert listed(client, q=typed.format(digits=digits(wanted), number=wanted.removeprefix("INC"))) == [wanted]


def test_a_number_finds_its_incident_whatever_the_other_filters_say(client, operator, one_of_each_state):
    client.force_login(operator)
    closed = one_of_each_state[State.CLOSED].number

    assert listed(client, q=digits(closed)) == [closed]  # the list's default is the open incidents
    assert listed(client, q=digits(closed), state="recorded", priority="1") == [closed]


def test_a_search_by_number_uses_the_unique_index_on_number(one_of_each_state):
    wanted = one_of_each_state[State.CLOSED].number
    found = IncidentFilter(QueryDict(f"q=inc{digits(wanted)}"), queryset=selectors.incident_list()).qs
    with connection.cursor() as cursor:
        # A tiny table is read whole anyway: forbid that, to see whether the index can answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = found.explain()

    # The unique constraint's index, or its twin for LIKE (varchar_pattern_ops) that Django adds: both answer "=".
    assert re.search(r"Index Scan using incidents_incident_number_\w+ on incidents_incident\b", plan), plan
    assert f"Index Cond: ((number)::text = '{wanted}'::text)" in plan, plan
    assert [incident.number for incident in found] == [wanted]


@pytest.fixture
def desk():
    """Open incidents in their callers' words, with the statistics autovacuum keeps (rolled back with the test)."""
    made = {
        "outlook": IncidentFactory(short_description="Outlook keeps asking for the password"),
        "outlook again": IncidentFactory(short_description="Outlook asks for my password after the change"),
        "vpn": IncidentFactory(short_description="VPN connection drops every few minutes"),
        "printer": IncidentFactory(short_description="Printer on the third floor is offline"),
        "closed printer": IncidentFactory(short_description="Printer offline again", state=State.CLOSED),
    }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")
    return made


def test_a_misspelt_word_finds_what_the_similar_panel_would(client, operator, desk):
    client.force_login(operator)

    assert set(listed(client, q="outlok")) == {desk["outlook"].number, desk["outlook again"].number}
    assert listed(client, q="conection drops") == [desk["vpn"].number]
    assert listed(client, q="pritner", state="all") == [desk["closed printer"].number, desk["printer"].number]


def test_words_as_typed_still_narrow_the_search(client, operator, desk):
    client.force_login(operator)

    assert listed(client, q="outlook change") == [desk["outlook again"].number]
    assert listed(client, q="outlok change") == [desk["outlook again"].number]
    assert listed(client, q="nothing like this") == []


@pytest.mark.parametrize("query", [{}, {"q": "1003"}, {"q": "outlok password"}, {"state": "all", "q": "password"}])
def test_the_list_costs_the_same_queries_with_2_or_20_rows(client, operator, query, django_assert_max_num_queries):
    client.force_login(operator)
    counts = []
    for rows in (2, 20):
        IncidentFactory.create_batch(rows, short_description="Outlook keeps asking for the password")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE incidents_incident")
        # The words' statistics are read once a process after the table was analysed (tests/incidents/test_words.py).
        words.forget()
        client.get(reverse("incidents:incident_list"), query)
        with django_assert_max_num_queries(20) as queries:
            assert client.get(reverse("incidents:incident_list"), query).status_code == 200
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


def list_queries(client, query: dict[str, str], django_assert_max_num_queries) -> tuple[str, int]:
    with django_assert_max_num_queries(20) as queries:
        response = client.get(reverse("incidents:incident_list"), query)
    assert response.status_code == 200
    return response.text, len(queries.captured_queries)


@pytest.mark.parametrize("query", [{}, {"service": "chosen"}])
def test_the_filter_form_lists_no_service_whatever_the_cmdb_holds(
    client, operator, query, django_assert_max_num_queries
):
    client.force_login(operator)
    chosen = ServiceFactory(name="Payroll")
    IncidentFactory(service=chosen)
    query = {"service": str(chosen.pk)} if query else {}
    counts, options = [], []
    for services in (2, 50):
        ServiceFactory.create_batch(services, name=factory.Sequence(lambda n: f"Catalogue service {n}"))
        page, queries = list_queries(client, query, django_assert_max_num_queries)
        assert "Catalogue service" not in page
        assert ">Payroll</option>" not in page
        counts.append(queries)
        options.append(page.count("<option"))

    assert counts[0] == counts[1]
    assert options[0] == options[1]


def test_a_bookmarked_service_shows_its_name_in_the_picker_and_filters_the_list(client, operator):
    client.force_login(operator)
    payroll, mail = ServiceFactory(name="Payroll"), ServiceFactory(name="E-mail")
    pay = IncidentFactory(service=payroll)
    IncidentFactory(service=mail)

    response = client.get(reverse("incidents:incident_list"), {"service": payroll.pk})

    assert [incident.number for incident in response.context["page_obj"]] == [pay.number]
    assert f'<input type="hidden" name="service" id="id_service" value="{payroll.pk}">' in response.text
    assert 'name="service_text" id="id_service_text" value="Payroll"' in response.text


def test_the_service_picker_finds_services_by_any_part_of_their_name(client, operator):
    client.force_login(operator)
    payroll = ServiceFactory(name="Payroll")
    ServiceFactory(name="E-mail")

    found = client.get(reverse("cmdb:service_search"), {"q": "roll"})

    assert f'data-id="{payroll.pk}" data-name="Payroll"' in found.text
    assert "E-mail" not in found.text


def test_a_service_typed_without_choosing_filters_by_its_name(client, operator):
    """Without the script the box's text is all that is sent; typed over a choice, the text decides."""
    client.force_login(operator)
    payroll, mail = ServiceFactory(name="Payroll"), ServiceFactory(name="E-mail")
    pay, post = IncidentFactory(service=payroll), IncidentFactory(service=mail)

    assert listed(client, service_text="payr") == [pay.number]
    assert listed(client, service=payroll.pk, service_text="e-mail") == [post.number]
    assert listed(client, service=payroll.pk, service_text="payroll") == [pay.number]


def test_a_service_that_no_longer_exists_says_so(client, operator):
    client.force_login(operator)

    response = client.get(reverse("incidents:incident_list"), {"service": "999999"})

    assert "That choice no longer exists: search again." in response.text


def test_a_count_past_the_cap_says_more_than_and_pages_through_the_first(client, operator, settings):
    settings.LIST_COUNT_CAP = 3
    client.force_login(operator)
    IncidentFactory.create_batch(5, state=State.RECORDED)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("incidents:incident_list"))

    assert "More than 3 open incidents" in response.text
    assert len(response.context["page_obj"]) == 3
    counts = [query["sql"] for query in queries.captured_queries if 'FROM "incidents_incident"' in query["sql"]]
    assert next(sql for sql in counts if sql.startswith("SELECT COUNT(*)")).endswith("LIMIT 4) subquery")


def test_a_count_within_the_cap_is_exact(client, operator, settings):
    settings.LIST_COUNT_CAP = 3
    client.force_login(operator)
    IncidentFactory.create_batch(3, state=State.RECORDED)

    page = client.get(reverse("incidents:incident_list")).text

    assert "3 open incidents" in page
    assert "More than" not in page


def test_a_search_in_words_counts_to_its_own_lower_cap(client, operator, settings):
    settings.LIST_COUNT_CAP, settings.SEARCH_COUNT_CAP = 10, 2
    client.force_login(operator)
    made = IncidentFactory.create_batch(3, short_description="Printer offline", state=State.CLOSED)
    run: list[str] = []

    def statements(execute, sql, params, many, context):
        run.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(statements):
        words = client.get(reverse("incidents:incident_list"), {"q": "printer", "state": "all"})
    number = client.get(reverse("incidents:incident_list"), {"q": made[0].number, "state": "all"})
    listing = client.get(reverse("incidents:incident_list"), {"state": "all"})

    assert "More than 2 incidents" in words.text
    assert len(words.context["page_obj"]) == 2
    assert next(sql for sql in run if sql.startswith("SELECT COUNT(*)")).endswith("LIMIT 3) subquery")
    assert "1 incident" in number.text
    assert "3 incidents" in listing.text and "More than" not in listing.text


def header(page: str, label: str) -> str:
    return re.search(rf'<th scope="col"[^>]*><a class="sort"[^>]*>{label}</a></th>', page)[0]


def test_the_sortable_headers_say_the_order_and_keep_the_filters(client, operator, one_of_each_state):
    client.force_login(operator)

    page = client.get(reverse("incidents:incident_list"), {"state": "all", "page": "1"}).text

    # Newest first unless the address says otherwise; the page is left out, the filters kept.
    assert header(page, "Reported") == (
        '<th scope="col" aria-sort="descending"><a class="sort" href="?state=all&amp;ordering=reported">'
        "Reported</a></th>"
    )
    assert header(page, "Number") == (
        '<th scope="col"><a class="sort" href="?state=all&amp;ordering=number">Number</a></th>'
    )
    sorted_page = client.get(reverse("incidents:incident_list"), {"ordering": "number"}).text
    assert 'aria-sort="ascending"><a class="sort" href="?ordering=-number">Number' in sorted_page
    assert "aria-sort" not in header(sorted_page, "Reported")
    assert '<th scope="col">Short description</th>' in page


def test_sorting_by_a_header_orders_the_rows_and_the_pages_keep_it(client, operator):
    client.force_login(operator)
    IncidentFactory.create_batch(26)
    numbers = sorted(Incident.objects.values_list("number", flat=True))

    response = client.get(reverse("incidents:incident_list"), {"ordering": "-number"})

    assert [incident.number for incident in response.context["page_obj"]] == numbers[::-1][:25]
    assert 'href="?ordering=-number&amp;page=2"' in response.text
    assert listed(client, ordering="number", page="2") == [numbers[-1]]


def test_a_column_that_is_not_sortable_is_ignored_in_the_address(client, operator, one_of_each_state):
    client.force_login(operator)
    newest_first = listed(client, state="all")

    for ordering in ("short_description", "caller__full_name", "-search_vector", "number;drop"):
        assert listed(client, state="all", ordering=ordering) == newest_first


@pytest.mark.parametrize("ordering", ["number", "-number", "priority", "-priority", "reported", "-reported"])
def test_every_sortable_column_is_read_in_order_from_an_index(one_of_each_state, ordering):
    rows = IncidentFilter(QueryDict(f"ordering={ordering}"), queryset=selectors.incident_list()).qs[:25]
    with connection.cursor() as cursor:
        # A tiny table is read whole and sorted anyway: forbid both, to see whether an index gives the order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = rows.explain()

    assert "Sort" not in plan and "Index Scan" in plan, plan
