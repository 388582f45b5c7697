from django.urls import path

import core.ids  # noqa: F401  (registers the <id:…> converter)
from evaluations import views

app_name = "evaluations"
urlpatterns = [
    path("rubric/", views.rubric_page, name="rubric"),
    path("<id:pk>/", views.summary, name="summary"),
    path("<id:pk>/work/", views.work, name="work"),
    path("<id:pk>/setup/", views.setup, name="setup"),
    path("<id:pk>/materials/", views.materials, name="materials"),
    path("<id:pk>/panel/", views.member_add, name="member_add"),
    path("<id:pk>/panel/confirm/", views.panel_confirm, name="panel_confirm"),
    path("<id:pk>/issue/", views.issue, name="issue"),
    path("<id:pk>/reopen/", views.reopen, name="reopen"),
    path("<id:pk>/appeal/", views.appeal, name="appeal"),
    path("<id:pk>/appeal/decide/", views.appeal_decide, name="appeal_decide"),
    path("seats/", views.seats, name="seats"),
    path("seats/<id:pk>/", views.seat, name="seat"),
    path("seats/<id:pk>/declare/", views.seat_declare, name="seat_declare"),
    path("seats/<id:pk>/opinion/", views.seat_opinion, name="seat_opinion"),
    path("experts/<id:pk>/declare/", views.member_declare, name="member_declare"),
    path("experts/<id:pk>/remove/", views.member_remove, name="member_remove"),
    path("experts/<id:pk>/opinion/", views.opinion, name="opinion"),
    path("reports/<id:pk>/pdf/", views.report_pdf, name="pdf"),
]
