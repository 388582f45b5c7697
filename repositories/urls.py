from django.urls import path

import repositories.converters  # noqa: F401  (registers the <kind:…> converter)
from repositories import views

app_name = "repositories"
urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.workspace, name="workspace"),
    path("review/", views.review_queue, name="review_queue"),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<id:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("access-requests/<id:pk>/", views.access_request_decide, name="access_request_decide"),
    path("<kind:kind>/", views.listing_list, name="list"),
    path("<kind:kind>/new/", views.listing_create, name="create"),
    path("<kind:kind>/completeness/", views.completeness_hints, name="completeness"),
    path("<kind:kind>/<id:pk>/", views.listing_detail, name="detail"),
    path("<kind:kind>/<id:pk>/edit/", views.listing_edit, name="edit"),
    path("<kind:kind>/<id:pk>/submit/", views.listing_submit, name="submit"),
    path("<kind:kind>/<id:pk>/review/", views.listing_review, name="review"),
    path("<kind:kind>/<id:pk>/reconfirm/", views.listing_reconfirm, name="reconfirm"),
    path("<kind:kind>/<id:pk>/close/", views.listing_close, name="close"),
    path("<kind:kind>/<id:pk>/delete/", views.listing_delete, name="delete"),
    path("<kind:kind>/<id:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<kind:kind>/<id:pk>/request-access/", views.access_request, name="access_request"),
]
