from django.urls import path

import repositories.converters  # noqa: F401  (registers the <id:…> converter)
from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("review/", views.review_queue, name="review_queue"),
    path("<id:pk>/", views.case_detail, name="detail"),
    path("<id:pk>/edit/", views.case_edit, name="edit"),
    path("<id:pk>/consent/", views.case_consent, name="consent"),
    path("<id:pk>/review/", views.case_review, name="review"),
    path("feedback/<id:pk>/", views.feedback_form, name="feedback"),
    path("surveys/<id:pk>/", views.survey_detail, name="survey"),
]
