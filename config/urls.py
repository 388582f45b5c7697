from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("repositories.urls")),
    path("accounts/", include("accounts.urls")),
    path("organizations/", include("organizations.urls")),
    path("organizations/", include("webhooks.urls")),
    path("notifications/", include("notifications.urls")),
    path("matches/", include("matching.urls")),
    path("subscriptions/", include("subscriptions.urls")),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
