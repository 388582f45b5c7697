"""REST API for subscriptions: /api/v1/subscriptions/ — the signed-in person's own.

Subscriptions are personal: their pushes go to one person's notifications and e-mail. An API
token acts for an organization (DESIGN.md §6), and may be shared by that organization's
programs and staff, so a token-authenticated request is refused (403) here rather than let
it read or rewrite what its creator personally follows; programs that want new listings poll
the listing endpoints (`published_after`) or receive webhooks.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.base import IsPerson, ScopedViewSetMixin
from core.validators import PlainLineValidator
from repositories.models import Listing, ListingKind
from subscriptions import services
from subscriptions.models import Subscription
from subscriptions.selectors import subscription_criteria, subscription_list, subscription_preview
from taxonomy.models import Field, Region

# Service error keys → the names this API uses for them.
_ERROR_KEYS = {"fields": "technical_fields", NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY}


class SubscriptionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        validators=[PlainLineValidator(_("name"))],
        help_text=_("Leave it empty to name the subscription after its criteria."),
    )
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=ListingKind.choices),
        required=False,
        help_text=_("Kinds of listing; empty: every kind."),
    )
    technical_fields = serializers.SlugRelatedField(
        source="fields",
        slug_field="code",
        queryset=Field.objects.all(),
        many=True,
        required=False,
        help_text=_(
            "Field codes at any level; a domain or an industry covers everything under it."
        ),
    )
    regions = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        many=True,
        required=False,
        help_text=_("Region codes; a province covers its cities."),
    )
    keywords = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_(
            "Phrases separated by commas or semicolons; a listing matches when it contains "
            "every word of any one phrase."
        ),
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "name",
            "kinds",
            "technical_fields",
            "regions",
            "keywords",
            "frequency",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class SubscriptionMatchSerializer(serializers.ModelSerializer):
    """A live listing that a subscription matches (public fields only)."""

    url = serializers.SerializerMethodField()
    organization = serializers.CharField(source="organization.name", read_only=True)
    field = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Listing
        fields = [
            "id",
            "kind",
            "title",
            "summary",
            "url",
            "organization",
            "field",
            "region",
            "published_at",
        ]
        read_only_fields = fields

    def get_url(self, listing) -> str:
        return listing.get_absolute_url()


def _service(call, **kwargs):
    """Run a subscription service; its ValidationError becomes the API's, by API field name."""
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            detail = {_ERROR_KEYS.get(key, key): value for key, value in error.message_dict.items()}
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
        raise exceptions.ValidationError(detail) from error


@extend_schema(auth=[{"cookieAuth": []}])
class SubscriptionViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Your own subscriptions to fields, regions, kinds of listing and keywords.

    Signed-in (session) requests only: each person sees and changes only their own
    subscriptions, and someone else's answers 404. Requests with an organization's API
    token are refused with 403, because a token acts for an organization while a
    subscription belongs to one person and pushes to their inbox.
    """

    serializer_class = SubscriptionSerializer
    permission_classes = [IsAuthenticated, IsPerson]
    filterset_fields = ["is_active", "frequency"]
    ordering_fields = ["created_at", "name"]
    ordering = ["-created_at"]

    def scope_queryset(self, actor):
        if not actor.is_person:
            return Subscription.objects.none()
        return subscription_list(user=actor.user)

    def perform_create(self, serializer):
        serializer.instance = _service(
            services.subscription_create,
            user=self.request.user,
            data=dict(serializer.validated_data),
        )

    def perform_update(self, serializer):
        serializer.instance = _service(
            services.subscription_update,
            subscription=serializer.instance,
            user=self.request.user,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        services.subscription_delete(subscription=instance, user=self.request.user)

    @extend_schema(responses=SubscriptionMatchSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def preview(self, request, pk=None):
        """The latest live listings (at most 10) that this subscription matches now."""
        subscription = self.get_object()
        listings = subscription_preview(user=request.user, **subscription_criteria(subscription))
        return Response(SubscriptionMatchSerializer(listings, many=True).data)
