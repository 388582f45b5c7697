from django.urls import path

import repositories.converters  # noqa: F401  (registers the <kind:…> converter)
from conversations import views

app_name = "conversations"
urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("unread/", views.unread_badge, name="unread_badge"),
    path("<id:pk>/", views.conversation_detail, name="detail"),
    path("<id:pk>/block/", views.conversation_block, name="block"),
    path("<id:pk>/report/", views.conversation_report, name="report"),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("requests/", views.contact_requests, name="requests"),
    path("requests/<id:pk>/accept/", views.contact_request_accept, name="request_accept"),
    path("requests/<id:pk>/decline/", views.contact_request_decline, name="request_decline"),
    path("ask/<kind:kind>/<id:pk>/", views.contact_request_create, name="request_create"),
    path("contact/<id:pk>/", views.shared_contact, name="shared_contact"),
    path("reports/", views.report_queue, name="reports"),
    path("reports/<id:pk>/resolve/", views.report_resolve, name="report_resolve"),
]
