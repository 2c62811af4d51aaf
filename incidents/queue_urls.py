from django.urls import path

from incidents.views import queues

app_name = "queues"

urlpatterns = [
    path("", queues.queue, name="queue"),
    path("bulk/", queues.bulk, name="bulk"),
    path("filters/", queues.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", queues.delete_filter, name="delete_filter"),
]
