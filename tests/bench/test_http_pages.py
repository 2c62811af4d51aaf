"""The pure parts of bench/http_pages.py: the load's counting, the statements read from /metrics, the table."""

import math

import http_pages
import pytest

EXPOSITION = """\
# HELP servicedesk_http_request_queries SQL statements the request ran
# TYPE servicedesk_http_request_queries histogram
servicedesk_http_request_queries_bucket{le="10.0",method="GET",view="incidents:incident_list"} 3.0
servicedesk_http_request_queries_count{method="GET",view="incidents:incident_list"} 4.0
servicedesk_http_request_queries_sum{method="GET",view="incidents:incident_list"} 40.0
servicedesk_http_request_queries_count{method="GET",view="servicedesk:metrics"} 2.0
servicedesk_http_request_queries_sum{method="GET",view="servicedesk:metrics"} 0.0
servicedesk_http_request_duration_seconds_count{method="GET",status="2xx",view="incidents:incident_list"} 4.0
"""


def test_load_counts_every_answer_of_every_client_per_second_of_the_run():
    clients = [
        http_pages.LoadCounts(times=[10.0, 20.0, 30.0]),
        http_pages.LoadCounts(times=[40.0], failures=2),
    ]

    result = http_pages.load_result(clients, seconds=2.0)

    assert (result.requests, result.failures, result.per_second, result.p95) == (4, 2, 2.0, 40.0)


def test_a_load_that_got_no_answer_has_no_percentile():
    result = http_pages.load_result([http_pages.LoadCounts(failures=3)], seconds=1.0)

    assert (result.requests, result.failures, result.per_second) == (0, 3, 0.0)
    assert math.isnan(result.p95)


def test_query_totals_reads_the_count_and_sum_of_each_view_and_nothing_else():
    assert http_pages.query_totals(EXPOSITION) == {
        ("incidents:incident_list", "GET"): (4.0, 40.0),
        ("servicedesk:metrics", "GET"): (2.0, 0.0),
    }


def test_statements_per_request_are_those_of_the_view_that_answered_between_two_readings():
    before = http_pages.query_totals(EXPOSITION)
    after = {
        ("incidents:incident_list", "GET"): (34.0, 340.0),  # 30 more requests, 10 statements each
        ("servicedesk:metrics", "GET"): (3.0, 0.0),  # the reading itself
        ("incidents:incident_detail", "GET"): (5.0, 80.0),  # new since the first reading
    }

    assert http_pages.statements_per_request(before, after) == ("incidents:incident_list", 10.0)
    assert http_pages.statements_per_request(after, after) is None


def test_the_table_is_markdown_with_its_figures_right_aligned():
    printed = http_pages.table(("page", "ms"), [["list", "361"], ["dashboard", "1,104"]])

    assert printed.splitlines() == [
        "| page      |    ms |",
        "|-----------|------:|",
        "| list      |   361 |",
        "| dashboard | 1,104 |",
    ]


@pytest.mark.parametrize(
    ("value", "digits", "shown"), [(1234.4, 0, "1,234"), (83.66, 1, "83.7"), (None, 0, "-"), (math.nan, 1, "-")]
)
def test_numbers_are_grouped_and_missing_ones_are_a_hyphen(value, digits, shown):
    assert http_pages.number(value, digits) == shown


def test_a_row_shows_what_was_not_measured_as_a_hyphen_and_failures_beside_the_rate():
    alone = http_pages.harness.Spread(361.2, 469.0, 500.0)
    loaded = http_pages.LoadResult(requests=30, failures=1, per_second=3.04, p95=3218.4)

    assert http_pages.row("list", alone, loaded, ("incidents:incident_list", 10.0)) == [
        "list", "361", "469", "3.0 (1 failed)", "3,218", "10",
    ]  # fmt: skip
    assert http_pages.row("recording", http_pages.harness.Spread(12.5, 20.0, 30.0), None, None) == [
        "recording", "12.5", "20.0", "-", "-", "-",
    ]  # fmt: skip
