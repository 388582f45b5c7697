from django.urls import path

import repositories.converters  # noqa: F401  (registers the <id:…> converter)
from demand_analysis import views

app_name = "demand_analysis"
urlpatterns = [
    path("", views.analysis_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("<id:pk>/", views.analysis_detail, name="detail"),
    path("<id:pk>/edit/", views.analysis_edit, name="edit"),
    path("<id:pk>/submit/", views.analysis_submit, name="submit"),
    path("<id:pk>/accept/", views.analysis_accept, name="accept"),
    path("<id:pk>/decline/", views.analysis_decline, name="decline"),
    path("request/<id:need_pk>/", views.analysis_request, name="request"),
]
