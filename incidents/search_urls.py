from django.urls import path

from incidents.views import search

app_name = "search"

urlpatterns = [
    path("", search.search_page, name="page"),
    path("suggestions/", search.suggestions, name="suggestions"),
]
