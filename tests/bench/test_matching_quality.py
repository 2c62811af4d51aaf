"""bench/matching_quality.py: its set fits the demo data, and its figures mean what bench/README.md says."""

import matching_quality as mq
import pytest

from incidents.demo.records import CLUSTERS, TOPICS
from knowledge.demo.records import KNOWN_ERRORS


def case(expected=(), tags=("short",), text="x", about=""):
    return mq.Case(text, frozenset(expected), tuple(tags), about)


def test_rank_is_that_of_the_first_right_answer_listed():
    wanted = case(["b", "c"])

    assert mq.Outcome(wanted, ("a", "c", "b")).rank == 2
    assert mq.Outcome(wanted, ("b",)).rank == 1
    assert mq.Outcome(wanted, ("a",)).rank is None
    assert mq.Outcome(wanted, ()).rank is None


def test_figures_count_answered_cases_and_none_cases_apart():
    outcomes = [
        mq.Outcome(case(["k"]), ("k", "x")),  # first
        mq.Outcome(case(["k"]), ("x", "y", "k")),  # third
        mq.Outcome(case(["k"]), ("x", "y", "z", "k")),  # fourth
        mq.Outcome(case(["k"]), ()),  # not listed
        mq.Outcome(case(), ("x",)),  # a false offer
        mq.Outcome(case(), ()),
    ]

    result = mq.figures(outcomes)

    assert (result.answered, result.nones) == (4, 2)
    assert result.top1 == 0.25
    assert result.top3 == 0.5
    assert result.listed == 0.75
    assert result.mrr == pytest.approx((1 + 1 / 3 + 1 / 4 + 0) / 4)
    assert result.false_offers == 0.5


def test_figures_of_no_cases_are_zero_and_print_as_dashes():
    result = mq.figures([])

    assert result == mq.Figures(0, 0.0, 0.0, 0.0, 0.0, 0, 0.0)
    assert result.row().split() == ["0", "-", "-", "-", "-", "0", "-"]


def test_read_cases_takes_a_key_a_list_or_none(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text(
        "cases:\n"
        "  - {text: a, answer: one, tags: [short]}\n"
        "  - {text: b, answer: [one, two], tags: [long]}\n"
        "  - {text: c, answer: none, about: t, tags: [short]}\n"
    )

    assert mq.read_cases(path, "answer") == [
        case(["one"], text="a"),
        case(["one", "two"], ("long",), text="b"),
        case(text="c", about="t"),
    ]
    path.write_text("cases:\n  - {text: a, answer: [], tags: [short]}\n")
    with pytest.raises(ValueError, match="case 0 has no answer"):
        mq.read_cases(path, "answer")


def test_set_problems_name_unknown_answers_tags_topics_and_repeats():
    cases = [case(["nope"], text="a"), case(tags=("loud",), text="b"), case(text="A", about="gone")]

    assert mq.set_problems(cases, keys={"k"}, topics={"t"}) == [
        "a: no such answer 'nope'",
        "b: no such tag 'loud'",
        "A: no such topic 'gone'",
        "A: twice",
    ]


def test_the_known_error_set_names_published_demo_known_errors_with_enough_none_cases():
    cases = mq.read_cases(mq.KNOWN_ERRORS_FILE, "known_error")
    published = {spec.title for spec in KNOWN_ERRORS if not spec.draft}

    assert mq.set_problems(cases, keys=published) == []
    assert len(cases) >= 150
    assert sum(not c.expected for c in cases) >= 30


@pytest.mark.parametrize("name", ["known_errors_later.yaml", "known_errors_none_later.yaml"])
def test_the_later_known_error_sets_name_published_demo_known_errors(name):
    """The out-of-sample sets run by --known-errors: a known error they name that the demo no longer publishes would
    count as a miss."""
    cases = mq.read_cases(mq.EVAL_DIR / name, "known_error")
    published = {spec.title for spec in KNOWN_ERRORS if not spec.draft}

    assert mq.set_problems(cases, keys=published) == []
    assert cases


def test_the_incident_set_names_demo_topics():
    cases = mq.read_cases(mq.INCIDENTS_FILE, "open")
    topics = {topic.key for topic in TOPICS}

    assert mq.set_problems(cases, keys=topics, topics=topics) == []
    assert len(cases) >= 60
    assert sum(not c.expected for c in cases) >= 15


def test_every_way_the_demo_words_an_incident_leads_to_its_topic():
    patterns = mq.summary_patterns()

    for topic in TOPICS:
        for summary in topic.summaries:
            assert mq.topic_of(summary.format(floor="3rd floor", city="Amsterdam"), patterns) == topic.key
    for cluster in CLUSTERS:
        for call in cluster.calls:
            assert mq.topic_of(call.summary, patterns) == cluster.topic
    assert mq.topic_of("Something else entirely", patterns) == ""
