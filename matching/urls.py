from django.urls import path

import repositories.converters  # noqa: F401  (registers the <kind:…> converter)
from matching import views

app_name = "matching"
urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("listings/<kind:kind>/<id:pk>/", views.listing_matches, name="listing_matches"),
    path("<id:pk>/", views.match_detail, name="detail"),
    path("<id:pk>/review/", views.match_review, name="review"),
    path("<id:pk>/answer/", views.match_answer, name="answer"),
]
