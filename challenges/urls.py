from django.urls import path

import core.ids  # noqa: F401  (registers the <id:…> converter)
from challenges import views

app_name = "challenges"
urlpatterns = [
    path("", views.challenge_list, name="list"),
    path("new/", views.challenge_create, name="create"),
    path("mine/", views.my_challenges, name="mine"),
    path("vetting/", views.vetting_queue, name="vetting"),
    path("applications/", views.my_applications, name="my_applications"),
    path("<id:pk>/", views.challenge_detail, name="detail"),
    path("<id:pk>/edit/", views.challenge_edit, name="edit"),
    path("<id:pk>/act/", views.challenge_act, name="act"),
    path("<id:pk>/nda/", views.nda_accept, name="nda"),
    path("<id:pk>/ask/", views.question_ask, name="ask"),
    path("<id:pk>/apply/", views.application_create, name="apply"),
    path("<id:pk>/panel/", views.panel, name="panel"),
    path("<id:pk>/review/", views.review, name="review"),
    path("<id:pk>/award/", views.award, name="award"),
    path("applications/<id:pk>/conflict/", views.conflict_declare, name="conflict"),
    path("applications/<id:pk>/score/", views.score, name="score"),
    path("applications/<id:pk>/decline/", views.application_decline, name="decline"),
    path("questions/<id:pk>/answer/", views.question_answer, name="answer"),
    path("annexes/<id:pk>/", views.annex_download, name="annex"),
    path("applications/<id:pk>/", views.application_detail, name="application"),
    path("applications/<id:pk>/withdraw/", views.application_withdraw, name="withdraw"),
]
