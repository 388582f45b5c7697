"""REST API for credit: /api/v1/credit/{organization_id}/ and /api/v1/credit-appeals/.

Anyone reads an organization's standing (score, level, the events behind it — what and when,
the other party's kind, never its name), as the public page shows it. A member of the
organization, or its API token with the `write` scope, appeals one event's effect on it; the
CAST staff of the organization's region (a person, or the office's token with the `review`
scope) decide. Every write runs through credit.services, so the API and the web refuse the
same things with the same messages.
"""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import ScopedViewSetMixin
from api.conversations import OrganizationRefSerializer
from api.errors import state_conflicts
from core.ids import MAX_ID
from credit import services
from credit.models import CreditAppeal
from credit.selectors import appeal_list_visible, credit_compute
from organizations.models import ApiToken, Organization
from organizations.selectors import organization_list_visible


class CreditLineSerializer(serializers.Serializer):
    event = serializers.IntegerField(source="event_id", read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    name = serializers.CharField(read_only=True, help_text=gettext_lazy("The event's name."))
    label = serializers.CharField(read_only=True)
    points = serializers.IntegerField(read_only=True)
    weight = serializers.FloatField(read_only=True)
    counterpart_kind = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The other party's kind (never its name).")
    )


class CreditGroupSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    points = serializers.IntegerField(read_only=True)
    weighted = serializers.FloatField(read_only=True)


class CreditStandingSerializer(serializers.Serializer):
    organization = serializers.IntegerField(source="organization_id", read_only=True)
    score = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("0–100; null: not enough history."),
    )
    level = serializers.CharField(
        read_only=True, help_text=gettext_lazy("A, B, C or D; empty: not enough history.")
    )
    level_label = serializers.CharField(read_only=True)
    event_count = serializers.IntegerField(read_only=True)
    computed_at = serializers.DateTimeField(read_only=True)
    groups = CreditGroupSerializer(many=True, read_only=True)
    events = CreditLineSerializer(source="lines", many=True, read_only=True)


class CreditViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """An organization's credit standing, computed from the outcome log, with its events."""

    serializer_class = CreditStandingSerializer
    filter_backends = []
    pagination_class = None

    def scope_queryset(self, actor):
        return organization_list_visible(actor=actor)

    def retrieve(self, request, pk=None):
        """The standing of an organization you may see (every verified one)."""
        organization = self.get_object()
        return Response(CreditStandingSerializer(credit_compute(organization=organization)).data)


class CreditAppealSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = CreditAppeal
        fields = [
            "id",
            "organization",
            "event",
            "statement",
            "status",
            "decision_note",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class AppealWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("Your organization (a token: its own, the default)."),
    )
    event = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("The event, from the standing's events."),
    )
    statement = serializers.CharField(allow_blank=True, max_length=2000)


@extend_schema_field(
    {"type": "string", "enum": ["uphold", "dismiss"]}, component_name="AppealDecisionEnum"
)
class AppealDecisionField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=["uphold", "dismiss"], **kwargs)


class AppealDecisionSerializer(serializers.Serializer):
    decision = AppealDecisionField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CreditAppealViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Appeals against one event's effect on a standing: your organizations' own, and for the
    CAST staff those of their region's organizations. Newest first."""

    serializer_class = CreditAppealSerializer
    filter_backends = []
    token_scope_by_action = {"decide": ApiToken.Scope.REVIEW}
    conflict_actions = ("decide",)

    def scope_queryset(self, actor):
        return appeal_list_visible(actor=actor).order_by("-created_at", "-id")

    def _respond(self, appeal, code=status.HTTP_200_OK):
        appeal = self.scope_queryset(self.get_actor()).get(pk=appeal.pk)
        return Response(CreditAppealSerializer(appeal).data, code)

    @extend_schema(request=AppealWriteSerializer, responses={201: CreditAppealSerializer})
    def create(self, request, *args, **kwargs):
        """Appeal an event that counts against your organization (one open appeal per event);
        the CAST staff of its region are told."""
        actor = self.get_actor()
        if not actor.is_authenticated:
            raise exceptions.NotAuthenticated()
        body = AppealWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        organization_id = body.validated_data.get("organization")
        if organization_id is None and len(actor.organization_ids) == 1:
            organization_id = next(iter(actor.organization_ids))
        organization = (
            Organization.objects.filter(pk=organization_id, id__in=actor.organization_ids)
            .select_related("region")
            .first()
            if organization_id
            else None
        )
        if organization is None:
            raise exceptions.PermissionDenied(
                gettext_lazy("Only the organization's members appeal its credit.")
            )
        appeal = services.appeal_file(
            actor=actor,
            organization=organization,
            event_id=body.validated_data["event"],
            statement=body.validated_data["statement"],
        )
        return self._respond(appeal, status.HTTP_201_CREATED)

    @extend_schema(request=AppealDecisionSerializer, responses=CreditAppealSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decide(self, request, pk=None):
        """The CAST staff of the organization's region uphold the appeal (the event no longer
        counts for it) or dismiss it with a note (a token needs the `review` scope)."""
        appeal = self.get_object()
        body = AppealDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with state_conflicts():
            appeal = services.appeal_decide(
                actor=self.get_actor(),
                appeal=appeal,
                uphold=body.validated_data["decision"] == "uphold",
                note=body.validated_data["note"],
            )
        return self._respond(appeal)
