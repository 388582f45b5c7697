from django.urls import path

import repositories.converters  # noqa: F401  (registers the <id:…> converter)
from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("<id:pk>/", views.order_detail, name="detail"),
    path("<id:pk>/act/", views.order_act, name="act"),
    path("<id:pk>/dispute/answer/", views.dispute_answer, name="dispute_answer"),
    path("<id:pk>/dispute/decide/", views.dispute_decide, name="dispute_decide"),
    path("<id:pk>/review/", views.review_submit, name="review"),
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
    path("<id:pk>/vouchers/", views.voucher_apply, name="voucher_apply"),
    path("files/<id:pk>/", views.delivery_file_download, name="file"),
    path("files/<id:pk>/attach/", views.delivery_file_attach, name="file_attach"),
    path("vouchers/", views.voucher_list, name="vouchers"),
    path("vouchers/new/", views.voucher_issue, name="voucher_issue"),
    path("vouchers/<id:pk>/", views.voucher_detail, name="voucher"),
    path("vouchers/<id:pk>/revoke/", views.voucher_revoke, name="voucher_revoke"),
    path("vouchers/redemptions/", views.redemption_list, name="redemptions"),
    path(
        "vouchers/redemptions/<id:pk>/decide/",
        views.redemption_decide,
        name="redemption_decide",
    ),
    path("place/<id:offering_pk>/", views.order_place, name="place"),
    path("quotes/", views.quote_request_list, name="quote_requests"),
    path("quotes/new/", views.quote_request_create, name="quote_request_create"),
    path("quotes/<id:pk>/", views.quote_request_detail, name="quote_request"),
    path("quotes/<id:pk>/quote/", views.quote_submit, name="quote_submit"),
    path("quote/<id:pk>/withdraw/", views.quote_withdraw, name="quote_withdraw"),
    path("quote/<id:pk>/accept/", views.quote_accept, name="quote_accept"),
]
