"""Knowledge pages: who may read, write, publish and manage problems; fixed query counts; safe Markdown."""

from __future__ import annotations

import re

import factory
import pytest
from django.urls import reverse

from knowledge.models import Article, KnownError
from tests.cmdb.factories import ConfigurationItemFactory, ServiceFactory, SupportGroupFactory
from tests.factories import UserFactory
from tests.knowledge.factories import ArticleFactory, CategoryFactory, KnownErrorFactory, ProblemFactory

pytestmark = pytest.mark.django_db

LISTS = ["knowledge:knownerror_list", "knowledge:problem_list", "knowledge:article_list", "knowledge:search",
         "knowledge:matcher"]  # fmt: skip


@pytest.mark.parametrize("url_name", LISTS)
def test_desk_support_and_managers_read_the_knowledge_base(client, operator, support_member, manager, url_name):
    for user in (operator, support_member, manager):
        client.force_login(user)
        assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("url_name", LISTS)
def test_others_get_403(client, config_manager, url_name):
    for user in (config_manager, UserFactory()):
        client.force_login(user)
        assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize(
    ("url_name", "allowed", "refused"),
    [
        ("knowledge:knownerror_create", ["operator", "support_member"], ["manager", "config_manager"]),
        ("knowledge:article_create", ["operator", "support_member"], ["manager", "config_manager"]),
        ("knowledge:problem_create", ["support_member", "manager"], ["operator", "config_manager"]),
    ],
)
def test_who_may_write_what(client, request, url_name, allowed, refused):
    for name in allowed:
        client.force_login(request.getfixturevalue(name))
        assert client.get(reverse(url_name)).status_code == 200, name
    for name in refused:
        client.force_login(request.getfixturevalue(name))
        assert client.get(reverse(url_name)).status_code == 403, name


def test_an_operator_records_a_known_error_as_a_draft(client, operator):
    ci = ConfigurationItemFactory(name="prn-ams-01")
    client.force_login(operator)

    response = client.post(
        reverse("knowledge:knownerror_create"),
        {
            "title": "Printer reports a paper jam with no paper stuck",
            "symptoms": "my printer says paper jam but there is nothing in it",
            "workaround": "1. Open tray 2.\n2. Push the sensor flap down.",
            "fix_status": "none",
            "cis": "prn-ams-01",
        },
    )

    known_error = KnownError.objects.get()
    assert response.url == known_error.get_absolute_url()
    assert known_error.number.startswith("KE")
    assert not known_error.published
    assert list(known_error.cis.all()) == [ci]


def test_only_support_publishes_and_a_published_known_error_says_so(client, operator, support_member):
    known_error = KnownErrorFactory()
    url = reverse("knowledge:knownerror_publish", args=[known_error.number])

    client.force_login(operator)
    assert client.post(url).status_code == 403
    known_error.refresh_from_db()
    assert not known_error.published

    client.force_login(support_member)
    page = client.post(url, follow=True).text
    known_error.refresh_from_db()
    assert known_error.published
    assert known_error.published_by == support_member
    assert "is published: the matcher offers it from now on." in page

    client.post(reverse("knowledge:knownerror_withdraw", args=[known_error.number]))
    known_error.refresh_from_db()
    assert not known_error.published


def test_publishing_needs_a_get_free_post(client, support_member):
    known_error = KnownErrorFactory()
    client.force_login(support_member)

    assert client.get(reverse("knowledge:knownerror_publish", args=[known_error.number])).status_code == 405


def test_a_known_error_without_a_workaround_cannot_be_published(client, support_member):
    known_error = KnownErrorFactory(workaround="  ")
    client.force_login(support_member)

    page = client.post(reverse("knowledge:knownerror_publish", args=[known_error.number]), follow=True).text

    assert "needs symptoms and a workaround before it can be published" in page
    known_error.refresh_from_db()
    assert not known_error.published


def test_article_markdown_cannot_inject_a_script(client, operator):
    article = ArticleFactory(
        body=(
            "# Reset\n\n<script>alert('x')</script>\n\n"
            "[click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
            '<a href="#" onclick="alert(1)">link</a>\n\n[safe](https://intranet.example/help)'
        )
    )
    client.force_login(operator)

    page = client.get(reverse("knowledge:article_detail", args=[article.pk])).text
    body = page[page.index('<article class="card prose">') : page.index("</article>")]
    tags = re.findall(r"<[a-z][^>]*>", body)

    assert not [tag for tag in tags if tag.startswith("<script") or "javascript:" in tag]
    assert not [tag for tag in tags if re.search(r"\son[a-z]+=", tag)]
    assert "&lt;script&gt;" in body  # shown as text, not run
    assert '<a href="https://intranet.example/help" rel="noopener noreferrer nofollow">safe</a>' in body
    assert "<h1>Reset</h1>" in body


def test_a_new_article_records_its_author(client, support_member):
    client.force_login(support_member)

    client.post(
        reverse("knowledge:article_create"),
        {"title": "Connect to the VPN", "kind": "how_to", "status": "draft", "body": "1. Open the client."},
    )

    assert Article.objects.get().author == support_member


def test_a_retired_category_is_not_offered_but_kept_on_old_records(client, operator):
    retired = CategoryFactory(name="Fax", active=False)
    CategoryFactory(name="Printer")
    known_error = KnownErrorFactory(categories=[retired])
    client.force_login(operator)

    new_form = client.get(reverse("knowledge:knownerror_create")).context["form"]
    edit_form = client.get(reverse("knowledge:knownerror_update", args=[known_error.number])).context["form"]

    assert "Fax" not in [c.name for c in new_form.fields["categories"].queryset]
    assert "Fax" in [c.name for c in edit_form.fields["categories"].queryset]


