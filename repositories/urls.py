from django.urls import path

import repositories.converters  # noqa: F401  (registers the <kind:…> converter)
from repositories import views

app_name = "repositories"
urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.workspace, name="workspace"),
    path("review/", views.review_queue, name="review_queue"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("access-requests/<int:pk>/", views.access_request_decide, name="access_request_decide"),
    path("<kind:kind>/", views.listing_list, name="list"),
    path("<kind:kind>/new/", views.listing_create, name="create"),
    path("<kind:kind>/completeness/", views.completeness_hints, name="completeness"),
    path("<kind:kind>/<int:pk>/", views.listing_detail, name="detail"),
    path("<kind:kind>/<int:pk>/edit/", views.listing_edit, name="edit"),
    path("<kind:kind>/<int:pk>/submit/", views.listing_submit, name="submit"),
    path("<kind:kind>/<int:pk>/review/", views.listing_review, name="review"),
    path("<kind:kind>/<int:pk>/reconfirm/", views.listing_reconfirm, name="reconfirm"),
    path("<kind:kind>/<int:pk>/close/", views.listing_close, name="close"),
    path("<kind:kind>/<int:pk>/delete/", views.listing_delete, name="delete"),
    path("<kind:kind>/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<kind:kind>/<int:pk>/request-access/", views.access_request, name="access_request"),
]
