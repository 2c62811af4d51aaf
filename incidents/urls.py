from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="incident_list"),
    path("new/", views.record, name="record"),
    path("new/priority/", views.priority_preview, name="priority_preview"),
    path("new/similar/", views.similar, name="similar"),
    path("new/caller/", views.caller_create, name="caller_create"),
    path("<str:number>/add-call/", views.add_call, name="add_call"),
    path("<str:number>/notify-management/", views.notify_management, name="notify_management"),
    path("<str:number>/inform-users/", views.inform_users, name="inform_users"),
    path("<str:number>/", views.IncidentDetailView.as_view(), name="incident_detail"),
]
