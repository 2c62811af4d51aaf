"""What the API says of the knowledge base's records (read-only: every write goes through the page's form)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cmdb.api.serializers import LINKS, SAVED, Linked, PersonRef, Ref, api_url
from knowledge.markdown import render_markdown
from knowledge.models import Article, Category, KnownError, Problem


class CategorySerializer(serializers.ModelSerializer):
    """A category of the classification tree."""

    path = serializers.CharField(source="path_label", help_text="Its place in the tree: “Hardware / Printer”.")
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["id", "name", "path", "parent", "description", "active"]
        read_only_fields = fields


class NumberedLinks(Linked):
    """A record named by its number (``PRB0001000``, ``KE0001000``) in the API's address."""

    def get_url(self, record: Any) -> str:
        return api_url(self, self.route, record.number)


class ProblemSerializer(NumberedLinks):
    """A problem in a list."""

    route = "problem"
    category = Ref(allow_null=True)
    owner_group = Ref(allow_null=True)
    known_error_count = serializers.IntegerField()

    class Meta:
        model = Problem
        fields = ["id", "number", *LINKS, "title", "state", "category", "owner_group", "known_error_count", *SAVED]
        read_only_fields = fields


class ProblemDetailSerializer(NumberedLinks):
    """A problem whole, with what it affects and its known errors."""

    route = "problem"
    category = Ref(allow_null=True)
    owner_group = Ref(allow_null=True)
    services = Ref(many=True, help_text="Affected services, by name.")
    cis = Ref(many=True, help_text="Affected CIs, by name.")
    known_errors = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id", "number", *LINKS, "title", "description", "state", "root_cause", "category", "owner_group",
            "services", "cis", "known_errors", *SAVED,
        ]  # fmt: skip
        read_only_fields = fields


class KnownErrorSerializer(NumberedLinks):
    """A known error in a list."""

    route = "known-error"

    class Meta:
        model = KnownError
        fields = [
            "id", "number", *LINKS, "title", "fix_status", "published", "times_used", "last_used_at", *SAVED,
        ]  # fmt: skip
        read_only_fields = fields


class KnownErrorDetailSerializer(NumberedLinks):
    """A known error whole: symptoms, cause, workaround, and what it concerns."""

    route = "known-error"
    categories = Ref(many=True)
    services = Ref(many=True)
    cis = Ref(many=True)
    problem = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    published_by = PersonRef(allow_null=True)

    class Meta:
        model = KnownError
        fields = [
            "id", "number", *LINKS, "title", "symptoms", "cause", "workaround", "fix_status", "categories",
            "services", "cis", "problem", "published", "published_at", "published_by", "times_used", "last_used_at",
            *SAVED,
        ]  # fmt: skip
        read_only_fields = fields


class ArticleSerializer(Linked):
    """An article in a list."""

    route = "article"
    category = Ref(allow_null=True)

    class Meta:
        model = Article
        fields = ["id", *LINKS, "title", "kind", "status", "category", *SAVED]
        read_only_fields = fields


class ArticleDetailSerializer(Linked):
    """An article whole, its Markdown and the HTML the page shows."""

    route = "article"
    category = Ref(allow_null=True)
    services = Ref(many=True)
    author = PersonRef(allow_null=True)
    body_html = serializers.SerializerMethodField(help_text="The Markdown as the article's page shows it (sanitised).")

    class Meta:
        model = Article
        fields = ["id", *LINKS, "title", "kind", "status", "category", "services", "author", "body", "body_html",
                  *SAVED]  # fmt: skip
        read_only_fields = fields

    def get_body_html(self, article: Article) -> str:
        return str(render_markdown(article.body))


class FoundProblemSerializer(NumberedLinks):
    """A problem the search found."""

    route = "problem"

    class Meta:
        model = Problem
        fields = ["number", *LINKS, "title", "state", "created_at"]
        read_only_fields = fields


class FoundKnownErrorSerializer(NumberedLinks):
    """A known error the search found."""

    route = "known-error"

    class Meta:
        model = KnownError
        fields = ["number", *LINKS, "title", "symptoms", "fix_status", "published", "times_used", "updated_at"]
        read_only_fields = fields


class FoundArticleSerializer(Linked):
    """An article the search found."""

    route = "article"

    class Meta:
        model = Article
        fields = ["id", *LINKS, "title", "kind", "status", "updated_at"]
        read_only_fields = fields


class KnowledgeSearchSerializer(serializers.Serializer):
    """What the knowledge search found, each list best first: a record's number finds it first."""

    problems = FoundProblemSerializer(many=True)
    known_errors = FoundKnownErrorSerializer(many=True, help_text="Published or not: see `published`.")
    articles = FoundArticleSerializer(many=True, help_text="Drafts too: see `status`.")
