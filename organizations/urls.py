from django.urls import path

from organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("register/", views.organization_register, name="register"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/edit/", views.organization_edit, name="edit"),
    path("<int:pk>/licence/", views.organization_licence, name="licence"),
    path("<int:pk>/review/", views.organization_review, name="review"),
    path("<int:pk>/join/", views.membership_request, name="join"),
    path("<int:pk>/tokens/new/", views.token_create, name="token_create"),
    path("memberships/<int:pk>/", views.membership_decide, name="membership_decide"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
