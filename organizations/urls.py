from django.urls import path

from organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("register/", views.organization_register, name="register"),
    path("<id:pk>/", views.organization_detail, name="detail"),
    path("<id:pk>/edit/", views.organization_edit, name="edit"),
    path("<id:pk>/licence/", views.organization_licence, name="licence"),
    path("<id:pk>/review/", views.organization_review, name="review"),
    path("<id:pk>/join/", views.membership_request, name="join"),
    path("<id:pk>/tokens/new/", views.token_create, name="token_create"),
    path("memberships/<id:pk>/", views.membership_decide, name="membership_decide"),
    path("tokens/<id:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
