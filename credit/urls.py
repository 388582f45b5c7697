from django.urls import path

from credit import views

app_name = "credit"
urlpatterns = [
    path("appeals/", views.appeal_queue, name="appeals"),
    path("appeals/<id:pk>/decide/", views.appeal_decide, name="decide"),
    path("<id:pk>/", views.credit_detail, name="detail"),
    path("<id:pk>/appeal/", views.appeal_file, name="appeal"),
]
