"""Articles: how-to and reference pages for the desk, in Markdown."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from knowledge import selectors
from knowledge.filters import ArticleFilter
from knowledge.forms import ArticleForm
from knowledge.markdown import render_markdown
from knowledge.models import Article
from servicedesk.pages import CreatePage, DetailPage, ListPage, UpdatePage


class ArticleListView(ListPage):
    permission_required = "knowledge.view_article"
    filterset_class = ArticleFilter
    template_name = "knowledge/article_list.html"

    def get_queryset(self):
        return selectors.article_list()


class ArticleDetailView(DetailPage):
    permission_required = "knowledge.view_article"
    template_name = "knowledge/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return selectors.article_detail()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(body_html=render_markdown(self.object.body), **kwargs)


class ArticleCreateView(CreatePage):
    permission_required = "knowledge.add_article"
    model = Article
    form_class = ArticleForm
    list_url_name = "knowledge:article_list"

    def form_valid(self, form: ArticleForm) -> HttpResponse:
        form.instance.author = self.request.user
        return super().form_valid(form)


class ArticleUpdateView(UpdatePage):
    permission_required = "knowledge.change_article"
    model = Article
    form_class = ArticleForm
