"""A long journal on the incident page: the newest entries, and older ones a page at a time on demand, newest first
unless the reader chose oldest first (decisions 0040 and 0050)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from incidents.journal import notes, paging
from servicedesk.models import Density, JournalOrder, Theme
from servicedesk.preferences import preferences_save
from tests.factories import UserFactory
from tests.incidents.test_journal import PNG, note, record, upload

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def oldest_first(user) -> None:
    preferences_save(by=user, theme=Theme.SYSTEM, density=Density.COMFORTABLE, journal_order=JournalOrder.OLDEST_FIRST)


def noted(operator, count: int):
    """An incident with ``count`` work notes after its "recorded" entry: "Note 000" the oldest."""
    incident = record(operator)
    for number in range(count):
        note(incident, operator, text=f"Note {number:03}")
    return incident


def notes_shown(page: str) -> list[int]:
    return [int(number) for number in re.findall(r"Note (\d{3})", page)]


def older_link(page: str) -> tuple[str, str]:
    """The "Show older entries" control's plain address and its htmx one."""
    found = re.search(r'<li class="journal-older"><a href="([^"]+)" data-hx-get="([^"]+)"', page)
    assert found, "no control for older entries"
    return found.group(1).replace("&amp;", "&"), found.group(2).replace("&amp;", "&")


def test_a_journal_of_120_entries_shows_the_newest_50_newest_first_and_a_control_for_the_others_after_them(
    client, operator
):
    incident = noted(operator, 120)
    client.force_login(operator)

    page = client.get(incident.get_absolute_url()).text

    assert notes_shown(page) == list(range(119, 69, -1))
    assert page.index("Note 070") < page.index("Show older entries")  # at the end the older entries lie
    assert page.index('class="journal-form"') < page.index("Note 119")  # the form above the newest entry
    assert 'class="entry-recorded' not in page


def test_who_chose_oldest_first_reads_the_same_50_the_other_way_round_with_the_control_before_them(client, operator):
    incident = noted(operator, 120)
    oldest_first(operator)
    client.force_login(operator)

    page = client.get(incident.get_absolute_url()).text

    assert notes_shown(page) == list(range(70, 120))
    assert page.index("Show older entries") < page.index("Note 070")


def test_the_control_brings_the_next_older_entries_in_its_place_then_the_oldest_without_a_control(client, operator):
    incident = noted(operator, 120)
    client.force_login(operator)
    _plain, fragment = older_link(client.get(incident.get_absolute_url()).text)

    older = client.get(fragment, headers=HTMX)

    assert older.status_code == 200
    assert notes_shown(older.text) == list(range(69, 19, -1))
    assert older.text.rstrip().endswith("</a></li>") and older.text.count('class="journal-older"') == 1
    assert older.text.index("Note 020") < older.text.index('class="journal-older"')  # a new control, at the end
    oldest = client.get(older_link(older.text)[1], headers=HTMX).text
    assert notes_shown(oldest) == list(range(19, -1, -1))
    assert "Show older entries" not in oldest
    assert oldest.index("Note 000") < oldest.index('class="entry-recorded')  # the first entry of all, last
    assert "Nothing in the journal" not in oldest


def test_oldest_first_the_control_brings_the_older_entries_before_those_shown(client, operator):
    incident = noted(operator, 120)
    oldest_first(operator)
    client.force_login(operator)
    _plain, fragment = older_link(client.get(incident.get_absolute_url()).text)

    older = client.get(fragment, headers=HTMX)

    assert older.status_code == 200
    assert notes_shown(older.text) == list(range(20, 70))
    assert older.text.lstrip().startswith('<li class="journal-older">')  # in place of the control, a new one
    oldest = client.get(older_link(older.text)[1], headers=HTMX).text
    assert notes_shown(oldest) == list(range(20))
    assert "Show older entries" not in oldest
    assert oldest.index('class="entry-recorded') < oldest.index("Note 000")


