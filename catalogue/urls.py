from django.urls import path

from catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.offering_list, name="list"),
    path("mine/", views.offering_mine, name="mine"),
    path("new/", views.offering_create, name="create"),
    path("review/", views.review_queue, name="review_queue"),
    path("<id:pk>/", views.offering_detail, name="detail"),
    path("<id:pk>/edit/", views.offering_edit, name="edit"),
    path("<id:pk>/submit/", views.offering_submit, name="submit"),
    path("<id:pk>/withdraw/", views.offering_withdraw, name="withdraw"),
    path("<id:pk>/review/", views.offering_review, name="review"),
]
