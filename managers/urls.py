from django.urls import path

import core.ids  # noqa: F401  (registers the <id:…> converter)
from managers import views

app_name = "managers"
urlpatterns = [
    path("", views.manager_list, name="list"),
    path("<id:pk>/", views.manager_detail, name="detail"),
    path("me/", views.profile_edit, name="me"),
    path("me/certificate/", views.certificate_edit, name="certificate"),
    path("<id:pk>/certificate/", views.certificate_download, name="certificate_file"),
    path("review/", views.review_queue, name="review_queue"),
    path("<id:pk>/review/", views.certificate_review, name="review"),
    path("mandates/", views.mandate_list, name="mandates"),
    path("mandates/new/", views.mandate_new, name="mandate_new"),
    path("mandates/<id:pk>/", views.mandate_detail, name="mandate"),
    path("mandates/<id:pk>/<str:action>/", views.mandate_act, name="mandate_act"),
]
