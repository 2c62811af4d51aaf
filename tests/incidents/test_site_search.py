"""The header's search box: a number opens its record; words find every kind of record the user may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.choices import State
from incidents.search.numbers import typed_number
from tests.cmdb.factories import ChangeFactory, ConfigurationItemFactory, ContactFactory
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory
from tests.knowledge.factories import ArticleFactory, KnownErrorFactory, ProblemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("1349", "INC0001349"),
        (" inc 1349 ", "INC0001349"),
        ("INC0001349", "INC0001349"),
        ("#1349", "INC0001349"),
        ("prb1000", "PRB0001000"),
        ("KE-0001000", "KE0001000"),
        ("chg 12", "CHG0000012"),
        ("printer 2", None),
        ("KB1000", None),
        ("", None),
    ],
)
def test_a_number_is_read_however_it_is_typed(typed, number):
    assert typed_number(typed) == number


@pytest.fixture
def desk():
    return {
        "incident": IncidentFactory(short_description="Scanner on floor 2 feeds two sheets at once"),
        "closed": IncidentFactory(short_description="Scanner driver missing", state=State.CLOSED),
        "known_error": KnownErrorFactory(
            title="Scanner feeds several sheets at once", symptoms="The scanner pulls two sheets.", published=True
        ),
        "problem": ProblemFactory(title="Scanner rollers wear out early"),
        "article": ArticleFactory(title="Cleaning the scanner rollers", body="Wipe the rollers."),
        "contact": ContactFactory(first_name="Wilhelmina", last_name="Scanlon", email="w.scanlon@example.com"),
        "ci": ConfigurationItemFactory(name="SCANNER-FL2"),
        "change": ChangeFactory(title="Replace the scanner on floor 2"),
    }


def search(client, text: str, **kwargs):
    return client.get(reverse("search:page"), {"q": text}, **kwargs)


@pytest.mark.parametrize("kind", ["incident", "known_error", "problem", "change"])
def test_a_number_opens_its_record(client, operator, desk, kind):
    client.force_login(operator)
    record = desk[kind]

    response = search(client, record.number.lower())

    assert response.status_code == 302
    assert response.url == record.get_absolute_url()


def test_bare_digits_open_the_incident_of_that_number(client, operator, desk):
    client.force_login(operator)
    digits = str(int(desk["incident"].number.removeprefix("INC")))

    assert search(client, digits).url == desk["incident"].get_absolute_url()


def test_a_number_that_names_nothing_says_so(client, operator, desk):
    client.force_login(operator)

    response = search(client, "INC0999999")

    assert response.status_code == 200
    assert "There is no INC0999999, or it is not yours to see." in response.text


def test_words_find_every_kind_of_record_grouped(client, operator, desk):
    client.force_login(operator)

    response = search(client, "scanner")

    groups = {group.key: [hit.url for hit in group.hits] for group in response.context["results"].groups}
    assert groups["incidents"] == [desk["incident"].get_absolute_url(), desk["closed"].get_absolute_url()]
    assert groups["known-errors"][0] == desk["known_error"].get_absolute_url()
    assert groups["problems"] == [desk["problem"].get_absolute_url()]
    assert groups["articles"] == [desk["article"].get_absolute_url()]
    assert groups["cis"] == [desk["ci"].get_absolute_url()]
    # Each group leads on to its own page, searching the same words (every state for the incidents).
    assert 'href="/incidents/?q=scanner&amp;state=all"' in response.text
    assert 'href="/knowledge/?q=scanner"' in response.text


def test_a_misspelt_name_still_finds_the_caller(client, operator, desk):
    client.force_login(operator)

    response = search(client, "Wilhelmnia")

    assert [hit.label for group in response.context["results"].groups for hit in group.hits] == ["Wilhelmina Scanlon"]


def test_open_incidents_come_before_closed_ones(client, operator):
    client.force_login(operator)
    closed = IncidentFactory(short_description="Plotter offline", state=State.CLOSED)
    open_one = IncidentFactory(short_description="Plotter offline again")
    newest_closed = IncidentFactory(short_description="Plotter offline", state=State.CLOSED)

    (group,) = search(client, "plotter offline").context["results"].groups

    assert [hit.label for hit in group.hits] == [open_one.number, newest_closed.number, closed.number]


def test_nothing_found_says_so(client, operator, desk):
    client.force_login(operator)

    response = search(client, "xylophone")

    assert "Nothing matches these words." in response.text


def test_each_kind_is_searched_only_for_those_who_may_see_it(client, desk):
    nobody = UserFactory(username="nobody", roles=[])
    client.force_login(nobody)

    response = search(client, "scanner")
    opened = search(client, desk["known_error"].number)

    assert response.status_code == 200
    assert not response.context["results"]
    assert opened.status_code == 200  # not opened: the known error is not theirs to see
    assert f"There is no {desk['known_error'].number}, or it is not yours to see." in opened.text


def test_a_support_member_sees_the_kinds_of_their_role(client, support_member, desk):
    client.force_login(support_member)

    keys = {group.key for group in search(client, "scanner").context["results"].groups}

    assert keys == {"incidents", "known-errors", "problems", "articles", "cis"}


def test_the_search_page_takes_a_fixed_number_of_queries(client, operator, desk, django_assert_max_num_queries):
    client.force_login(operator)
    search(client, "scanner")  # the matcher's vectors are read once a process
    for n in range(15):
        IncidentFactory(short_description=f"Scanner jam {n}")
        ContactFactory(last_name=f"Scanner{n}")

    with django_assert_max_num_queries(15):
        response = search(client, "scanner")

    assert len(response.context["results"].groups[0].hits) == 10


def test_the_suggestions_show_the_record_a_number_names_and_a_few_of_each_kind(client, operator, desk):
    client.force_login(operator)
    for n in range(5):
        IncidentFactory(short_description=f"Scanner jam {n}")

    by_number = client.get(reverse("search:suggestions"), {"q": desk["problem"].number})
    by_words = client.get(reverse("search:suggestions"), {"q": "scanner"})

    assert f"Open {desk['problem'].number}" in by_number.text
    assert desk["problem"].title in by_number.text
    incidents = next(group for group in by_words.context["results"].groups if group.key == "incidents")
    assert len(incidents.hits) == 3
    assert 'href="/search/?q=scanner"' in by_words.text
    assert "All results for “scanner”" in by_words.text


def test_long_text_is_cut_not_refused(client, operator, desk):
    client.force_login(operator)

    response = search(client, "scanner " + "x" * 5000)

    assert response.status_code == 200
    assert len(response.context["results"].text) <= 200


def test_every_page_has_the_search_box_for_the_signed_in(client, operator):
    client.force_login(operator)

    page = client.get(reverse("incidents:incident_list")).text

    assert 'id="site-search"' in page
    assert 'action="/search/"' in page
    client.logout()
    assert 'id="site-search"' not in client.get(reverse("login")).text
