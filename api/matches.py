"""REST API for matches: /api/v1/matches/ — read them, answer them, review them.

Everything starts from match_list(actor=…): the two parties see their matches once the CAST
staff approved and pushed them, never before; the CAST staff of the need's region see all of
that region's matches, proposed and rejected ones included. A match the caller cannot see
answers 404.

Answering is for the two parties of an approved match (a person signed in, or a program with
one party's API token); reviewing is for the CAST staff of the need's region (signed in, or
with their office's token). Both run through matching.services, whose errors come back in the
API's error format (api/errors.py).
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.base import ScopedViewSetMixin
from api.pagination import IdsFirstPagination
from core.ids import MAX_ID, IdFilter
from matching import services
from matching.models import Match, MatchAnswer, SupplyKind
from matching.permissions import (
    match_can_review,
    match_party_organization_id,
    match_region_can_review,
)
from matching.selectors import (
    explanation_names,
    match_list,
)
from organizations.models import ApiToken
from repositories.models import Listing
from taxonomy.models import Region
from taxonomy.selectors import within_regions_q


class MatchOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MatchNeedSerializer(serializers.ModelSerializer):
    organization = MatchOrganizationSerializer(read_only=True)
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The need's page."))

    class Meta:
        model = Listing
        fields = ["id", "title", "organization", "url"]
        read_only_fields = fields

    def get_url(self, listing) -> str:
        return listing.get_absolute_url()


@extend_schema_field({"type": "string", "enum": SupplyKind.values})
class SupplyKindField(serializers.ChoiceField):
    """The supply's kind, described inline so it shares no enum name with listings' `kind`."""

    def __init__(self, **kwargs):
        super().__init__(choices=SupplyKind.choices, **kwargs)


class MatchSupplySerializer(serializers.Serializer):
    """What may answer the need: an achievement, expert or project listing, or an expert
    service team (an organization, whose id and organization are then its own)."""

    kind = SupplyKindField(source="supply_kind", read_only=True)
    id = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    organization = MatchOrganizationSerializer(source="supply_organization", read_only=True)
    url = serializers.SerializerMethodField(
        help_text=gettext_lazy("The listing's page, or the team's organization page.")
    )

    def get_id(self, match) -> int:
        return match.supply.pk

    def get_title(self, match) -> str:
        return match.supply_team.name if match.supply_team_id else match.supply_listing.title

    def get_url(self, match) -> str:
        if match.supply_team_id:
            return reverse("organizations:detail", kwargs={"pk": match.supply_team_id})
        return match.supply_listing.get_absolute_url()


@extend_schema_field({"type": "string", "enum": MatchAnswer.Answer.values})
class AnswerField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=MatchAnswer.Answer.choices, **kwargs)


# Named: contact requests' decline reason is the same list (outcomes.reasons), one component.
@extend_schema_field(
    {"type": "string", "enum": ["", *MatchAnswer.Reason.values]},
    component_name="RefusalReasonOrBlankEnum",
)
class ReasonField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=MatchAnswer.Reason.choices, allow_blank=True, **kwargs)


class MatchAnswerSerializer(serializers.ModelSerializer):
    """One side's answer; `reason` is set for "not_relevant" only."""

    organization = MatchOrganizationSerializer(read_only=True)
    answer = AnswerField(read_only=True)
    reason = ReasonField(read_only=True)

    class Meta:
        model = MatchAnswer
        fields = ["organization", "answer", "reason", "comment", "updated_at"]
        read_only_fields = fields


@extend_schema_field({"type": "string", "enum": Match.Status.values})
class MatchStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Match.Status.choices, **kwargs)


class MatchSerializer(serializers.ModelSerializer):
    status = MatchStatusField(read_only=True)
    parts = serializers.DictField(
        child=serializers.FloatField(),
        read_only=True,
        help_text=gettext_lazy(
            "The signals behind the degree: dense, title, keyword, keyword_share, coverage, "
            "field, region, cooperation, maturity, freshness, completeness, the hand-weighted "
            "score and the ranker's probability."
        ),
    )
    explanation = serializers.JSONField(
        read_only=True,
        help_text=gettext_lazy(
            "Why it matches, as data: terms (rare key terms both use), passage (the sentence "
            "that matched: the supply's, or the need's when new supply looked for needs), "
            "passage_of (that side's kind), fields (codes of the shared field levels), "
            'field_levels (0–3), region ("city", "province" or empty), cooperation_modes '
            "(codes both accept), maturity (the supply's TRL), maturity_wanted (the least TRL "
            "the need accepts)."
        ),
    )
    explanation_text = serializers.SerializerMethodField(
        help_text=gettext_lazy("The explanation as a sentence, in the request's language.")
    )
    need = MatchNeedSerializer(read_only=True)
    supply = MatchSupplySerializer(source="*", read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=gettext_lazy("The need's region, whose CAST staff review the match."),
    )
    answers = MatchAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "status",
            "degree",
            "score",
            "parts",
            "explanation",
            "explanation_text",
            "need",
            "supply",
            "region",
            "created_at",
            "reviewed_at",
            "pushed_at",
            "answers",
        ]
        read_only_fields = fields

    def get_explanation_text(self, match) -> str:
        return str(services.explanation_text(match, self.context.get("explanation_names")))


class AnswerMatchSerializer(serializers.Serializer):
    answer = AnswerField()
    reason = ReasonField(
        required=False,
        default="",
        help_text=gettext_lazy('Required when the answer is "not_relevant".'),
    )
    comment = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=1000, trim_whitespace=True
    )


