from django.urls import path

from incidents.views import notices, pages, recording, storms

app_name = "incidents"

urlpatterns = [
    path("", pages.IncidentListView.as_view(), name="incident_list"),
    path("new/", recording.record, name="record"),
    path("new/priority/", recording.priority_preview, name="priority_preview"),
    path("new/similar/", recording.similar, name="similar"),
    path("new/cmdb-context/", recording.ci_context, name="ci_context"),
    path("new/caller/", recording.caller_create, name="caller_create"),
    path("storms/<str:scope>/<int:scope_id>/", storms.storm, name="storm"),
    path("<str:number>/add-call/", recording.add_call, name="add_call"),
    path("<str:number>/accept-impact/", storms.accept_impact, name="accept_impact"),
    path("<str:number>/notify-management/", notices.notify_management, name="notify_management"),
    path("<str:number>/inform-users/", notices.inform_users, name="inform_users"),
    path("<str:number>/", pages.IncidentDetailView.as_view(), name="incident_detail"),
]
