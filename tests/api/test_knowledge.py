"""The knowledge base through the API: read by the roles that read it on the pages, known errors, articles and
problems written through the pages' forms by the roles that write them there, published by support, and searched
as on the knowledge search page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from knowledge.choices import ArticleStatus, FixStatus
from knowledge.models import Article, KnownError, Problem
from servicedesk.api.versions import etag_at
from tests.cmdb.factories import ConfigurationItemFactory, ServiceFactory
from tests.knowledge.factories import ArticleFactory, CategoryFactory, KnownErrorFactory, ProblemFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
LISTS = ["problems", "known-errors", "articles", "categories"]
READERS = ["operator", "support_member", "manager"]


def one_of_each() -> dict[str, str]:
    category = CategoryFactory(name="Printing")
    problem = ProblemFactory(category=category)
    known_error = KnownErrorFactory(problem=problem, categories=[category])
    return {
        "problems": f"/api/v1/problems/{problem.number}/",
        "known-errors": f"/api/v1/known-errors/{known_error.number}/",
        "articles": f"/api/v1/articles/{ArticleFactory(category=category).pk}/",
    }


@pytest.mark.parametrize("role", READERS)
def test_the_roles_that_read_the_knowledge_base_read_every_list_and_record(api, role, request):
    client = api(request.getfixturevalue(role))
    records = one_of_each()
    for name in LISTS:
        listed = client.get(f"/api/v1/{name}/")
        assert listed.status_code == 200, name
        assert len(listed.json()["results"]) == 1, name
    for url in records.values():
        record = client.get(url)
        assert record.status_code == 200, url
        assert record["ETag"].startswith('"t')
        assert record.json()["url"].endswith(url)
    assert client.get("/api/v1/knowledge/search/", {"q": "screen"}).status_code == 200


def test_configuration_managers_do_not_read_the_knowledge_base(api, config_manager):
    client = api(config_manager)
    records = one_of_each()
    for url in [*(f"/api/v1/{name}/" for name in LISTS), *records.values(), "/api/v1/knowledge/search/?q=x"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert response["Content-Type"] == PROBLEM


def test_the_desk_records_a_known_error_through_the_pages_form_unpublished(api, operator):
    printer = ConfigurationItemFactory(name="prn-3f")
    category = CategoryFactory(name="Printer")
    response = api(operator).post(
        "/api/v1/known-errors/",
        {"title": "Paper jam that is not", "symptoms": "The printer says paper jam; there is none.",
         "workaround": "Open and close tray 2.", "fix_status": "planned", "categories": [category.pk],
         "cis": ["prn-3f"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    known_error = KnownError.objects.get(title="Paper jam that is not")
    assert (known_error.published, known_error.fix_status) == (False, FixStatus.PLANNED)
    assert list(known_error.cis.all()) == [printer]
    assert response["Location"].endswith(f"/api/v1/known-errors/{known_error.number}/")
    assert response.json()["categories"] == [{"id": category.pk, "name": "Printer"}]


def test_known_errors_are_written_by_the_desk_and_support_only(api, manager, support_member):
    body = {"title": "Slow VPN", "symptoms": "Slow.", "workaround": "Reconnect.", "fix_status": "none"}
    assert api(manager).post("/api/v1/known-errors/", body, format="json").status_code == 403
    assert api(support_member, writes=False).post("/api/v1/known-errors/", body, format="json").status_code == 403
    assert api(support_member).post("/api/v1/known-errors/", body, format="json").status_code == 201


def test_a_known_error_without_symptoms_or_workaround_is_a_400_by_field(api, operator):
    response = api(operator).post("/api/v1/known-errors/", {"title": "Half"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"symptoms", "workaround", "fix_status"}
    assert not KnownError.objects.exists()


def test_a_known_error_changed_since_it_was_read_is_412(api, operator, support_member):
    known_error = KnownErrorFactory(workaround="Restart.")
    client = api(operator)
    etag = client.get(f"/api/v1/known-errors/{known_error.number}/")["ETag"]
    patched = client.patch(
        f"/api/v1/known-errors/{known_error.number}/", {"workaround": "Restart twice."}, format="json",
        HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert patched.status_code == 200, patched.json()
    known_error.refresh_from_db()
    assert (known_error.workaround, known_error.title) == ("Restart twice.", patched.json()["title"])
    stale = api(support_member).patch(
        f"/api/v1/known-errors/{known_error.number}/", {"cause": "Cache."}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == patched["ETag"]


def test_support_publishes_and_withdraws_a_known_error(api, support_member, operator):
    known_error = KnownErrorFactory()
    url = f"/api/v1/known-errors/{known_error.number}/"
    assert api(operator).post(url + "publish/").status_code == 403
    published = api(support_member).post(url + "publish/")
    assert published.status_code == 200
    assert (published.json()["published"], published.json()["published_by"]["id"]) == (True, support_member.pk)
    assert api(support_member).post(url + "withdraw/").json()["published"] is False


def test_an_article_is_written_with_its_author_and_read_with_its_html(api, support_member):
    response = api(support_member).post(
        "/api/v1/articles/",
        {"title": "Reset a password", "kind": "how_to", "status": "published", "body": "1. Open *Settings*."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    article = Article.objects.get(title="Reset a password")
    assert article.author == support_member
    assert "<em>Settings</em>" in response.json()["body_html"]


def test_problems_are_written_by_problem_managers(api, manager, operator):
    body = {"title": "Printers drop off the network", "state": "open"}
    assert api(operator).post("/api/v1/problems/", body, format="json").status_code == 403
    response = api(manager).post("/api/v1/problems/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == Problem.objects.get().number


def test_the_search_is_the_search_pages(api, operator):
    jam = KnownErrorFactory(title="Printer reports paper jam", symptoms="Paper jam shown.", published=True)
    KnownErrorFactory(title="Outlook asks for the password")
    ArticleFactory(title="Clearing a paper jam", body="Open the tray.", status=ArticleStatus.DRAFT)
    client = api(operator)
    found = client.get("/api/v1/knowledge/search/", {"q": "paper jam"}).json()
    assert [row["number"] for row in found["known_errors"]] == [jam.number]
    assert [(row["title"], row["status"]) for row in found["articles"]] == [("Clearing a paper jam", "draft")]
    assert client.get("/api/v1/knowledge/search/", {"q": jam.number.lower()}).json()["known_errors"][0]["number"] == (
        jam.number
    )
    assert client.get("/api/v1/knowledge/search/").json() == {"problems": [], "known_errors": [], "articles": []}
    refused = client.get("/api/v1/knowledge/search/", {"q": "jam", "limit": 500})
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"limit"}


def test_known_errors_are_paged_newest_first_and_filtered_as_on_their_page(api, operator):
    service = ServiceFactory()
    made = [KnownErrorFactory(published=n % 2 == 0, services=[service] if n == 0 else []) for n in range(5)]
    client = api(operator)
    first = client.get("/api/v1/known-errors/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    numbers = [row["number"] for row in first["results"] + second["results"]]
    assert numbers == [known_error.number for known_error in reversed(made)]
    published = client.get("/api/v1/known-errors/", {"published": "true"}).json()["results"]
    assert [row["number"] for row in published] == [made[4].number, made[2].number, made[0].number]
    by_service = client.get("/api/v1/known-errors/", {"service": service.pk}).json()["results"]
    assert [row["number"] for row in by_service] == [made[0].number]


def test_a_problem_update_keeps_its_links_when_patched(api, manager):
    problem = ProblemFactory()
    web = ConfigurationItemFactory(name="web-01")
    client = api(manager)
    first = client.patch(
        f"/api/v1/problems/{problem.number}/", {"cis": ["web-01"]}, format="json",
        HTTP_IF_MATCH=etag_at(problem.updated_at),
    )  # fmt: skip
    assert first.status_code == 200, first.json()
    second = client.patch(
        f"/api/v1/problems/{problem.number}/", {"root_cause": "Firmware."}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert second.status_code == 200, second.json()
    assert second.json()["cis"] == [{"id": web.pk, "name": "web-01"}]
    assert second.json()["root_cause"] == "Firmware."


MAKERS = {
    "problems": lambda n: ProblemFactory.create_batch(n, category=CategoryFactory()),
    "known-errors": lambda n: KnownErrorFactory.create_batch(n),
    "articles": lambda n: ArticleFactory.create_batch(n, category=CategoryFactory()),
    "categories": lambda n: [CategoryFactory(parent=CategoryFactory(parent=CategoryFactory())) for _ in range(n)],
}


@pytest.mark.parametrize("name", LISTS)
def test_a_list_runs_the_same_queries_for_2_rows_as_for_20(api, operator, name, django_assert_num_queries):
    client = api(operator)
    client.get(f"/api/v1/{name}/")  # the token's first use is noted once
    MAKERS[name](2)
    expected = len(client.get(f"/api/v1/{name}/", {"page_size": 100}).json()["results"])
    with django_assert_num_queries(2):  # the token with its user's permissions, the page
        client.get(f"/api/v1/{name}/", {"page_size": 100})
    MAKERS[name](18)
    with django_assert_num_queries(2):
        assert len(client.get(f"/api/v1/{name}/", {"page_size": 100}).json()["results"]) == expected * 10


def test_a_search_runs_a_fixed_number_of_queries_whatever_it_finds(api, operator, django_assert_num_queries):
    client = api(operator)
    client.get("/api/v1/knowledge/search/")
    for count in (2, 20):
        while KnownError.objects.count() < count:
            KnownErrorFactory(title="Printer paper jam", updated_at=timezone.now())
        # The token with its user's permissions; problems, known errors and articles with every word; the lists
        # being short, the matcher's (one here: its words find no candidate) and those with some of the words.
        with django_assert_num_queries(7):
            client.get("/api/v1/knowledge/search/", {"q": "paper jam", "limit": 50})
