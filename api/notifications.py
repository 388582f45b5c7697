"""REST API for the notification centre: /api/v1/notifications/ — the signed-in person's own.

Notifications belong to one person: they cover every organization that person belongs to
(and, for CAST staff, the reviews of their region), not just one. An API token acts for one
organization and may be shared by that organization's programs and staff, so,
as for subscriptions (api/subscriptions.py), a token-authenticated request is refused (403)
rather than read or mark read its creator's (ApiToken.created_by) personal inbox, which would
reach beyond the token's organization. Programs learn of events through webhooks.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.base import IsPerson, ScopedViewSetMixin
from core.ids import MAX_ID
from notifications.models import Notification
from notifications.selectors import notification_list, notification_unread_count
from notifications.services import notification_mark_read


@extend_schema_field({"type": "string", "enum": Notification.Topic.values})
class TopicField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Notification.Topic.choices, **kwargs)


class NotificationSerializer(serializers.ModelSerializer):
    topic = TopicField(read_only=True)
    url = serializers.CharField(
        read_only=True, help_text=_("The page it is about (a path on the site), or empty.")
    )
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "topic", "title", "body", "url", "unread", "read_at", "created_at"]
        read_only_fields = fields

    def get_unread(self, notification) -> bool:
        return notification.read_at is None


class NotificationMarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_empty=True,
        max_length=1000,
        help_text=_("The notifications to mark read; leave it out to mark all of them read."),
    )


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("true: unread only; false: read only")
    )
    topic = filters.ChoiceFilter(choices=Notification.Topic.choices)

    class Meta:
        model = Notification
        fields = ["unread", "topic"]


@extend_schema(auth=[{"cookieAuth": []}])
class NotificationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Your own notifications, newest first.

    Signed-in (session) requests only: each person sees only their own notifications, and
    someone else's answers 404. Requests with an organization's API token are refused with
    403, as for subscriptions: a token acts for one organization, while a person's
    notifications span every organization they belong to. Programs receive webhooks instead.
    """

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated, IsPerson]
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        if not actor.is_person:
            return Notification.objects.none()
        return notification_list(user=actor.user)

    @extend_schema(
        request=NotificationMarkReadSerializer,
        responses=inline_serializer(
            "NotificationMarkReadResult",
            {
                "count": serializers.IntegerField(help_text=_("How many were marked read.")),
                "unread": serializers.IntegerField(help_text=_("How many remain unread.")),
            },
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="mark-read",
        filter_backends=[],
        pagination_class=None,
    )
    def mark_read(self, request):
        """Mark the given notifications read, or all of them when no ids are given. Ids that
        are not yours, or already read, are left out of the count."""
        body = NotificationMarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = notification_mark_read(
            user=request.user, notification_ids=body.validated_data.get("ids")
        )
        return Response({"count": count, "unread": notification_unread_count(user=request.user)})
