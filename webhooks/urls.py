from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("<id:pk>/webhooks/", views.endpoint_list, name="list"),
    path("<id:pk>/webhooks/new/", views.endpoint_create, name="create"),
    path("<id:pk>/webhooks/<id:endpoint_pk>/edit/", views.endpoint_edit, name="edit"),
    path("<id:pk>/webhooks/<id:endpoint_pk>/delete/", views.endpoint_delete, name="delete"),
    path("<id:pk>/webhooks/<id:endpoint_pk>/ping/", views.endpoint_ping, name="ping"),
    path(
        "<id:pk>/webhooks/deliveries/<id:delivery_pk>/redeliver/",
        views.delivery_redeliver,
        name="redeliver",
    ),
]
