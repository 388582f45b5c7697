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
    path("files/<id:pk>/", views.delivery_file_download, name="file"),
    path("place/<id:offering_pk>/", views.order_place, name="place"),
    path("quotes/", views.quote_request_list, name="quote_requests"),
    path("quotes/new/", views.quote_request_create, name="quote_request_create"),
    path("quotes/<id:pk>/", views.quote_request_detail, name="quote_request"),
    path("quotes/<id:pk>/quote/", views.quote_submit, name="quote_submit"),
    path("quote/<id:pk>/withdraw/", views.quote_withdraw, name="quote_withdraw"),
    path("quote/<id:pk>/accept/", views.quote_accept, name="quote_accept"),
]
