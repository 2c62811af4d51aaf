"""``/api/v1/``: the routes of every resource, and the schema and its reference at ``/api/schema/`` and
``/api/docs/`` (served from the portal itself: no CDN)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from cmdb.api import views as cmdb
from incidents.api.alerts import AlertsView
from incidents.api.dashboard import DashboardView
from incidents.api.incidents import IncidentViewSet
from incidents.api.journal import AttachmentView, JournalView, WorkaroundView
from incidents.api.matching import MatchView
from incidents.api.queue import QueueView
from knowledge.api import views as knowledge

app_name = "api"

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register("contacts", cmdb.ContactViewSet, basename="contact")
router.register("config-items", cmdb.ConfigurationItemViewSet, basename="config-item")
router.register("relationships", cmdb.RelationshipViewSet, basename="relationship")
router.register("services", cmdb.ServiceViewSet, basename="service")
router.register("support-groups", cmdb.SupportGroupViewSet, basename="support-group")
router.register("changes", cmdb.ChangeViewSet, basename="change")
router.register("locations", cmdb.LocationViewSet, basename="location")
router.register("problems", knowledge.ProblemViewSet, basename="problem")
router.register("known-errors", knowledge.KnownErrorViewSet, basename="known-error")
router.register("articles", knowledge.ArticleViewSet, basename="article")
router.register("categories", knowledge.CategoryViewSet, basename="category")
router.register("knowledge", knowledge.KnowledgeViewSet, basename="knowledge")

urlpatterns = [
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    # The split view serves its set-up script apart, as the portal's CSP wants; the page is our own template.
    path(
        "docs/",
        login_not_required(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/reference.html")
        ),
        name="docs",
    ),
    path("v1/alerts/", AlertsView.as_view(), name="alerts"),
    path("v1/", include(router.urls)),
    path("v1/incidents/<str:number>/journal/", JournalView.as_view(), name="incident-journal"),
    path("v1/incidents/<str:number>/workaround/", WorkaroundView.as_view(), name="incident-workaround"),
    path("v1/incidents/<str:number>/attachments/<int:pk>/", AttachmentView.as_view(), name="incident-attachment"),
    path("v1/queue/", QueueView.as_view(), name="queue"),
    path("v1/matches/", MatchView.as_view(), name="matches"),
    path("v1/dashboard/", DashboardView.as_view(), name="dashboard"),
]