# A named component of its own: left to the enum post-processing it would share the name
# `DecisionEnum` with the listings' review (approve/return) and rename that one.
@extend_schema_field(
    {"type": "string", "enum": ["approve", "reject"]}, component_name="MatchDecisionEnum"
)
class MatchDecisionField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=["approve", "reject"], **kwargs)


class ReviewMatchSerializer(serializers.Serializer):
    decision = MatchDecisionField()
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=1000,
        help_text=gettext_lazy("The reason; required to reject."),
    )


class BulkReviewMatchesSerializer(ReviewMatchSerializer):
    need = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=gettext_lazy("The need whose proposals to review.")
    )
    matches = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_empty=False,
        help_text=gettext_lazy(
            "Ids of the need's proposals to review; all those awaiting review if left out."
        ),
    )


class MatchFilter(filters.FilterSet):
    need = IdFilter(field_name="need_id", label=gettext_lazy("need id"))
    supply_kind = filters.ChoiceFilter(choices=SupplyKind.choices)
    status = filters.ChoiceFilter(choices=Match.Status.choices)
    region = filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        to_field_name="code",
        method="filter_region",
        label=gettext_lazy("region code of the need; a province includes its cities"),
    )
    min_degree = filters.NumberFilter(
        field_name="degree", lookup_expr="gte", label=gettext_lazy("lowest match degree (0–100)")
    )

    class Meta:
        model = Match
        fields = ["need", "supply_kind", "status", "region", "min_degree"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(within_regions_q(value))


class MatchViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Matches between needs and supply that you may see, best first.

    The parties (members of the need's or the supply's organization, or that organization's
    API token) see their matches once approved and pushed; the CAST staff of the need's region
    see all of the region's matches, proposed and rejected ones included.
    """

    serializer_class = MatchSerializer
    token_scope_by_action = {"review": ApiToken.Scope.REVIEW, "bulk_review": ApiToken.Scope.REVIEW}
    permission_classes = [IsAuthenticated]
    filterset_class = MatchFilter
    pagination_class = IdsFirstPagination
    ordering_fields = ["degree", "score", "created_at"]
    ordering = ["-degree", "-score", "id"]

    def scope_queryset(self, actor):
        return match_list(actor=actor).prefetch_related("answers__organization")

    def get_serializer_context(self):
        # Loaded once for the page: the explanations name the cooperation modes both accept.
        return {
            **super().get_serializer_context(),
            "explanation_names": explanation_names(),
        }

    def _respond(self, match):
        match = self.get_queryset().get(pk=match.pk)
        return Response(self.get_serializer(match).data)

    @extend_schema(
        request=AnswerMatchSerializer,
        responses={200: MatchAnswerSerializer, 201: MatchAnswerSerializer},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Your organization's answer to an approved match (201 the first time, 200 when it
        replaces the previous one). "not_relevant" needs a reason, and keeps the other side out
        of your organization's future matches."""
        match = self.get_object()
        actor = self.get_actor()
        organization_id = match_party_organization_id(actor=actor, match=match)
        if organization_id is None:
            raise exceptions.PermissionDenied(_("Only the two sides of a match can answer it."))
        body = AnswerMatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        existed = MatchAnswer.objects.filter(match=match, organization_id=organization_id).exists()
        result = services.match_answer(match=match, actor=actor, **body.validated_data)
        result = MatchAnswer.objects.select_related("organization").get(pk=result.pk)
        return Response(
            MatchAnswerSerializer(result).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(request=ReviewMatchSerializer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """CAST staff of the need's region: approve a proposed match (which pushes it to both
        sides) or reject it with a reason."""
        match = self.get_object()
        if not match_can_review(actor=self.get_actor(), match=match):
            raise exceptions.PermissionDenied(_("This match is outside your region."))
        body = ReviewMatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        match = services.match_review(
            match=match,
            actor=self.get_actor(),
            approve=body.validated_data["decision"] == "approve",
            note=body.validated_data["note"],
        )
        return self._respond(match)

    @extend_schema(request=BulkReviewMatchesSerializer, responses=MatchSerializer(many=True))
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-review",
        filter_backends=[],
        pagination_class=None,
    )
    def bulk_review(self, request):
        """CAST staff of the need's region: approve or reject several proposals of one need
        with one reason (required to reject). Each is reviewed as `review` would, pushes and
        webhooks included; if one cannot be, none is. Returns the reviewed matches."""
        body = BulkReviewMatchesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = self.get_actor()
        need_matches = self.get_queryset().filter(need_id=body.validated_data["need"])
        regions = set(need_matches.values_list("region_id", flat=True))
        if not regions:
            message = _("No need with this id has matches you may review.")
            raise exceptions.ValidationError({"need": [message]})
        if not all(match_region_can_review(actor=actor, region_id=r) for r in regions):
            raise exceptions.PermissionDenied(_("This match is outside your region."))
        chosen = need_matches.filter(status=Match.Status.PROPOSED)
        if "matches" in body.validated_data:
            wanted = set(body.validated_data["matches"])
            chosen = chosen.filter(pk__in=wanted)
            if len(chosen) != len(wanted):
                message = _("Some of these matches are not this need's proposals awaiting review.")
                raise exceptions.ValidationError({"matches": [message]})
        if not chosen:
            message = _("No proposal of this need awaits review.")
            raise exceptions.ValidationError({"need": [message]})
        reviewed = services.match_review_bulk(
            matches=chosen,
            actor=actor,
            approve=body.validated_data["decision"] == "approve",
            note=body.validated_data["note"],
        )
        matches = self.get_queryset().filter(pk__in=[m.pk for m in reviewed])
        return Response(self.get_serializer(matches, many=True).data)
