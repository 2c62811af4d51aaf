from django.urls import path

from incidents.views import (
    confirmation,
    journal,
    notices,
    pages,
    recording,
    reevaluation,
    review,
    steps,
    storms,
    worklist,
)

app_name = "incidents"

urlpatterns = [
    path("", pages.IncidentListView.as_view(), name="incident_list"),
    path("desk/", worklist.desk_worklist, name="desk_worklist"),
    path("new/", recording.record, name="record"),
    path("new/priority/", recording.priority_preview, name="priority_preview"),
    path("new/similar/", recording.similar, name="similar"),
    path("new/cmdb-context/", recording.ci_context, name="ci_context"),
    path("new/caller/", recording.caller_create, name="caller_create"),
    path("storms/<str:scope>/<int:scope_id>/", storms.storm, name="storm"),
    path("it-works/<str:token>/", confirmation.it_works, name="caller_it_works"),
    path("still-broken/<str:token>/", confirmation.still_broken, name="caller_still_broken"),
    path("<str:number>/add-call/", recording.add_call, name="add_call"),
    path("<str:number>/accept-impact/", storms.accept_impact, name="accept_impact"),
    path("<str:number>/notify-management/", notices.notify_management, name="notify_management"),
    path("<str:number>/inform-users/", notices.inform_users, name="inform_users"),
    path("<str:number>/steps/<str:name>/", steps.step, name="step"),
    path("<str:number>/edit/", steps.edit, name="edit"),
    path("<str:number>/link/", review.link, name="link"),
    path("<str:number>/promote/", review.promote, name="promote"),
    path("<str:number>/reevaluation/", reevaluation.request_reevaluation, name="request_reevaluation"),
    path("<str:number>/reevaluation/<int:pk>/", reevaluation.decide_reevaluation, name="decide_reevaluation"),
    path("<str:number>/journal/", journal.journal_timeline, name="journal"),
    path("<str:number>/journal/add/", journal.journal_add, name="journal_add"),
    path("<str:number>/workaround/", journal.provide_workaround, name="workaround"),
    path("<str:number>/attachments/<int:pk>/<str:name>", journal.attachment, name="attachment"),
    path("<str:number>/", pages.IncidentDetailView.as_view(), name="incident_detail"),
]
