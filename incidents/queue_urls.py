from django.urls import path

from incidents.views import queues

app_name = "queues"

urlpatterns = [
    path("", queues.queue, name="queue"),
    path("bulk/", queues.bulk, name="bulk"),
]
