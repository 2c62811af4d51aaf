"""The knowledge base's endpoints: problems, known errors and articles listed with their pages' filters and read by
the roles that read the knowledge base; written through the pages' forms by the roles that write them there;
known errors published and withdrawn by support; and the knowledge search page's search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from knowledge import selectors, services
from knowledge.api.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    CategorySerializer,
    KnowledgeSearchSerializer,
    KnownErrorDetailSerializer,
    KnownErrorSerializer,
    ProblemDetailSerializer,
    ProblemSerializer,
)
from knowledge.filters import ArticleFilter, KnownErrorFilter, ProblemFilter
from knowledge.forms import ArticleForm, KnowledgeSearchForm, KnownErrorForm, ProblemForm
from knowledge.models import Category
from knowledge.search import MAX_LIMIT, knowledge_search
from servicedesk.api.forms import form_serializer
from servicedesk.api.pagination import cursor_pages
from servicedesk.api.problems import Problem
from servicedesk.api.records import FormRecordViewSet, record_permissions, record_schema, refused
from servicedesk.api.schema import refusals
from servicedesk.api.views import ApiViewSet


@record_schema(
    noun="problem",
    listed=ProblemSerializer,
    detail=ProblemDetailSerializer,
    write=form_serializer(ProblemForm, "ProblemWrite"),
    who_writes="Support and managers, who manage problems. `cis` are CI names; `category` a category's id.",
)
class ProblemViewSet(FormRecordViewSet):
    """Problems by number (PRB0001000), the newest first."""

    permission_required = record_permissions("knowledge", "problem")
    serializer_class = ProblemSerializer
    detail_serializer_class = ProblemDetailSerializer
    filterset_class = ProblemFilter
    pagination_class = cursor_pages("-number")
    form_class = ProblemForm
    lookup_field = "number"

    def get_queryset(self) -> QuerySet:
        return selectors.problem_list()

    def get_detail_queryset(self) -> QuerySet:
        return selectors.problem_detail()


@record_schema(
    noun="known error",
    listed=KnownErrorSerializer,
    detail=KnownErrorDetailSerializer,
    write=form_serializer(KnownErrorForm, "KnownErrorWrite"),
    who_writes="The service desk and support. `cis` are CI names; `problem` a problem's id. A known error is "
    "created unpublished: support publishes it.",
)
class KnownErrorViewSet(FormRecordViewSet):
    """Known errors by number (KE0001000), the newest first, published or not."""

    permission_required = record_permissions("knowledge", "knownerror")
    serializer_class = KnownErrorSerializer
    detail_serializer_class = KnownErrorDetailSerializer
    filterset_class = KnownErrorFilter
    pagination_class = cursor_pages("-number")
    form_class = KnownErrorForm
    lookup_field = "number"

    def get_queryset(self) -> QuerySet:
        return selectors.known_error_list()

    def get_detail_queryset(self) -> QuerySet:
        return selectors.known_error_detail()

    @extend_schema(
        summary="Publish a known error",
        description="From now on the desk's matcher offers it. Support only; nothing happens to one already published.",
        request=None,
        responses={200: KnownErrorDetailSerializer, **refusals(403, 404, 409)},
    )
    @action(detail=True, methods=["post"], permission_required="knowledge.publish_knownerror", filter_backends=[])
    def publish(self, request: Request, number: str) -> Response:
        return self.publishing(services.known_error_publish)

    @extend_schema(
        summary="Withdraw a known error",
        description="The matcher no longer offers it; it stays readable. Support only.",
        request=None,
        responses={200: KnownErrorDetailSerializer, **refusals(403, 404)},
    )
    @action(detail=True, methods=["post"], permission_required="knowledge.publish_knownerror", filter_backends=[])
    def withdraw(self, request: Request, number: str) -> Response:
        return self.publishing(services.known_error_withdraw)

    def publishing(self, service: Any) -> Response:
        known_error = self.get_object()
        try:
            service(by=self.request.user, known_error_id=known_error.pk)
        except ValidationError as error:  # not publishable as it stands: the record's state, not the request's
            raise Problem(status.HTTP_409_CONFLICT, "conflict", " ".join(error.messages)) from None
        return self.record_response(self.get_detail_queryset().get(pk=known_error.pk))


@record_schema(
    noun="article",
    listed=ArticleSerializer,
    detail=ArticleDetailSerializer,
    write=form_serializer(ArticleForm, "ArticleWrite"),
    who_writes="The service desk and support. `body` is Markdown; `category` a category's id.",
)
class ArticleViewSet(FormRecordViewSet):
    """How-to and reference articles by title, drafts too."""

    permission_required = record_permissions("knowledge", "article")
    serializer_class = ArticleSerializer
    detail_serializer_class = ArticleDetailSerializer
    filterset_class = ArticleFilter
    pagination_class = cursor_pages("title", "id")
    form_class = ArticleForm

    def get_queryset(self) -> QuerySet:
        return selectors.article_list()

    def get_detail_queryset(self) -> QuerySet:
        return selectors.article_detail()

    def save(self, form: forms.ModelForm) -> Any:
        if form.instance.pk is None:  # as the page does: whoever creates it is its author
            form.instance.author = self.request.user
        return form.save()


class CategoryViewSet(mixins.ListModelMixin, ApiViewSet):
    """The classification tree, in the order categories were made; ``path`` places each one."""

    permission_required = "knowledge.view_category"
    lookup_value_regex = "[^/]+"
    serializer_class = CategorySerializer
    pagination_class = cursor_pages("id")

    def get_queryset(self) -> QuerySet:
        return Category.objects.select_related("parent__parent")

    @extend_schema(summary="List categories", responses={200: CategorySerializer, **refusals(403, 404)})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class SearchQuery(KnowledgeSearchForm):
    """The search page's box, and how many of each kind to return."""

    limit = forms.IntegerField(label=_("How many of each"), min_value=1, max_value=MAX_LIMIT, required=False)


class KnowledgeViewSet(ApiViewSet):
    """The knowledge search, as on its page."""

    permission_required = "knowledge.view_knownerror"

    @extend_schema(
        summary="Search the knowledge base",
        description="Problems, known errors (published or not) and articles (drafts too) containing every word of "
        '`q` ("paper jam" for a phrase, `or` between alternatives); a record number finds its record first. '
        "Blank `q` finds nothing.",
        parameters=[
            OpenApiParameter("q", str, description="The words to find.", required=False),
            OpenApiParameter("limit", int, description=f"At most this many of each kind (1 to {MAX_LIMIT}; 10)."),
        ],
        responses={200: KnowledgeSearchSerializer, **refusals(400, 403)},
    )
    @action(detail=False, methods=["get"])
    def search(self, request: Request) -> Response:
        query = SearchQuery(request.query_params)
        if not query.is_valid():
            return refused(query)
        results = knowledge_search(text=query.cleaned_data["q"], limit=query.cleaned_data["limit"] or 10)
        return Response(KnowledgeSearchSerializer(results, context={"request": request}).data)
