from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import views

router = DefaultRouter()
router.register("needs", views.NeedViewSet, basename="need")
router.register("achievements", views.AchievementViewSet, basename="achievement")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("talents", views.TalentViewSet, basename="talent")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("taxonomy/fields", views.FieldViewSet, basename="field")
router.register("taxonomy/regions", views.RegionViewSet, basename="region")
router.register(
    "taxonomy/cooperation-modes", views.CooperationModeViewSet, basename="cooperation-mode"
)

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
