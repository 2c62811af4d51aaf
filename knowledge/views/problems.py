"""Problems: the unknown causes behind incidents, managed by support and managers."""

from __future__ import annotations

from knowledge import selectors
from knowledge.filters import ProblemFilter
from knowledge.forms import ProblemForm
from knowledge.models import Problem
from servicedesk.pages import CreatePage, DetailPage, ListPage, UpdatePage


class ProblemListView(ListPage):
    permission_required = "knowledge.view_problem"
    filterset_class = ProblemFilter
    template_name = "knowledge/problem_list.html"

    def get_queryset(self):
        return selectors.problem_list()


class ProblemDetailView(DetailPage):
    permission_required = "knowledge.view_problem"
    template_name = "knowledge/problem_detail.html"
    context_object_name = "problem"
    slug_field = "number"
    slug_url_kwarg = "number"

    def get_queryset(self):
        return selectors.problem_detail()


class ProblemCreateView(CreatePage):
    permission_required = "knowledge.add_problem"
    model = Problem
    form_class = ProblemForm
    list_url_name = "knowledge:problem_list"


class ProblemUpdateView(UpdatePage):
    permission_required = "knowledge.change_problem"
    model = Problem
    form_class = ProblemForm
    slug_field = "number"
    slug_url_kwarg = "number"
