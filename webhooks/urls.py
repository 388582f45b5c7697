from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("<int:pk>/webhooks/", views.endpoint_list, name="list"),
    path("<int:pk>/webhooks/new/", views.endpoint_create, name="create"),
    path("<int:pk>/webhooks/<int:endpoint_pk>/edit/", views.endpoint_edit, name="edit"),
    path("<int:pk>/webhooks/<int:endpoint_pk>/delete/", views.endpoint_delete, name="delete"),
    path("<int:pk>/webhooks/<int:endpoint_pk>/ping/", views.endpoint_ping, name="ping"),
    path(
        "<int:pk>/webhooks/deliveries/<int:delivery_pk>/redeliver/",
        views.delivery_redeliver,
        name="redeliver",
    ),
]
