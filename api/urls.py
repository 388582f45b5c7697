from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

import api.catalogue
import api.challenges
import api.conversations
import api.credit
import api.deals
import api.demand_analysis
import api.evaluations
import api.managers
import api.matches
import api.notifications
import api.orders
import api.roadshows
import api.service_teams
import api.statistics
import api.subscriptions
import api.webhooks
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
router.register("subscriptions", api.subscriptions.SubscriptionViewSet, basename="subscription")
router.register("webhooks", api.webhooks.WebhookEndpointViewSet, basename="webhook")
router.register(
    "webhook-deliveries", api.webhooks.WebhookDeliveryViewSet, basename="webhook-delivery"
)
router.register("matches", api.matches.MatchViewSet, basename="match")
router.register("notifications", api.notifications.NotificationViewSet, basename="notification")
router.register("conversations", api.conversations.ConversationViewSet, basename="conversation")
router.register(
    "contact-requests", api.conversations.ContactRequestViewSet, basename="contact-request"
)
router.register("statistics", api.statistics.StatisticsViewSet, basename="statistics")
router.register("deals", api.deals.DealViewSet, basename="deal")
router.register("roadshows", api.roadshows.RoadshowViewSet, basename="roadshow")
router.register("roadshow-pitches", api.roadshows.RoadshowPitchViewSet, basename="roadshow-pitch")
router.register(
    "roadshow-registrations",
    api.roadshows.RoadshowRegistrationViewSet,
    basename="roadshow-registration",
)
router.register(
    "roadshow-meetings", api.roadshows.RoadshowMeetingViewSet, basename="roadshow-meeting"
)
router.register("roadshow-intents", api.roadshows.RoadshowIntentViewSet, basename="roadshow-intent")
router.register("missions", api.service_teams.MissionViewSet, basename="mission")
router.register("pilot-cities", api.service_teams.PilotCityViewSet, basename="pilot-city")
router.register("service-teams", api.service_teams.ServiceTeamViewSet, basename="service-team")
router.register("quote-requests", api.orders.QuoteRequestViewSet, basename="quote-request")
router.register("orders", api.orders.OrderViewSet, basename="order")
router.register("vouchers", api.orders.VoucherViewSet, basename="voucher")
router.register(
    "voucher-redemptions", api.orders.VoucherRedemptionViewSet, basename="voucher-redemption"
)
router.register("evaluations", api.evaluations.EvaluationViewSet, basename="evaluation")
router.register(
    "service-categories", api.catalogue.ServiceCategoryViewSet, basename="service-category"
)
router.register(
    "service-offerings", api.catalogue.ServiceOfferingViewSet, basename="service-offering"
)
router.register("credit", api.credit.CreditViewSet, basename="credit")
router.register("credit-appeals", api.credit.CreditAppealViewSet, basename="credit-appeal")
router.register("managers", api.managers.ManagerViewSet, basename="manager")
router.register("mandates", api.managers.MandateViewSet, basename="mandate")
router.register(
    "demand-analyses", api.demand_analysis.DemandAnalysisViewSet, basename="demand-analysis"
)
router.register("challenges", api.challenges.ChallengeViewSet, basename="challenge")
router.register(
    "challenge-applications",
    api.challenges.ChallengeApplicationViewSet,
    basename="challenge-application",
)

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
