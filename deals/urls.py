from django.urls import path

import repositories.converters  # noqa: F401  (registers the <id:…> converter)
from deals import views

app_name = "deals"
urlpatterns = [
    path("", views.deal_list, name="list"),
    path("open/<id:conversation_pk>/", views.deal_open, name="open"),
    path("open/match/<id:match_pk>/", views.deal_open_for_match, name="open_for_match"),
    path("<id:pk>/", views.deal_detail, name="detail"),
    path("<id:pk>/act/", views.deal_act, name="act"),
    path("<id:pk>/contract/", views.contract_edit, name="contract"),
    path("<id:pk>/registration/", views.registration_edit, name="registration"),
    path("<id:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("<id:pk>/milestones/<id:milestone_pk>/", views.milestone_edit, name="milestone_edit"),
    path(
        "<id:pk>/milestones/<id:milestone_pk>/delete/",
        views.milestone_delete,
        name="milestone_delete",
    ),
    path(
        "<id:pk>/milestones/<id:milestone_pk>/deliver/",
        views.milestone_deliver,
        name="milestone_deliver",
    ),
    path(
        "<id:pk>/milestones/<id:milestone_pk>/review/",
        views.milestone_review,
        name="milestone_review",
    ),
    path("<id:pk>/documents/", views.document_upload, name="document_upload"),
    path("documents/<id:pk>/", views.document_download, name="document_download"),
]
