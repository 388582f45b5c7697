"""The service_teams pages."""

from django.urls import path  # noqa: F401

app_name = "service_teams"

urlpatterns = []
