from django.urls import path
from django.views.generic import RedirectView

from cmdb.views import changes, cis, contacts, groups, imports, locations, services

app_name = "cmdb"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cmdb:ci_list"), name="index"),
    path("config-items/", cis.CIListView.as_view(), name="ci_list"),
    path("config-items/new/", cis.CICreateView.as_view(), name="ci_create"),
    path("config-items/search/", cis.ci_search, name="ci_search"),
    path("config-items/<int:pk>/", cis.CIDetailView.as_view(), name="ci_detail"),
    path("config-items/<int:pk>/edit/", cis.CIUpdateView.as_view(), name="ci_update"),
    path("config-items/<int:pk>/relationships/", cis.CIRelationshipsView.as_view(), name="ci_relationships"),
    path("config-items/<int:pk>/relationships/new/", cis.RelationshipCreateView.as_view(), name="relationship_create"),
    path("relationships/<int:pk>/delete/", cis.RelationshipDeleteView.as_view(), name="relationship_delete"),
    path("services/", services.ServiceListView.as_view(), name="service_list"),
    path("services/search/", services.service_search, name="service_search"),
    path("services/new/", services.ServiceCreateView.as_view(), name="service_create"),
    path("services/<int:pk>/", services.ServiceDetailView.as_view(), name="service_detail"),
    path("services/<int:pk>/edit/", services.ServiceUpdateView.as_view(), name="service_update"),
    path("contacts/", contacts.ContactListView.as_view(), name="contact_list"),
    path("contacts/new/", contacts.ContactCreateView.as_view(), name="contact_create"),
    path("contacts/search/", contacts.contact_search, name="contact_search"),
    path("contacts/<int:pk>/", contacts.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<int:pk>/edit/", contacts.ContactUpdateView.as_view(), name="contact_update"),
    path("locations/", locations.LocationListView.as_view(), name="location_list"),
    path("locations/new/", locations.LocationCreateView.as_view(), name="location_create"),
    path("locations/search/", locations.location_search, name="location_search"),
    path("locations/<int:pk>/", locations.LocationDetailView.as_view(), name="location_detail"),
    path("locations/<int:pk>/edit/", locations.LocationUpdateView.as_view(), name="location_update"),
    path("support-groups/", groups.SupportGroupListView.as_view(), name="supportgroup_list"),
    path("support-groups/new/", groups.SupportGroupCreateView.as_view(), name="supportgroup_create"),
    path("support-groups/<int:pk>/", groups.SupportGroupDetailView.as_view(), name="supportgroup_detail"),
    path("support-groups/<int:pk>/edit/", groups.SupportGroupUpdateView.as_view(), name="supportgroup_update"),
    path("changes/", changes.ChangeListView.as_view(), name="change_list"),
    path("changes/new/", changes.ChangeCreateView.as_view(), name="change_create"),
    path("changes/<str:number>/", changes.ChangeDetailView.as_view(), name="change_detail"),
    path("changes/<str:number>/edit/", changes.ChangeUpdateView.as_view(), name="change_update"),
    path("import/", imports.import_upload, name="import"),
    path("import/<str:kind>/template.csv", imports.import_template, name="import_template"),
]
