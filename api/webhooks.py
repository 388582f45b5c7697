"""REST API for webhooks: /api/v1/webhooks/ and /api/v1/webhook-deliveries/.

The caller manages the webhooks of the organizations it administers: a token's organization
(while the token's creator is still an administrator there), or, signed in, the organizations
where the user is an administrator.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from api.base import ScopedViewSetMixin
from api.errors import state_conflicts
from core.ids import IdFilter
from organizations.models import ApiToken, Organization
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.permissions import webhook_can_manage, webhook_can_manage_any
from webhooks.selectors import webhook_delivery_list, webhook_endpoint_list


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "enum": WebhookEvent.values}, "minItems": 1}
)
class WebhookEventListField(serializers.ListField):
    """A list of event names; described inline so it shares no enum name with `event`."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False, **kwargs
        )


class WebhookEndpointSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        help_text=_(
            "The organization that owns the endpoint, set on creation; defaults to the token's "
            "organization or the only one you administer."
        ),
    )
    url = serializers.URLField(
        max_length=500, help_text=_("http(s) URL that receives JSON POST requests.")
    )
    events = WebhookEventListField(help_text=_("The events to send."))

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "organization",
            "url",
            "description",
            "events",
            "is_active",
            "failure_streak",
            "disabled_at",
            "created_at",
        ]
        read_only_fields = ["failure_streak", "disabled_at", "created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=_("The signing secret: returned once, in this response only."),
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "payload",
            "status",
            "attempts",
            "max_attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class ManagesWebhooks(BasePermission):
    message = _(
        "Only an organization's administrators, or a token created by one of them, "
        "can manage its webhooks."
    )

    def has_permission(self, request, view):
        return webhook_can_manage_any(actor=view.get_actor())


class WebhookActorMixin(ScopedViewSetMixin):
    permission_classes = [IsAuthenticated, ManagesWebhooks]
    token_scope = ApiToken.Scope.WEBHOOKS


class WebhookEndpointViewSet(WebhookActorMixin, viewsets.ModelViewSet):
    """Your organization's webhook endpoints. The signing secret is returned on creation only."""

    serializer_class = WebhookEndpointSerializer
    filterset_fields = ["is_active"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def scope_queryset(self, actor):
        return webhook_endpoint_list(actor=actor)

    def _organization_for_create(self, chosen):
        administered = self.get_actor().admin_organization_ids
        if chosen is not None:
            if not webhook_can_manage(actor=self.get_actor(), organization_id=chosen.id):
                raise exceptions.ValidationError(
                    {"organization": [_("Choose an organization you administer.")]}
                )
            return chosen
        if len(administered) != 1:
            raise exceptions.ValidationError(
                {"organization": [_("You administer several organizations: choose one.")]}
            )
        return Organization.objects.get(id=next(iter(administered)))

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = self._organization_for_create(data.pop("organization", None))
        endpoint = services.webhook_endpoint_create(
            organization=organization, actor=self.get_actor(), **data
        )
        created = WebhookEndpointCreatedSerializer(endpoint, context=self.get_serializer_context())
        return Response(created.data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("organization", None)
        serializer.instance = services.webhook_endpoint_update(
            endpoint=serializer.instance, actor=self.get_actor(), data=data
        )

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(endpoint=instance, actor=self.get_actor())

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        """Send a "ping" delivery to the endpoint now (once, without retries)."""
        delivery = services.webhook_ping(endpoint=self.get_object(), actor=self.get_actor())
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryFilter(filters.FilterSet):
    endpoint = IdFilter(field_name="endpoint_id", label=_("endpoint id"))
    status = filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event = filters.ChoiceFilter(choices=WebhookEvent.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event"]


class WebhookDeliveryViewSet(WebhookActorMixin, viewsets.ReadOnlyModelViewSet):
    """The delivery log of your organization's webhook endpoints, newest first."""

    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    conflict_actions = ["redeliver"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def scope_queryset(self, actor):
        return webhook_delivery_list(actor=actor)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        """Send a failed delivery again, with the same event id and a fresh set of attempts."""
        with state_conflicts():
            delivery = services.webhook_delivery_redeliver(
                delivery=self.get_object(), actor=self.get_actor()
            )
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
