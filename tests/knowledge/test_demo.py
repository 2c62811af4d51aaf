"""The knowledge-base demo data: fits the CMDB demo, reads like a real desk's, and is safe to load twice."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, Q
from django.utils import timezone

from cmdb.demo import load_cmdb_demo
from cmdb.models import ConfigurationItem, Service, SupportGroup
from knowledge.choices import ArticleKind, ArticleStatus, FixStatus, ProblemState
from knowledge.demo import ARTICLES, KNOWN_ERRORS, PROBLEMS, category_rows, load_knowledge_demo
from knowledge.models import SEARCH_CONFIG, Article, Category, KnownError, Problem
from knowledge.vectors import stale_known_errors
from servicedesk.demo import load_accounts

pytestmark = pytest.mark.django_db

MODELS = (Category, Problem, KnownError, Article)
LINKS = (
    Problem.services.through,
    Problem.cis.through,
    KnownError.categories.through,
    KnownError.services.through,
    KnownError.cis.through,
    Article.services.through,
)


@pytest.fixture
def demo() -> None:
    load_accounts()
    load_cmdb_demo()
    load_knowledge_demo()


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in (*MODELS, *LINKS)}


def test_the_demo_has_a_category_tree_problems_known_errors_and_articles(demo):
    assert 55 <= KnownError.objects.count() <= 70
    assert 36 <= Article.objects.count() <= 44
    assert 10 <= Problem.objects.count() <= 15
    top = Category.objects.filter(parent__isnull=True)
    assert 8 <= top.count() <= 10
    assert not top.annotate(n=Count("children")).filter(Q(n__lt=2) | Q(n__gt=5)).exists()
    assert Category.objects.filter(parent__parent__isnull=False).count() >= 10
    assert Category.objects.get(name="Paper jam").parent.parent.name == "Hardware"
    assert 2 <= Category.objects.filter(active=False).count() <= 4


def test_problems_are_spread_over_the_states_and_owned_by_support_groups(demo):
    assert set(Problem.objects.values_list("state", flat=True)) == set(ProblemState)
    assert not Problem.objects.exclude(state=ProblemState.OPEN).filter(root_cause="").exists()
    assert not Problem.objects.filter(owner_group__isnull=True).exists()
    assert SupportGroup.objects.filter(problems__isnull=False).distinct().count() >= 5
    assert not Problem.objects.annotate(n=Count("cis")).filter(n=0).exists()
    with_known_errors = KnownError.objects.filter(problem__isnull=False)
    assert with_known_errors.count() >= 15
    assert Problem.objects.filter(known_errors__isnull=False).distinct().count() == Problem.objects.count()


def test_most_known_errors_are_linked_to_the_cmdb(demo):
    linked = KnownError.objects.filter(Q(cis__isnull=False) | Q(services__isnull=False)).distinct().count()

    assert linked >= 0.8 * KnownError.objects.count()
    assert not KnownError.objects.annotate(n=Count("categories")).filter(Q(n=0) | Q(n__gt=2)).exists()


def test_every_cmdb_name_in_the_data_is_one_the_cmdb_demo_defines(demo):
    ci_names = {name for spec in (*PROBLEMS, *KNOWN_ERRORS) for name in spec.cis}
    service_names = {name for spec in (*PROBLEMS, *KNOWN_ERRORS, *ARTICLES) for name in spec.services}
    paths = {path for path, _, _ in category_rows()}

    assert ci_names - set(ConfigurationItem.objects.values_list("name", flat=True)) == set()
    assert service_names - set(Service.objects.values_list("name", flat=True)) == set()
    assert {spec.owner_group for spec in PROBLEMS} <= set(SupportGroup.objects.values_list("name", flat=True))
    used_paths = {path for spec in KNOWN_ERRORS for path in spec.categories}
    used_paths |= {spec.category for spec in (*PROBLEMS, *ARTICLES)}
    assert used_paths - paths == set()


def test_published_known_errors_have_symptoms_and_a_numbered_workaround(demo):
    published = KnownError.objects.filter(published=True)

    assert 0.8 <= published.count() / KnownError.objects.count() <= 0.9
    assert not published.filter(Q(symptoms="") | Q(workaround="")).exists()
    assert all(workaround.startswith("1. ") for workaround in published.values_list("workaround", flat=True))
    assert set(published.values_list("published_by__username", flat=True)) == {"support"}
    assert not published.filter(Q(published_at__isnull=True) | Q(published_at__lt=F("created_at"))).exists()
    assert not KnownError.objects.filter(published=False).exclude(published_at=None).exists()
    assert set(KnownError.objects.values_list("fix_status", flat=True)) == set(FixStatus)


def test_the_demo_leaves_every_known_error_embedded(demo):
    assert not stale_known_errors().exists()


def test_known_errors_were_used_lately(demo):
    now = timezone.now()
    used = KnownError.objects.filter(times_used__gt=0)

    assert used.count() >= 40
    assert not KnownError.objects.filter(times_used__gt=40).exists()
    assert not used.filter(last_used_at__isnull=True).exists()
    assert not used.filter(last_used_at__lt=now - datetime.timedelta(days=60)).exists()
    assert not used.filter(last_used_at__gt=now).exists()
    assert not KnownError.objects.filter(times_used=0).exclude(last_used_at=None).exists()
    assert used.filter(last_used_at__gte=now - datetime.timedelta(days=2)).count() >= 5


def test_articles_are_markdown_how_tos_and_references_by_the_demo_staff(demo):
    assert set(Article.objects.values_list("kind", flat=True)) == set(ArticleKind)
    assert 2 <= Article.objects.filter(status=ArticleStatus.DRAFT).count() <= 6
    assert set(Article.objects.values_list("author__username", flat=True)) == {"operator", "support"}
    assert not Article.objects.filter(category__isnull=True).exists()
    bodies = list(Article.objects.values_list("body", flat=True))
    assert all(80 <= len(body.split()) <= 250 for body in bodies)
    assert all(re.search(r"^(## |\|---|1\. )", body, re.MULTILINE) for body in bodies)
    assert sum("|---" in body for body in bodies) >= 10
    assert sum("](https://" in body or "<https://" in body for body in bodies) >= 5


def test_loading_the_knowledge_demo_twice_creates_nothing_twice(demo):
    before = counts()

    load_knowledge_demo()

    assert counts() == before


def test_a_later_load_keeps_last_used_recent(demo):
    long_ago = timezone.now() - datetime.timedelta(days=200)
    KnownError.objects.filter(times_used__gt=0).update(last_used_at=long_ago)

    load_knowledge_demo()

    recent = timezone.now() - datetime.timedelta(days=60)
    assert not KnownError.objects.filter(times_used__gt=0, last_used_at__lt=recent).exists()


def test_the_knowledge_demo_loads_without_the_cmdb_and_the_demo_accounts():
    load_knowledge_demo()

    assert KnownError.objects.count() >= 55
    assert not KnownError.cis.through.objects.exists()
    assert not Problem.objects.exclude(owner_group=None).exists()
    assert not KnownError.objects.exclude(published_by=None).exists()
    assert KnownError.objects.filter(published=True).count() >= 45


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("outlook keeps saying trying to connect and no new mail", "Outlook stuck on 'Trying to connect…'"),
        ("my mailbox is full and I can't send email", "Mailbox full: cannot send any more e-mail"),
        ("vpn not working since I changed my password", "VPN does not connect after a password change"),
        ("paper jam in tray 2 when printing double sided", "Colour printer jams in tray 2"),
        ("printer only prints blank pages", "Printer prints blank pages"),
        ("monitors on the docking station stay black", "External monitors stay black"),
        ("erp very slow end of month", "ERP very slow at month end"),
        ("scanner says session expired, lost my pick list", "Handheld scanner shows 'Session expired'"),
        ("access denied on the department folder after moving team", "'Access denied' on the department share"),
        ("softphone stuck registering", "Softphone stuck on 'Registering…'"),
    ],
)  # fmt: skip
def test_a_callers_words_find_the_right_known_error(demo, description, expected):
    query = SearchQuery(" OR ".join(description.split()), config=SEARCH_CONFIG, search_type="websearch")
    best = (
        KnownError.objects.filter(published=True, search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank")
        .values_list("title", flat=True)
        .first()
    )

    assert best is not None
    assert best.startswith(expected)
