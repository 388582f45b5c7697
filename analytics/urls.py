from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.statistics_public, name="public"),
    path("funnel.csv", views.statistics_public_csv, name="public_csv"),
    path("dashboard/", views.statistics_dashboard, name="dashboard"),
    path("dashboard/funnel.csv", views.statistics_dashboard_csv, name="dashboard_csv"),
]
