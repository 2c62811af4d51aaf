"""Exporting the incident list and the queue: exactly the filtered rows in the list's order, as CSV or XLSX,
formulas defused, refused past the cap, for those who may see the list, at a fixed number of queries."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Priority, State
from incidents.lifecycle import escalation
from servicedesk.models import Density, Theme
from servicedesk.preferences import preferences_save
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, ServiceFactory, SupportGroupFactory
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory
from tests.incidents.workflow import investigating

pytestmark = pytest.mark.django_db

LIST = reverse("incidents:incident_list")
QUEUE = reverse("queues:queue")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"), newline="")))


def xlsx_sheet(response):
    data = body(response)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return workbook.active, data


def column(rows: list[list], name: str) -> list:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def email():
    return ServiceFactory(name="E-mail")


@pytest.fixture
def listed(email):
    """Three open e-mail incidents (one an hour apart), one open elsewhere, one closed e-mail incident."""
    base = timezone.now() - datetime.timedelta(days=1)
    mail_server = ConfigurationItemFactory(name="mx1")
    older = IncidentFactory(service=email, short_description="Mail slow", reported_at=base, cis=[mail_server])
    middle = IncidentFactory(
        service=email, short_description='=HYPERLINK("http://evil")', reported_at=base + datetime.timedelta(hours=1)
    )
    newest = IncidentFactory(
        service=email, short_description="-2+3 bounce", priority=Priority.HIGH,
        reported_at=base + datetime.timedelta(hours=2),
    )  # fmt: skip
    IncidentFactory(short_description="Printer jam", reported_at=base)
    IncidentFactory(service=email, short_description="Old mail", state=State.CLOSED, reported_at=base)
    return {"older": older, "middle": middle, "newest": newest}


def test_the_csv_holds_exactly_the_filtered_rows_in_the_lists_order(client, operator, listed, email):
    client.force_login(operator)

    response = client.get(LIST, {"service": email.pk, "export": "csv"})

    rows = csv_rows(response)
    assert column(rows, "Number") == [listed[key].number for key in ("newest", "middle", "older")]
    assert column(rows, "Service") == ["E-mail"] * 3
    assert column(rows, "Configuration items") == ["", "", "mx1"]
    assert response["Content-Disposition"] == f'attachment; filename="incidents-{timezone.localdate():%Y-%m-%d}.csv"'
    # Sorted as the list is asked to sort, every page of it.
    ordered = csv_rows(client.get(LIST, {"service": email.pk, "ordering": "reported", "export": "csv", "page": 2}))
    assert column(ordered, "Number") == [listed[key].number for key in ("older", "middle", "newest")]


def test_cells_a_spreadsheet_would_run_are_defused_in_csv(client, operator, listed, email):
    client.force_login(operator)

    rows = csv_rows(client.get(LIST, {"service": email.pk, "export": "csv"}))

    assert column(rows, "Short description") == ["'-2+3 bounce", '\'=HYPERLINK("http://evil")', "Mail slow"]


def test_the_xlsx_has_the_same_rows_as_text_never_formulas(client, operator, listed, email):
    client.force_login(operator)

    response = client.get(LIST, {"service": email.pk, "export": "xlsx"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith(f'filename="incidents-{timezone.localdate():%Y-%m-%d}.xlsx"')
    sheet, data = xlsx_sheet(response)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert column(rows, "Number") == [listed[key].number for key in ("newest", "middle", "older")]
    evil = sheet.cell(row=3, column=2)
    assert (evil.value, evil.data_type, evil.quotePrefix) == ('=HYPERLINK("http://evil")', "s", True)
    assert sheet.cell(row=4, column=2).quotePrefix is False
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_times_are_in_the_users_time_zone_in_iso_form(client, operator, email, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    reported = datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC)
    IncidentFactory(service=email, reported_at=reported)
    client.force_login(operator)

    rows = csv_rows(client.get(LIST, {"service": email.pk, "export": "csv"}))
    sheet, _ = xlsx_sheet(client.get(LIST, {"service": email.pk, "export": "xlsx"}))

    assert column(rows, "Reported (Europe/Berlin)") == ["2026-07-01 14:30"]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Reported (Europe/Berlin)") + 1)
    assert cell.value.isoformat() == "2026-07-01T14:30:00"  # a date cell: Excel has no time zones
    assert cell.number_format == "yyyy-mm-dd hh:mm"


def test_a_streamed_export_is_in_the_zone_the_user_chose_not_the_desks(client, operator, email, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    preferences_save(by=operator, theme=Theme.SYSTEM, density=Density.COMFORTABLE, time_zone="Asia/Tokyo")
    IncidentFactory(service=email, reported_at=datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC))
    client.force_login(operator)

    response = client.get(LIST, {"service": email.pk, "export": "csv"})
    rows = csv_rows(response)  # read after the response left the middleware, as a server streams it

    assert column(rows, "Reported (Asia/Tokyo)") == ["2026-07-01 21:30"]


def test_an_export_past_the_cap_is_refused_with_the_reason(client, operator, listed, email, settings):
    settings.EXPORT_ROW_CAP = 2
    client.force_login(operator)

    response = client.get(LIST, {"service": email.pk, "export": "xlsx"}, follow=True)

    assert response.redirect_chain == [(f"{LIST}?service={email.pk}", 302)]
    assert "More than 2 incidents match: narrow the filters to export them." in response.text
    assert len(csv_rows(client.get(LIST, {"service": email.pk, "q": "mail", "export": "csv"}))) == 2


def test_only_who_may_see_the_list_may_export_it(client, listed):
    client.force_login(UserFactory(roles=["Configuration managers"]))

    assert client.get(LIST, {"export": "csv"}).status_code == 403
    assert client.get(QUEUE, {"export": "xlsx"}).status_code == 403
    client.logout()
    assert client.get(LIST, {"export": "csv"}).status_code == 302  # to the sign-in page


def test_an_unknown_format_shows_the_list(client, operator, listed):
    client.force_login(operator)

    response = client.get(LIST, {"export": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def make_incidents(count: int, service, group) -> None:
    for n in range(count):
        IncidentFactory(
            service=service, assigned_group=group, assignee=UserFactory(), caller=ContactFactory(),
            parent=IncidentFactory(service=None) if n % 2 else None, cis=[ConfigurationItemFactory()],
        )  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reads_its_rows_in_a_fixed_number_of_queries(client, operator, email, fmt):
    client.force_login(operator)
    group = SupportGroupFactory()
    counts = []
    for added in (2, 18):  # 2 rows, then 20
        make_incidents(added, email, group)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"service": email.pk, "export": fmt})
            body(response)
        counts.append(len(queries))
    # Session, user, the service filter's choice, the cap's count, the rows (a server-side cursor), then one per
    # relation for the chunk: caller, service, group, assignee, master, CIs.
    assert counts == [11, 11], counts


@pytest.fixture
def queue_work(operator, support_member, network, vpn):
    fresh = investigating(operator, vpn, network, short_description="@SUM(A1) fresh handoff")
    mine = investigating(operator, vpn, network, short_description="Sam's")
    escalation.incident_acknowledge(by=support_member, incident_id=mine.pk)
    escalation.incident_assign(by=support_member, incident_id=mine.pk, assignee=support_member)
    elsewhere = investigating(operator, vpn, SupportGroupFactory(tier=2), short_description="Another group's")
    return {"fresh": fresh, "mine": mine, "elsewhere": elsewhere}


def test_the_queue_exports_its_tab_in_the_queues_order(client, support_member, queue_work):
    client.force_login(support_member)

    with CaptureQueriesContext(connection) as captured:
        group = csv_rows(client.get(QUEUE, {"tab": "group", "export": "csv"}))
    read = [query["sql"] for query in captured.captured_queries]
    # A file needs neither the page's selects (the user's own groups) nor its tabs' counts.
    of_groups = [sql for sql in read if sql.startswith('SELECT "cmdb_supportgroup"')]
    assert not any('"cmdb_supportgroup_members"."user_id" =' in sql for sql in of_groups)
    assert not any(" FILTER (WHERE " in sql for sql in read)
    mine = csv_rows(client.get(QUEUE, {"tab": "mine", "export": "csv"}))
    searched, _ = xlsx_sheet(client.get(QUEUE, {"tab": "group", "q": "Sam", "export": "xlsx"}))

    assert column(group, "Number") == [queue_work["fresh"].number, queue_work["mine"].number]
    assert column(group, "Short description") == ["'@SUM(A1) fresh handoff", "Sam's"]
    assert column(mine, "Number") == [queue_work["mine"].number]
    assert column(mine, "Assignee") == [support_member.get_full_name()]
    assert [row[0].value for row in searched.iter_rows(min_row=2)] == [queue_work["mine"].number]
    disposition = client.get(QUEUE, {"tab": "mine", "export": "xlsx"})["Content-Disposition"]
    assert disposition.endswith(f'filename="queue-mine-{timezone.localdate():%Y-%m-%d}.xlsx"')


def test_the_export_links_carry_the_lists_filters(client, operator, listed, email):
    client.force_login(operator)

    page = client.get(LIST, {"service": email.pk, "page": 1}).text

    assert f'href="?service={email.pk}&amp;export=csv">Export CSV</a>' in page
    assert f'href="?service={email.pk}&amp;export=xlsx">Export XLSX</a>' in page
