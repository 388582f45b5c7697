from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.decorators import method_decorator
from django.views.generic import RedirectView
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

from accounts import views as accounts_views


class StaticRedirectView(RedirectView):
    """Redirect to a static file; resolved per request, as the manifest names it in production."""

    static_path = None

    def get_redirect_url(self, *args, **kwargs):
        return static(self.static_path)


class LocalRedocView(SpectacularRedocView):
    """ReDoc that fetches nothing from outside (closed networks): its bundle shows a logo from
    cdn.redoc.ly, which the site's policy blocks (ReDoc then hides it).

    ReDoc writes its styles into <style> elements at run time, searches in a blob: worker and
    embeds its fonts as data: URLs: the site's Content-Security-Policy is widened for these.
    """

    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    @method_decorator(
        csp_update(
            {
                "style-src": [UNSAFE_INLINE],
                "worker-src": [SELF, "blob:"],
                "font-src": [SELF, "data:"],
            }
        )
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("", include("repositories.urls")),
    # Browsers ask for /favicon.ico whatever the page links; the file lives among the statics.
    # Not a permanent redirect: in production the target's name carries the file's hash.
    path("favicon.ico", StaticRedirectView.as_view(static_path="img/favicon.ico")),
    path("accounts/", include("accounts.urls")),
    path("organizations/", include("organizations.urls")),
    path("organizations/", include("webhooks.urls")),
    path("notifications/", include("notifications.urls")),
    path("matches/", include("matching.urls")),
    path("subscriptions/", include("subscriptions.urls")),
    path("conversations/", include("conversations.urls")),
    path("services/", include("catalogue.urls")),
    path("deals/", include("deals.urls")),
    path("orders/", include("orders.urls")),
    path("credit/", include("credit.urls")),
    path("cases/", include("cases.urls")),
    path("statistics/", include("analytics.urls")),
    path("managers/", include("managers.urls")),
    path("challenges/", include("challenges.urls")),
    path("roadshows/", include("roadshows.urls")),
    path("service-teams/", include("service_teams.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("demand-analyses/", include("demand_analysis.urls")),
    # ReDoc from drf-spectacular-sidecar's files (REDOC_DIST = "SIDECAR"), no web fonts: no CDN.
    path("api/redoc/", LocalRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("api/", include("api.urls")),
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# Under /api/ these answer in the API's error format; elsewhere Django's own pages.
handler400 = "api.errors.bad_request"
handler404 = "api.errors.page_not_found"
handler500 = "api.errors.server_error"
