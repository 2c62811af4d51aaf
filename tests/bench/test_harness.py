"""The pure parts of bench/harness.py: the figures every benchmark reports, and its timing loops."""

import math

import harness
import pytest


def test_spread_is_median_nearest_rank_p95_and_maximum():
    times = [float(n) for n in range(100, 0, -1)]  # 1 to 100, unordered

    assert harness.spread(times) == (50.5, 95.0, 100.0)
    assert harness.spread([3.0]) == (3.0, 3.0, 3.0)
    assert harness.spread([1.0, 2.0]) == (1.5, 2.0, 2.0)


def test_spread_formats_as_the_result_tables_print_it():
    result = harness.Spread(1.25, 2.5, 10.0)

    assert result.labelled() == "median     1.2 ms   p95     2.5 ms   max    10.0 ms"
    assert result.labelled(".2f", ", ") == "median 1.25 ms, p95 2.50 ms, max 10.00 ms"
    assert result.slashed() == "   1.2 /    2.5 /   10.0"


def test_time_each_warms_up_on_the_first_samples_then_times_every_sample():
    calls = []

    measured = harness.time_each([1, 2, 3], lambda n: calls.append(n) or n * 10, warm_up=2)

    assert calls == [1, 2, 1, 2, 3]
    assert measured.results == [10, 20, 30]
    assert len(measured.times) == 3
    assert all(ms >= 0 for ms in measured.times)


def test_time_runs_calls_warm_up_plus_runs_times():
    calls = []

    measured = harness.time_runs(lambda: calls.append(None) or len(calls), runs=4, warm_up=3)

    assert len(calls) == 7
    assert measured.results == [4, 5, 6, 7]
    assert measured.spread().maximum == max(measured.times)


def test_hit_rates_count_first_and_among():
    answers = {"a": ["x", "y"], "b": ["y", "x"], "c": [], "d": ["z"]}

    first, among = harness.hit_rates(list(answers), answers.__getitem__, lambda query: "x")

    assert (first, among) == (0.25, 0.5)
    assert all(math.isnan(share) for share in harness.hit_rates([], answers.__getitem__, lambda query: "x"))


def test_arguments_take_the_shared_options_and_those_asked_for():
    parser = harness.arguments("A benchmark.\n\nMore.", samples=(200, "queries"), incidents=True)

    args = parser.parse_args(["--samples", "20", "--incidents", "20000"])

    assert (args.reload, args.seed, args.samples, args.incidents) == (False, 42, 20, 20000)
    assert parser.parse_args([]).incidents == harness.INCIDENTS
    with pytest.raises(SystemExit):
        parser.parse_args(["--runs", "3"])
