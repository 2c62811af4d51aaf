"""The category lists (classify, close, the knowledge forms and filters): every category by its full path, in
the order of the path, and a select the browser can search (the script turns it into a search box)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.forms.steps import ClassifyForm, CloseForm
from knowledge.filters import ArticleFilter, KnownErrorFilter, ProblemFilter
from knowledge.forms import ArticleForm, KnownErrorForm, MatcherForm, ProblemForm
from knowledge.selectors import categories_in_use
from tests.incidents.workflow import record
from tests.knowledge.factories import CategoryFactory, KnownErrorFactory

pytestmark = pytest.mark.django_db

# The tree in an order that differs from its paths' (so a sort by parent's name, or by name, shows).
TREE_PATHS = [
    "Workplace / Printing / Paper jam",
    "Access",
    "Workplace",
    "Access / Passwords / Expired",
    "Workplace / Printing",
    "Access / Passwords",
    "Zebra printers",
    "workplace / mobile",
    "Access / Badges",
]
IN_PATH_ORDER = [
    "Access",
    "Access / Badges",
    "Access / Passwords",
    "Access / Passwords / Expired",
    "Workplace",
    "Workplace / mobile",
    "Workplace / Printing",
    "Workplace / Printing / Paper jam",
    "Zebra printers",
]


@pytest.fixture
def tree():
    made = {}
    for path in sorted(TREE_PATHS, key=lambda path: path.count(" / ")):  # parents first, otherwise shuffled
        *parents, name = path.split(" / ")
        parent = made.get(" / ".join(parents).lower()) if parents else None
        made[path.lower()] = CategoryFactory(name=name, parent=parent)
    return made


def labels(field) -> list[str]:
    return [label for value, label in field.choices if value != ""]


def test_categories_in_use_come_in_the_order_of_their_full_path(tree):
    assert [category.path_label for category in categories_in_use()] == IN_PATH_ORDER


def test_a_retired_category_is_left_out_but_kept_where_a_record_has_it(tree):
    tree["access / badges"].active = False
    tree["access / badges"].save()
    known_error = KnownErrorFactory(categories=[tree["access / badges"]])

    assert "Access / Badges" not in labels(KnownErrorForm().fields["categories"])
    assert labels(KnownErrorForm(instance=known_error).fields["categories"]) == IN_PATH_ORDER


def test_every_category_list_shows_full_paths_in_path_order(operator, tree):
    incident = record(by=operator)
    lists = {
        "classify": ClassifyForm(incident=incident).fields["category"],
        "close": CloseForm(incident=incident).fields["root_cause_category"],
        "problem": ProblemForm().fields["category"],
        "known error": KnownErrorForm().fields["categories"],
        "article": ArticleForm().fields["category"],
        "matcher": MatcherForm().fields["category"],
        "problem filter": ProblemFilter().form.fields["category"],
        "known error filter": KnownErrorFilter().form.fields["category"],
        "article filter": ArticleFilter().form.fields["category"],
    }

    for name, field in lists.items():
        assert labels(field) == IN_PATH_ORDER, name


def test_single_category_selects_are_marked_for_the_search_box(client, operator, tree):
    client.force_login(operator)
    incident = record(by=operator)

    classify = client.get(reverse("incidents:step", args=[incident.number, "classify"])).text
    problems = client.get(reverse("knowledge:problem_list")).text

    assert '<select name="category" data-picker-select' in classify
    assert 'data-picker-empty="No category matches."' in classify
    assert '<select name="category" data-picker-select' in problems