def test_without_javascript_the_control_opens_the_page_with_the_older_entries_and_a_way_back(client, operator):
    incident = noted(operator, 120)
    client.force_login(operator)
    plain, fragment = older_link(client.get(incident.get_absolute_url()).text)

    page = client.get(plain).text
    from_fragment = client.get(fragment)  # the fragment's address opened as a link leads to the same page

    assert notes_shown(page) == list(range(69, 19, -1))
    assert "Show older entries" in page
    back = f'<a href="{incident.get_absolute_url()}#journal">Show the newest entries</a>'
    assert back in page
    assert page.index(back) < page.index("Note 069") < page.index("Show older entries")  # each at its own end
    assert from_fragment.status_code == 302
    assert from_fragment["Location"] == plain.replace("#journal", "") + "#journal"


def test_older_entries_keep_the_filter_and_their_files(client, operator, monkeypatch):
    monkeypatch.setattr(paging, "JOURNAL_PAGE_SIZE", 2)
    incident = record(operator)
    for number in range(3):
        files = [upload("screen.png", PNG)] if number == 0 else []
        note(incident, operator, text=f"Note {number:03}", files=files)
        notes.incident_send_update(by=operator, incident_id=incident.pk, text=f"Update {number:03}")
    client.force_login(operator)

    customer = client.get(incident.get_absolute_url(), {"show": "customer"}).text
    older_customer = client.get(older_link(customer)[1], headers=HTMX).text
    first = client.get(incident.get_absolute_url()).text
    second = client.get(older_link(first)[0]).text
    third = client.get(older_link(second)[0]).text

    assert "Update 001" in customer and "Update 002" in customer
    assert "show=customer" in older_link(customer)[0] and "show=customer" in older_link(customer)[1]
    assert "Update 000" in older_customer and "Note" not in older_customer
    assert notes_shown(first) == [2] and notes_shown(second) == [1] and notes_shown(third) == [0]
    assert customer.index("Update 002") < customer.index("Update 001")
    assert ">screen.png</a>" in third and ">screen.png</a>" not in second


@pytest.mark.parametrize("order", [JournalOrder.NEWEST_FIRST, JournalOrder.OLDEST_FIRST])
def test_the_page_and_the_older_entries_cost_the_same_statements_however_long_the_journal_in_either_order(
    client, operator, django_assert_num_queries, order
):
    short, long = noted(operator, 3), noted(operator, 120)
    preferences_save(by=operator, theme=Theme.SYSTEM, density=Density.COMFORTABLE, journal_order=order)
    client.force_login(operator)
    # The incident page of a recorded incident the desk works on (tests/incidents/test_incident_page.py lists the
    # statements): 10, the journal's two (its newest entries with their authors, their files) among them. The order
    # is read with the user: no statement of its own.
    for incident in (short, long):
        with django_assert_num_queries(10):
            client.get(incident.get_absolute_url())
    _plain, fragment = older_link(client.get(long.get_absolute_url()).text)
    # The session, the user with their permissions, the incident's number and state, the entries, their files.
    with django_assert_num_queries(5):
        assert client.get(fragment, headers=HTMX).status_code == 200


def test_a_cursor_of_another_incident_shows_nothing_older_and_one_that_is_no_number_the_newest(client, operator):
    incident, other = noted(operator, 3), noted(operator, 3)
    client.force_login(operator)
    fragment = reverse("incidents:journal", args=[incident.number])
    foreign = other.journal.order_by("-created_at").first().pk

    nothing = client.get(fragment, {"before": foreign}, headers=HTMX)
    newest = client.get(incident.get_absolute_url(), {"before": "x1"})

    assert nothing.status_code == 200 and nothing.text.strip() == ""
    assert notes_shown(newest.text) == [2, 1, 0] and "Show the newest entries" not in newest.text


def test_older_entries_are_refused_to_who_may_not_read_incidents_as_the_page_is(client, operator):
    incident = noted(operator, 3)
    entry = incident.journal.order_by("-created_at").first().pk
    fragment = reverse("incidents:journal", args=[incident.number])
    client.force_login(UserFactory(username="nobody"))  # signed in, with no role

    assert client.get(incident.get_absolute_url(), {"before": entry}).status_code == 403
    assert client.get(fragment, {"before": entry}, headers=HTMX).status_code == 403
    client.force_login(operator)
    assert (
        client.get(reverse("incidents:journal", args=["INC9999999"]), {"before": entry}, headers=HTMX).status_code
        == 404
    )
    client.logout()
    assert client.get(fragment, {"before": entry}, headers=HTMX)["Location"].startswith(reverse("login"))