def make_knowledge(count: int) -> list[str]:
    group = SupportGroupFactory()
    parent = CategoryFactory()
    problem = ProblemFactory(owner_group=group, category=CategoryFactory(parent=parent))
    services = ServiceFactory.create_batch(count)
    cis = ConfigurationItemFactory.create_batch(count)
    known_error = KnownErrorFactory(problem=problem, cis=cis, services=services, categories=[problem.category])
    problem.services.add(*services)
    problem.cis.add(*cis)
    article = ArticleFactory(category=problem.category)
    article.services.add(*services)
    for _ in range(count):
        ProblemFactory(owner_group=group, category=problem.category)
        KnownErrorFactory(problem=problem, published=True)
        ArticleFactory(category=problem.category)
    return [
        reverse("knowledge:knownerror_list"),
        reverse("knowledge:problem_list"),
        reverse("knowledge:article_list"),
        reverse("knowledge:knownerror_detail", args=[known_error.number]),
        reverse("knowledge:problem_detail", args=[problem.number]),
        reverse("knowledge:article_detail", args=[article.pk]),
        reverse("knowledge:knownerror_update", args=[known_error.number]),
        f"{reverse('knowledge:matcher')}?text=screen+black",
    ]


def test_knowledge_pages_run_a_fixed_number_of_queries(client, support_member, django_assert_max_num_queries):
    client.force_login(support_member)
    counts: dict[int, list[int]] = {}
    for size in (2, 20):
        for position, url in enumerate(make_knowledge(size)):
            with django_assert_max_num_queries(40) as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            counts.setdefault(position, []).append(len(queries.captured_queries))

    assert all(small == large for small, large in counts.values()), counts


@pytest.mark.parametrize("url_name", ["knowledge:knownerror_list", "knowledge:problem_list", "knowledge:article_list"])
def test_the_lists_service_filter_is_a_picker_not_a_select_of_every_service(client, operator, url_name):
    ServiceFactory.create_batch(5, name=factory.Sequence(lambda n: f"Catalogue service {n}"))
    client.force_login(operator)

    page = client.get(reverse(url_name)).text

    assert "Catalogue service" not in page
    assert 'name="service_text" id="id_service_text"' in page
    assert f'data-hx-get="{reverse("cmdb:service_search")}"' in page


def test_known_errors_filtered_by_a_service_picked_or_typed_are_each_listed_once(client, operator):
    payroll, payslips, mail = (
        ServiceFactory(name="Payroll"),
        ServiceFactory(name="Payslips"),
        ServiceFactory(name="Mail"),
    )
    both = KnownErrorFactory(title="Export refused", services=[payroll, payslips])
    other = KnownErrorFactory(title="Mail bounces", services=[mail])
    client.force_login(operator)
    url = reverse("knowledge:knownerror_list")

    def listed(**query) -> list[str]:
        return [row.number for row in client.get(url, query).context["page_obj"]]

    assert listed(service=mail.pk) == [other.number]
    assert listed(service_text="pay") == [both.number]
    picked = client.get(url, {"service": payroll.pk}).text
    assert 'name="service_text" id="id_service_text" value="Payroll"' in picked


def test_the_search_page_takes_a_pasted_mail_and_marks_what_it_found_otherwise(client, operator):
    client.force_login(operator)
    jam = KnownErrorFactory(title="Printer reports paper jam", symptoms="The printer says paper jam.", published=True)
    mail = "Hello, the copier on the second floor has a paper jam again since this morning. " + "Regards. " * 60

    response = client.get(reverse("knowledge:search"), {"q": mail})

    assert response.status_code == 200
    assert len(mail) > 500
    assert response.context["results"].known_errors[0] == jam
    assert '<span class="badge badge-info found-by">some of the words</span>' in response.text


@pytest.mark.parametrize(
    ("url_name", "factory_class"),
    [("knowledge:knownerror_list", KnownErrorFactory), ("knowledge:problem_list", ProblemFactory)],
)
def test_known_errors_and_problems_sort_by_number_or_title_from_their_headers(
    client, support_member, url_name, factory_class
):
    for title in ("Printer jams", "VPN drops", "Outlook asks for the password"):
        factory_class(title=title)
    client.force_login(support_member)

    def titles(**query: str) -> list[str]:
        return [row.title for row in client.get(reverse(url_name), query).context["page_obj"]]

    page = client.get(reverse(url_name), {"ordering": "title"}).text
    assert '<th scope="col" aria-sort="ascending"><a class="sort" href="?ordering=-title">Title</a></th>' in page
    assert '<th scope="col"><a class="sort" href="?ordering=number">Number</a></th>' in page
    assert titles(ordering="title") == ["Outlook asks for the password", "Printer jams", "VPN drops"]
    assert titles(ordering="-number") == ["Outlook asks for the password", "VPN drops", "Printer jams"]
    assert titles(ordering="updated_at") == titles()  # not a sortable column: ignored


def test_articles_sort_by_title_or_by_when_they_changed(client, operator):
    for title in ("Reset a password", "Connect the VPN", "Map a drive"):
        ArticleFactory(title=title)
    client.force_login(operator)
    url = reverse("knowledge:article_list")

    def titles(**query: str) -> list[str]:
        return [row.title for row in client.get(url, query).context["page_obj"]]

    assert titles() == ["Connect the VPN", "Map a drive", "Reset a password"]
    assert titles(ordering="-title") == ["Reset a password", "Map a drive", "Connect the VPN"]
    assert titles(ordering="-updated") == ["Map a drive", "Connect the VPN", "Reset a password"]
    page = client.get(url).text
    assert 'aria-sort="ascending"><a class="sort" href="?ordering=-title">Title' in page
    assert '<a class="sort" href="?ordering=updated">Updated' in page
