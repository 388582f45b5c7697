"""REST API for the statistics: GET /api/v1/statistics/funnel/.

The same figures and rules as the statistics pages (analytics.selectors): anyone gets the
public funnel of the whole platform, or of a region, field, organization type and months of
publication, with every count under five (and the conversions and medians that would give it
away) null. The CAST staff, in person or with their office's token, get the full figures of the
regions they review (a province's office: its cities too) when they ask for no region or for one
of theirs; platform administrators for any region. `scope` says which the answer is.
"""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from analytics.forms import StatisticsFilterForm
from analytics.permissions import statistics_can_see_full, statistics_full_region_ids
from analytics.selectors import (
    PUBLIC_MIN_CELL,
    deal_origins_count,
    funnel_compute,
    loss_reasons_count,
    statistics_filter_build,
)
from api.base import ActorMixin, TokenScope
from api.errors import ErrorSerializer
from organizations.models import Organization


class FunnelStepSerializer(serializers.Serializer):
    step = serializers.CharField(source="key", read_only=True)
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Needs that reached the step; null when public and under 5."),
    )
    conversion_from_previous = serializers.FloatField(
        source="from_previous",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Percent of the previous step's count."),
    )
    conversion_from_published = serializers.FloatField(
        source="from_published",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Percent of the needs published."),
    )
    median_days_from_previous = serializers.FloatField(
        source="median_days",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "Median days from the previous step, over the needs that reached both in that "
            "order; null for the first step, without such needs, or when public and under 5."
        ),
    )
    median_sample = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The needs the median is taken over."),
    )


class LossReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        read_only=True, help_text=gettext_lazy("One of the shared refusal reasons, or empty.")
    )
    label = serializers.CharField(read_only=True)
    lost = serializers.IntegerField(read_only=True, allow_null=True)
    terminated = serializers.IntegerField(read_only=True, allow_null=True)


class DealOriginSerializer(serializers.Serializer):
    origin = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "match, conversation, challenge, roadshow, or mission (a deal on a need an expert "
            "service team collected)."
        ),
    )
    label = serializers.CharField(read_only=True)
    deals = serializers.IntegerField(read_only=True, allow_null=True)
    signed = serializers.IntegerField(read_only=True, allow_null=True)
    registered = serializers.IntegerField(read_only=True, allow_null=True)
    completed = serializers.IntegerField(read_only=True, allow_null=True)


class FunnelSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=["public", "full"],
        read_only=True,
        help_text=gettext_lazy(
            '"public": counts under 5 are null; "full": the CAST staff\'s own regions.'
        ),
    )
    hidden_below = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Counts under this are null (public figures); null when full."),
    )
    steps = FunnelStepSerializer(many=True, read_only=True)
    loss_reasons = LossReasonSerializer(many=True, read_only=True)
    deal_origins = DealOriginSerializer(
        many=True,
        read_only=True,
        help_text=gettext_lazy("Deals by what opened them, counted by the month they opened."),
    )


FILTER_PARAMETERS = [
    OpenApiParameter(
        "region",
        OpenApiTypes.STR,
        description=gettext_lazy("Region code (GB/T 2260); a province includes its cities."),
    ),
    OpenApiParameter(
        "field",
        OpenApiTypes.STR,
        description=gettext_lazy("Field code at any level; a field includes its sub-fields."),
    ),
    OpenApiParameter(
        "organization_kind",
        OpenApiTypes.STR,
        enum=[kind for kind in Organization.Kind.values if kind != Organization.Kind.CAST_OFFICE],
        description=gettext_lazy("The type of the organization with the need."),
    ),
    OpenApiParameter(
        "month_from",
        OpenApiTypes.STR,
        pattern=r"^\d{4}-\d{2}$",
        description=gettext_lazy("First month of publication, YYYY-MM."),
    ),
    OpenApiParameter(
        "month_to",
        OpenApiTypes.STR,
        pattern=r"^\d{4}-\d{2}$",
        description=gettext_lazy("Last month of publication, YYYY-MM."),
    ),
]


class StatisticsViewSet(ActorMixin, viewsets.ViewSet):
    """Aggregated figures of the funnel from published need to registered contract."""

    # Reading only: any token may (TokenScope asks for no scope).
    http_method_names = ["get", "head", "options"]
    token_scope = None
    token_scope_by_action: dict = {}

    def get_permissions(self):
        return [*super().get_permissions(), TokenScope()]

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={200: FunnelSerializer, 400: ErrorSerializer},
    )
    @action(detail=False, methods=["get"])
    def funnel(self, request):
        """Needs reaching each step (published, match proposed, approved, interest shown,
        contact made, deal opened, contract signed, registered, completed), the conversion
        between steps, the median days between them, why deals were lost, and what opened
        them (a match, a conversation, a challenge, a roadshow, a service mission)."""
        actor = self.get_actor()
        form = StatisticsFilterForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {name: list(messages) for name, messages in form.errors.items()}
            )
        data = form.cleaned_data
        full = statistics_can_see_full(actor=actor)
        within = statistics_full_region_ids(actor=actor) if full else None
        if full and within is not None and data["region"] is not None:
            # A region outside the staff member's own: the public figures, as for anyone.
            full = data["region"].pk in within
        filter_ = statistics_filter_build(**data, within_region_ids=within if full else None)
        body = {
            "scope": "full" if full else "public",
            "hidden_below": None if full else PUBLIC_MIN_CELL,
            "steps": funnel_compute(filter_=filter_, public=not full),
            "loss_reasons": loss_reasons_count(filter_=filter_, public=not full),
            "deal_origins": deal_origins_count(filter_=filter_, public=not full),
        }
        return Response(FunnelSerializer(body).data)
