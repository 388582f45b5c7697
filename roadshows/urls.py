"""The roadshows pages."""

from django.urls import path

import core.ids  # noqa: F401  (registers the <id:…> converter)
from roadshows import views

app_name = "roadshows"

urlpatterns = [
    path("", views.roadshow_list, name="list"),
    path("new/", views.roadshow_create, name="create"),
    path("mine/", views.my_roadshows, name="mine"),
    path("<id:pk>/", views.roadshow_detail, name="detail"),
    path("<id:pk>/edit/", views.roadshow_edit, name="edit"),
    path("<id:pk>/act/", views.roadshow_act, name="act"),
    path("<id:pk>/manage/", views.roadshow_manage, name="manage"),
    path("<id:pk>/pitch/", views.pitch_submit, name="pitch"),
    path("<id:pk>/register/", views.register, name="register"),
    path("<id:pk>/panel/", views.panel_add, name="panel"),
    path("<id:pk>/criteria/", views.criterion_add, name="criterion"),
    path("pitches/<id:pk>/decide/", views.pitch_decide, name="pitch_decide"),
    path("pitches/<id:pk>/slot/", views.pitch_slot, name="pitch_slot"),
    path("pitches/<id:pk>/replay/", views.pitch_replay, name="pitch_replay"),
    path("pitches/<id:pk>/score/", views.pitch_score, name="pitch_score"),
    path("pitches/<id:pk>/ask/", views.question_ask, name="ask"),
    path("pitches/<id:pk>/meet/", views.meeting_request, name="meet"),
    path("pitches/<id:pk>/intent/", views.intent_express, name="intent"),
    path("questions/<id:pk>/answer/", views.question_answer, name="answer"),
    path("registrations/<id:pk>/decide/", views.registration_decide, name="registration_decide"),
    path("meetings/<id:pk>/act/", views.meeting_act, name="meeting_act"),
    path("intents/<id:pk>/act/", views.intent_act, name="intent_act"),
]
