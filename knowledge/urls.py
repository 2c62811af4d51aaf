from django.urls import path

from knowledge.views import articles, known_errors, problems, search

app_name = "knowledge"

urlpatterns = [
    path("", search.knowledge_search, name="search"),
    path("matcher/", search.matcher, name="matcher"),
    path("problems/", problems.ProblemListView.as_view(), name="problem_list"),
    path("problems/new/", problems.ProblemCreateView.as_view(), name="problem_create"),
    path("problems/<str:number>/", problems.ProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<str:number>/edit/", problems.ProblemUpdateView.as_view(), name="problem_update"),
    path("known-errors/", known_errors.KnownErrorListView.as_view(), name="knownerror_list"),
    path("known-errors/new/", known_errors.KnownErrorCreateView.as_view(), name="knownerror_create"),
    path("known-errors/<str:number>/", known_errors.KnownErrorDetailView.as_view(), name="knownerror_detail"),
    path("known-errors/<str:number>/edit/", known_errors.KnownErrorUpdateView.as_view(), name="knownerror_update"),
    path("known-errors/<str:number>/publish/", known_errors.publish, name="knownerror_publish"),
    path("known-errors/<str:number>/withdraw/", known_errors.withdraw, name="knownerror_withdraw"),
    path("articles/", articles.ArticleListView.as_view(), name="article_list"),
    path("articles/new/", articles.ArticleCreateView.as_view(), name="article_create"),
    path("articles/<int:pk>/", articles.ArticleDetailView.as_view(), name="article_detail"),
    path("articles/<int:pk>/edit/", articles.ArticleUpdateView.as_view(), name="article_update"),
]
