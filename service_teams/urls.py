"""The service_teams pages."""

from django.urls import path

import core.ids  # noqa: F401  (registers the <id:…> converter)
from service_teams import views

app_name = "service_teams"

urlpatterns = [
    path("", views.team_directory, name="list"),
    path("teams/<id:pk>/", views.team_detail, name="team"),
    path("teams/<id:pk>/members/new/", views.member_add, name="member_add"),
    path("teams/<id:pk>/stations/new/", views.station_add, name="station_add"),
    path("teams/<id:pk>/missions/new/", views.mission_create, name="mission_create"),
    path("missions/verify/", views.verify_queue, name="verify_queue"),
    path("missions/<id:pk>/", views.mission_detail, name="mission"),
    path("missions/<id:pk>/report/", views.mission_report, name="mission_report"),
    path("missions/<id:pk>/act/", views.mission_act, name="mission_act"),
    path("evidence/<id:pk>/", views.evidence_download, name="evidence"),
    path("pilots/", views.pilot_index, name="pilots"),
    path("pilots/<id:pk>/", views.pilot_detail, name="pilot"),
    path("pilots/<id:pk>/targets/", views.pilot_targets, name="pilot_targets"),
    path("pilots/<id:pk>/assess/", views.pilot_assess, name="pilot_assess"),
]
