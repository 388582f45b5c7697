from django.urls import path

from subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("", views.subscription_index, name="list"),
    path("<id:pk>/", views.subscription_edit, name="edit"),
    path("<id:pk>/toggle/", views.subscription_toggle, name="toggle"),
    path("<id:pk>/delete/", views.subscription_delete, name="delete"),
]
