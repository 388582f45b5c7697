from django.urls import path

from matching import views

app_name = "matching"
urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("rules/<str:region_code>/", views.auto_approve_rule, name="auto_approve_rule"),
    path("<int:pk>/", views.match_detail, name="detail"),
    path("<int:pk>/review/", views.match_review, name="review"),
    path("<int:pk>/answer/", views.match_answer, name="answer"),
]
