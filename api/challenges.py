"""REST API for challenges (揭榜挂帅): /api/v1/challenges/ and /api/v1/challenge-applications/.

The same object permissions as the web pages (challenges.permissions): published and closed
challenges are public; the sponsor's members (or its token) read its own in any state and take
its steps; the CAST staff who vet a challenge (a person, or the office's token with the
`review` scope) read it from submission on and publish or return it. For anyone else a draft
or an application does not exist (404).

A hidden sponsor never leaks: `sponsor` is null for whoever may not learn it
(challenges.permissions.challenge_sees_sponsor), and the sponsor's need is never shown.

Every write runs through challenges.services, so the API and the web refuse the same things
with the same messages: a step the status does not allow is a field error on "status" (400),
a locked field changed after publication a field error naming it (400), a step the actor may
not take 403.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from api.base import ScopedViewSetMixin
from api.conversations import OrganizationRefSerializer
from api.errors import Conflict, state_conflicts
from api.serializers import named_choice_field
from challenges import services
from challenges.models import (
    Amendment,
    Application,
    ApplicationMilestone,
    Challenge,
    ChallengeIndicator,
    ChallengeStatus,
    DeclineReason,
    IpArrangement,
    PanelAssignment,
    PanelMember,
    Question,
    ReviewCriterion,
)
from challenges.permissions import (
    challenge_can_vet,
    challenge_is_sponsor,
    challenge_sees_ranking,
    challenge_sees_sponsor,
    sponsor_label,
)
from challenges.selectors import (
    application_ranking,
    challenge_list_visible,
    organization_figures,
    panel_list,
    panel_member_of,
    question_list_visible,
    review_assignments,
    staffed_office_regions,
)
from core.ids import MAX_ID, parse_id
from organizations.models import ApiToken, Organization
from repositories.models import Listing, ListingKind
from taxonomy.models import Field, Region
from taxonomy.selectors import within_regions_q

ChallengeStatusField = named_choice_field(ChallengeStatus.choices, "ChallengeStatusEnum")
IpArrangementField = named_choice_field(IpArrangement.choices, "IpArrangementEnum")
ApplicationStatusField = named_choice_field(
    Application.Status.choices, "ChallengeApplicationStatusEnum"
)
DeclineReasonField = named_choice_field(DeclineReason.choices, "ChallengeDeclineReasonEnum")
DeclineReasonOrBlankField = named_choice_field(
    [("", ""), *DeclineReason.choices], "ChallengeDeclineReasonOrBlankEnum", blank=True
)
ConflictField = named_choice_field(PanelAssignment.Conflict.choices, "ChallengeConflictEnum")

AMOUNT = {"max_digits": 10, "decimal_places": 2}


def _text(name, **kwargs):
    return serializers.CharField(
        max_length=Challenge._meta.get_field(name).max_length or 5000, **kwargs
    )


# --- what is read --------------------------------------------------------------------------


class ChallengeIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChallengeIndicator
        fields = ["id", "name", "current_value", "target_value", "unit", "test_method"]
        read_only_fields = fields


class ChallengeAmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Amendment
        fields = ["id", "field_name", "old_text", "new_text", "reason", "made_at"]
        read_only_fields = fields


class ReviewCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewCriterion
        fields = ["id", "name", "weight"]
        read_only_fields = fields


class ChallengeSerializer(serializers.ModelSerializer):
    status = ChallengeStatusField(read_only=True)
    criteria = ReviewCriterionSerializer(
        many=True,
        read_only=True,
        help_text=gettext_lazy("The panel's weighted criteria; the weights sum to 100."),
    )
    ip_arrangement = IpArrangementField(read_only=True)
    sponsor = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Null when the sponsor hides its name and you are neither the sponsor nor the "
            "CAST staff who vet the challenge."
        )
    )
    sponsor_label = serializers.SerializerMethodField(
        help_text=gettext_lazy("The sponsor's name, or what the public reads instead.")
    )
    field = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=gettext_lazy("The sponsor's region: its CAST staff vet the challenge."),
    )
    indicators = ChallengeIndicatorSerializer(many=True, read_only=True)
    application_count = serializers.SerializerMethodField(
        help_text=gettext_lazy("Live applications.")
    )
    vetting_note = serializers.SerializerMethodField(
        help_text=gettext_lazy("The vetting staff's note: for the sponsor and the staff only.")
    )
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The challenge's page."))

    class Meta:
        model = Challenge
        fields = [
            "id",
            "title",
            "status",
            "sponsor",
            "sponsor_label",
            "hide_sponsor",
            "government_list",
            "blind_review",
            "criteria",
            "problem",
            "success_criteria",
            "trl_now",
            "trl_wanted",
            "reward_amount",
            "reward_terms",
            "ip_arrangement",
            "eligibility",
            "max_winners",
            "applications_close_on",
            "decision_by",
            "field",
            "region",
            "indicators",
            "application_count",
            "vetting_note",
            "submitted_at",
            "published_at",
            "closed_at",
            "url",
        ]
        read_only_fields = fields

    def _sees(self, challenge) -> bool:
        return challenge_sees_sponsor(
            actor=self.context["actor"],
            challenge=challenge,
            staffed_region_ids=self.context.get("staffed"),
        )

    @extend_schema_field(OrganizationRefSerializer(allow_null=True))
    def get_sponsor(self, challenge):
        if not self._sees(challenge):
            return None
        return {"id": challenge.sponsor_id, "name": challenge.sponsor.name}

    def get_sponsor_label(self, challenge) -> str:
        return challenge.sponsor.name if self._sees(challenge) else str(sponsor_label(challenge))

    def get_application_count(self, challenge) -> int:
        return getattr(challenge, "application_count", 0)

    def get_vetting_note(self, challenge) -> str:
        actor = self.context["actor"]
        if challenge_is_sponsor(actor=actor, challenge=challenge) or challenge_can_vet(
            actor=actor, challenge=challenge, staffed_region_ids=self.context.get("staffed")
        ):
            return challenge.vetting_note
        return ""

    def get_url(self, challenge) -> str:
        return challenge.get_absolute_url()


class ChallengeDetailSerializer(ChallengeSerializer):
    amendments = ChallengeAmendmentSerializer(many=True, read_only=True)

    class Meta(ChallengeSerializer.Meta):
        fields = [*ChallengeSerializer.Meta.fields, "amendments"]
        read_only_fields = fields


class ChallengeQuestionSerializer(serializers.ModelSerializer):
    asked_by_you = serializers.SerializerMethodField(
        help_text=gettext_lazy("Your organization asked it (the asker is not shown to others).")
    )

    class Meta:
        model = Question
        fields = ["id", "text", "answer", "asked_at", "answered_at", "asked_by_you"]
        read_only_fields = fields

    def get_asked_by_you(self, question) -> bool:
        return question.organization_id in self.context["actor"].organization_ids


class ChallengeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)


class ChallengeApplicationMilestoneSerializer(serializers.ModelSerializer):
    covers_indicator = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = ApplicationMilestone
        fields = ["id", "title", "due_on", "deliverable", "covers_indicator"]
        read_only_fields = fields


class ChallengeApplicationSerializer(serializers.ModelSerializer):
    challenge = ChallengeRefSerializer(read_only=True)
    applicant = OrganizationRefSerializer(read_only=True)
    status = ApplicationStatusField(read_only=True)
    decline_reason = DeclineReasonOrBlankField(
        read_only=True, help_text=gettext_lazy("Why it was not awarded.")
    )
    deal = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The deal the award opened (a winner's)."),
    )
    milestones = ChallengeApplicationMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "challenge",
            "applicant",
            "status",
            "approach",
            "budget",
            "team",
            "evidence",
            "coi_declared",
            "coi_note",
            "originality_declared",
            "milestones",
            "submitted_at",
            "withdrawn_at",
            "decline_reason",
            "decline_comment",
            "deal",
        ]
        read_only_fields = fields


# --- what is written -----------------------------------------------------------------------


class ChallengeIndicatorWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    current_value = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    target_value = serializers.CharField(max_length=50)
    unit = serializers.CharField(max_length=30)
    test_method = serializers.CharField(max_length=300)


class ReviewCriterionWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    weight = serializers.IntegerField(min_value=1, max_value=100)


class ChallengeWriteSerializer(serializers.Serializer):
    """A draft's fields and its indicators (the whole list, replacing the old one)."""

    sponsor = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy(
            "Your organization that sets the challenge; needed only by a person in several."
        ),
    )
    need = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("Your organization's need the challenge comes from (never shown)."),
    )
    title = _text("title")
    problem = _text("problem")
    hide_sponsor = serializers.BooleanField(required=False, default=False)
    success_criteria = _text("success_criteria")
    trl_now = serializers.IntegerField(min_value=1, max_value=9)
    trl_wanted = serializers.IntegerField(min_value=1, max_value=9)
    reward_amount = serializers.DecimalField(
        **AMOUNT, min_value=0, max_value=1000000, help_text=gettext_lazy("10k CNY.")
    )
    reward_terms = _text("reward_terms")
    ip_arrangement = IpArrangementField()
    eligibility = _text("eligibility")
    max_winners = serializers.IntegerField(min_value=1, max_value=20, required=False)
    applications_close_on = serializers.DateField()
    decision_by = serializers.DateField()
    field = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Field.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("The technical field's code."),
    )
    indicators = ChallengeIndicatorWriteSerializer(many=True, max_length=services.MAX_INDICATORS)
    blind_review = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("The panel sees anonymous labels; locked once published."),
    )
    criteria = ReviewCriterionWriteSerializer(
        many=True,
        required=False,
        max_length=services.MAX_CRITERIA,
        help_text=gettext_lazy(
            "The panel's criteria with weights summing to 100; left out: those set, or the "
            "default four (team, R&D capability, approach, fit to the need) for a new one."
        ),
    )


class ChallengeAmendSerializer(ChallengeWriteSerializer):
    """Any of the challenge's fields; only the deadlines (later only), the eligibility, the
    reward terms may change after publication."""

    reason = serializers.CharField(max_length=services.NOTE_MAX_LENGTH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sponsor", "need"):
            self.fields.pop(name)
        for name, field in self.fields.items():
            if name != "reason":
                field.required = False
                field.default = serializers.empty


class ChallengeNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=services.NOTE_MAX_LENGTH,
        help_text=gettext_lazy(
            "Why: required to return a challenge for changes or to cancel an open one."
        ),
    )


class ChallengeAskSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    organization = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("Your organization that asks; needed only by a person in several."),
    )


class ChallengeAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)


class ChallengeMilestoneWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    deliverable = serializers.CharField(max_length=2000)
    covers_indicator = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("The id of the challenge's indicator the milestone reaches."),
    )


class ChallengeApplicationWriteSerializer(serializers.Serializer):
    challenge = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    applicant = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy(
            "Your organization that applies; needed only by a person in several."
        ),
    )
    approach = serializers.CharField(max_length=5000)
    budget = serializers.DecimalField(
        **AMOUNT, min_value=0, max_value=1000000, help_text=gettext_lazy("10k CNY.")
    )
    team = serializers.CharField(max_length=5000)
    evidence = serializers.CharField(max_length=5000)
    coi_declared = serializers.BooleanField()
    coi_note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    originality_declared = serializers.BooleanField()
    milestones = ChallengeMilestoneWriteSerializer(many=True, max_length=services.MAX_MILESTONES)


def _own_organization(actor, chosen: int | None, field: str) -> Organization:
    """The organization the actor acts for: the one chosen, or its only one."""
    if chosen is not None:
        if chosen not in actor.organization_ids:
            raise exceptions.ValidationError({field: [_("Choose one of your own organizations.")]})
        return Organization.objects.get(pk=chosen)
    if len(actor.organization_ids) != 1:
        raise exceptions.ValidationError(
            {field: [_("You belong to several organizations or none: choose one.")]}
        )
    return Organization.objects.get(pk=next(iter(actor.organization_ids)))


# --- the review panel, the award, the figures ----------------------------------------------


class PanelMemberSerializer(serializers.ModelSerializer):
    assignments = serializers.SerializerMethodField(
        help_text=gettext_lazy("How many applications are assigned to the member.")
    )

    class Meta:
        model = PanelMember
        fields = ["id", "user", "name", "affiliation", "is_enterprise_member", "assignments"]
        read_only_fields = fields

    def get_assignments(self, member) -> int:
        return len(member.assignments.all())


class PanelSeatSerializer(serializers.Serializer):
    user = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=gettext_lazy("The platform user's id.")
    )
    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    affiliation = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class PanelAssignSerializer(serializers.Serializer):
    members = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_null=True,
        max_length=200,
        help_text=gettext_lazy("Panel member ids; left out: all."),
    )
    applications = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_null=True,
        max_length=500,
        help_text=gettext_lazy("Application ids; left out: all live ones."),
    )


class PanelAssignedSerializer(serializers.Serializer):
    added = serializers.IntegerField(read_only=True)


class ReviewScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    value = serializers.IntegerField(
        min_value=0,
        max_value=10,
        error_messages={
            "max_value": gettext_lazy("A score is a whole number from 0 to 10."),
            "min_value": gettext_lazy("A score is a whole number from 0 to 10."),
            "invalid": gettext_lazy("A score is a whole number from 0 to 10."),
        },
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReviewApplicationSerializer(serializers.Serializer):
    """What a panel member reads of an assigned application: in blind review no applicant
    and no team, only an anonymous label."""

    id = serializers.IntegerField(source="application.id", read_only=True)
    label = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy("The applicant's name, or in blind review “Application A”…"),
    )
    applicant = serializers.SerializerMethodField(help_text=gettext_lazy("Null in blind review."))
    team = serializers.SerializerMethodField(help_text=gettext_lazy("Empty in blind review."))
    approach = serializers.CharField(source="application.approach", read_only=True)
    budget = serializers.DecimalField(source="application.budget", read_only=True, **AMOUNT)
    evidence = serializers.CharField(source="application.evidence", read_only=True)
    milestones = ChallengeApplicationMilestoneSerializer(
        source="application.milestones", many=True, read_only=True
    )
    conflict = ConflictField(read_only=True)
    blocked = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Why you may not score it, if you may not.")
    )
    scores = serializers.SerializerMethodField()

    @extend_schema_field(OrganizationRefSerializer(allow_null=True))
    def get_applicant(self, assignment):
        if not assignment.applicant_shown:
            return None
        applicant = assignment.application.applicant
        return {"id": applicant.pk, "name": applicant.name}

    def get_team(self, assignment) -> str:
        return assignment.application.team if assignment.applicant_shown else ""

    @extend_schema_field(ReviewScoreSerializer(many=True))
    def get_scores(self, assignment):
        return [
            {"criterion": pk, "value": score.value, "comment": score.comment}
            for pk, score in assignment.own_scores.items()
        ]


class ReviewConflictSerializer(serializers.Serializer):
    application = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    conflict = serializers.BooleanField(
        help_text=gettext_lazy("True: a conflict (removes you from it for good); false: none.")
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReviewScoresSerializer(serializers.Serializer):
    application = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    scores = ReviewScoreSerializer(many=True, max_length=services.MAX_CRITERIA)


class RankingRowSerializer(serializers.Serializer):
    application = serializers.IntegerField(source="application.id", read_only=True)
    applicant = OrganizationRefSerializer(source="application.applicant", read_only=True)
    status = ApplicationStatusField(source="application.status", read_only=True)
    mean = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Weighted mean of the scores received (0–10); null unscored."),
    )
    reviews = serializers.IntegerField(read_only=True)


class AwardDeclineSerializer(serializers.Serializer):
    application = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = DeclineReasonField()
    comment = serializers.CharField(max_length=2000)


class AwardSerializer(serializers.Serializer):
    winners = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=20,
        help_text=gettext_lazy("The winning applications' ids (at most max_winners)."),
    )
    declines = AwardDeclineSerializer(
        many=True,
        required=False,
        max_length=500,
        help_text=gettext_lazy("A reason and a comment per application not awarded."),
    )
    decline_reason = DeclineReasonOrBlankField(
        required=False,
        default="",
        help_text=gettext_lazy("For all the others not listed in `declines`."),
    )
    decline_comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


class DeclineSerializer(serializers.Serializer):
    reason = DeclineReasonField()
    comment = serializers.CharField(max_length=2000)


class FiguresSideSerializer(serializers.Serializer):
    applications = serializers.IntegerField(read_only=True)
    awarded = serializers.IntegerField(read_only=True)
    award_rate = serializers.FloatField(read_only=True, allow_null=True)
    milestones_due = serializers.IntegerField(read_only=True)
    on_time = serializers.IntegerField(read_only=True)
    on_time_rate = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Share of the deal milestones accepted by their due date."),
    )


class OrganizationFiguresSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer(read_only=True)
    as_sponsor = FiguresSideSerializer(read_only=True)
    as_applicant = FiguresSideSerializer(read_only=True)


class ChallengeFiguresSerializer(serializers.Serializer):
    sponsor = OrganizationFiguresSerializer(
        read_only=True, allow_null=True, help_text=gettext_lazy("Null for a hidden sponsor.")
    )
    winners = OrganizationFiguresSerializer(many=True, read_only=True)


# --- the views -----------------------------------------------------------------------------


class ChallengeFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ChallengeStatus.choices)
    field = filters.ModelChoiceFilter(
        queryset=Field.objects.all(),
        to_field_name="code",
        method="filter_field",
        label=gettext_lazy("field code, at any level"),
    )
    region = filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        to_field_name="code",
        method="filter_region",
        label=gettext_lazy("region code; a province includes its cities"),
    )

    class Meta:
        model = Challenge
        fields = ["status", "field", "region"]

    def filter_field(self, queryset, name, value):
        return queryset.filter(field__code__startswith=value.code)

    def filter_region(self, queryset, name, value):
        return queryset.filter(within_regions_q(value))


_QUESTION_ID = OpenApiParameter("question_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class ChallengeViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Challenges (揭榜挂帅): the published and closed ones for all; your organization's own
    in any state; for the CAST staff, those they vet from submission on. The open ones first.

    A sponsor drafts a challenge with its target indicators and submits it; the CAST staff of
    its region publish it or return it with a note; once published its criteria and IP terms
    are locked and only amended (deadlines later, eligibility and reward terms clarified), each
    amendment public. Organizations ask questions, which the sponsor answers in public, and
    apply (POST /challenge-applications/) until applications close.
    """

    serializer_class = ChallengeSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    filterset_class = ChallengeFilter
    token_scope_by_action = {
        "publish": ApiToken.Scope.REVIEW,
        "return_for_changes": ApiToken.Scope.REVIEW,
        "cosign": ApiToken.Scope.REVIEW,
    }
    ordering_fields = ["published_at", "applications_close_on", "created_at", "reward_amount"]
    ordering = ["-published_at", "-created_at", "-id"]

    def scope_queryset(self, actor):
        return challenge_list_visible(actor=actor).prefetch_related(
            "indicators", "amendments", "criteria"
        )

    def get_serializer_class(self):
        return ChallengeSerializer if self.action == "list" else ChallengeDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.get_actor()}

    def list(self, request, *args, **kwargs):
        """The challenges you may see; who vets each government list is read once for the
        page (challenges.selectors.staffed_office_regions), not once per challenge."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        actor = self.get_actor()
        context = self.get_serializer_context()
        if actor.is_staff_reviewer:
            context["staffed"] = staffed_office_regions(page)
        data = ChallengeSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def _respond(self, challenge, code=status.HTTP_200_OK):
        challenge = self.scope_queryset(self.get_actor()).get(pk=challenge.pk)
        return Response(
            ChallengeDetailSerializer(challenge, context=self.get_serializer_context()).data,
            code,
        )

    def _need(self, data):
        need_id = data.pop("need", None)
        if need_id is None:
            return None
        need = Listing.objects.filter(pk=need_id, kind=ListingKind.NEED).first()
        if need is None or need.organization_id not in self.get_actor().organization_ids:
            raise exceptions.ValidationError(
                {"need": [_("Choose one of your organization's needs.")]}
            )
        return need

    @extend_schema(request=ChallengeWriteSerializer, responses={201: ChallengeDetailSerializer})
    def create(self, request, *args, **kwargs):
        """A sponsor (a verified enterprise or CAST office) drafts a challenge with its target
        indicators. It stays a draft, seen by the sponsor only, until submitted."""
        actor = self.get_actor()
        body = ChallengeWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        indicators = data.pop("indicators")
        criteria = data.pop("criteria", None)
        sponsor = _own_organization(actor, data.pop("sponsor", None), "sponsor")
        data["need"] = self._need(data)
        challenge = services.challenge_save(
            actor=actor, sponsor=sponsor, data=data, indicators=indicators, criteria=criteria
        )
        return self._respond(challenge, status.HTTP_201_CREATED)

    @extend_schema(request=ChallengeWriteSerializer, responses=ChallengeDetailSerializer)
    def update(self, request, *args, **kwargs):
        """The sponsor edits a draft or returned challenge (PATCH: only the fields sent). A
        published one is changed only by …/amend/."""
        challenge = self.get_object()
        partial = kwargs.get("partial", False)
        body = ChallengeWriteSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        data = {name: getattr(challenge, name) for name in services.CHALLENGE_FIELDS}
        data["need"] = challenge.need
        given = dict(body.validated_data)
        given.pop("sponsor", None)
        if "need" in given:
            given["need"] = self._need(given)
        indicators = given.pop("indicators", None)
        criteria = given.pop("criteria", None)
        if indicators is None:
            indicators = [
                {name: getattr(row, name) for name in services.INDICATOR_FIELDS}
                for row in challenge.indicators.all()
            ]
        data.update(given)
        challenge = services.challenge_save(
            actor=self.get_actor(),
            challenge=challenge,
            data=data,
            indicators=indicators,
            criteria=criteria,
        )
        return self._respond(challenge)

    @extend_schema(request=ChallengeWriteSerializer, responses=ChallengeDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """As PUT, with only the fields sent."""
        return self.update(request, *args, partial=True, **kwargs)

    def _step(self, request, step):
        challenge = self.get_object()
        body = ChallengeNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        challenge = services.challenge_transition(
            actor=self.get_actor(),
            challenge=challenge,
            action=step,
            note=body.validated_data["note"],
        )
        return self._respond(challenge)

    @extend_schema(request=ChallengeNoteSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        """The sponsor submits a draft or returned challenge for vetting by the CAST staff."""
        return self._step(request, "submit")

    @extend_schema(request=ChallengeNoteSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request, pk=None):
        """The CAST staff who vet the challenge publish it (a token needs `review`); the
        matcher then invites the best-matched organizations."""
        return self._step(request, "publish")

    @extend_schema(request=ChallengeNoteSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return", filter_backends=[])
    def return_for_changes(self, request, pk=None):
        """The CAST staff who vet the challenge return it to the sponsor, saying why in
        `note` (a token needs `review`)."""
        return self._step(request, "return")

    @extend_schema(request=ChallengeNoteSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request, pk=None):
        """The sponsor closes applications early (the timer closes them at the deadline)."""
        return self._step(request, "close")

    @extend_schema(request=ChallengeNoteSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        """The sponsor cancels the challenge; an open one only with a `note` saying why."""
        return self._step(request, "cancel")

    @extend_schema(request=ChallengeAmendSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def amend(self, request, pk=None):
        """The sponsor amends an open challenge: the deadlines only later, the eligibility and
        the reward terms clarified. Any other field, the indicators included, is locked (a
        field error naming it). Each change is a public amendment; the applicants and the
        invited are told."""
        challenge = self.get_object()
        body = ChallengeAmendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        reason = changes.pop("reason")
        indicators = changes.pop("indicators", None)
        criteria = changes.pop("criteria", None)
        services.challenge_amend(
            actor=self.get_actor(),
            challenge=challenge,
            changes=changes,
            reason=reason,
            indicators=indicators,
            criteria=criteria,
        )
        return self._respond(challenge)

    @extend_schema(methods=["get"], request=None, responses=ChallengeQuestionSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=ChallengeAskSerializer,
        responses={201: ChallengeQuestionSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def questions(self, request, pk=None):
        """GET: the answered questions (and, for the sponsor, the staff and the asker, the
        unanswered ones too), oldest first. POST: ask one while the challenge is open."""
        challenge = self.get_object()
        actor = self.get_actor()
        context = self.get_serializer_context()
        if request.method == "GET":
            page = self.paginate_queryset(question_list_visible(actor=actor, challenge=challenge))
            return self.get_paginated_response(
                ChallengeQuestionSerializer(page, many=True, context=context).data
            )
        body = ChallengeAskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        organization = _own_organization(
            actor, body.validated_data.get("organization"), "organization"
        )
        question = services.question_ask(
            actor=actor,
            challenge=challenge,
            organization=organization,
            text=body.validated_data["text"],
        )
        return Response(
            ChallengeQuestionSerializer(question, context=context).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[_QUESTION_ID],
        request=ChallengeAnswerSerializer,
        responses=ChallengeQuestionSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"questions/(?P<question_id>[0-9]+)/answer",
        url_name="question-answer",
        filter_backends=[],
        permission_classes=[IsAuthenticated],
    )
    def answer(self, request, pk=None, question_id=None):
        """The sponsor answers a question once, in public; the asker is told."""
        challenge = self.get_object()
        question_pk = parse_id(question_id)
        question = (
            question_list_visible(actor=self.get_actor(), challenge=challenge)
            .filter(pk=question_pk)
            .first()
            if question_pk
            else None
        )
        if question is None:
            raise exceptions.NotFound()
        body = ChallengeAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        question = services.question_answer(
            actor=self.get_actor(), question=question, answer=body.validated_data["answer"]
        )
        return Response(
            ChallengeQuestionSerializer(question, context=self.get_serializer_context()).data
        )

    def _sees_ranking(self, challenge):
        if not challenge_sees_ranking(actor=self.get_actor(), challenge=challenge):
            raise exceptions.NotFound()

    @extend_schema(methods=["get"], request=None, responses=PanelMemberSerializer(many=True))
    @extend_schema(
        methods=["post"], request=PanelSeatSerializer, responses={201: PanelMemberSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        permission_classes=[IsAuthenticated],
    )
    def panel(self, request, pk=None):
        """GET: the review panel (the sponsor and the vetting staff). POST: the sponsor's
        administrators seat a platform user once applications are closed; a member of the
        sponsor is flagged as an enterprise member."""
        challenge = self.get_object()
        self._sees_ranking(challenge)
        if request.method == "GET":
            page = self.paginate_queryset(
                panel_list(challenge=challenge).prefetch_related("assignments")
            )
            return self.get_paginated_response(PanelMemberSerializer(page, many=True).data)
        body = PanelSeatSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = (
            get_user_model().objects.filter(pk=body.validated_data["user"], is_active=True).first()
        )
        if user is None:
            raise exceptions.ValidationError({"user": [_("No active user with this id.")]})
        member = services.panel_seat(
            actor=self.get_actor(),
            challenge=challenge,
            user=user,
            name=body.validated_data["name"],
            affiliation=body.validated_data["affiliation"],
        )
        member = panel_list(challenge=challenge).prefetch_related("assignments").get(pk=member.pk)
        return Response(PanelMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PanelAssignSerializer, responses=PanelAssignedSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], permission_classes=[IsAuthenticated])
    def assign(self, request, pk=None):
        """The sponsor's administrators assign applications to panel members (all to all when
        both lists are left out)."""
        challenge = self.get_object()
        body = PanelAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        added = services.panel_assign(
            actor=self.get_actor(),
            challenge=challenge,
            member_ids=body.validated_data.get("members"),
            application_ids=body.validated_data.get("applications"),
        )
        return Response({"added": added})

    @extend_schema(request=ChallengeNoteSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], url_path="start-review", filter_backends=[])
    def start_review(self, request, pk=None):
        """The sponsor starts the panel's review of a closed challenge (a panel seated)."""
        return self._step(request, "start_review")

    def _review_rows(self, challenge):
        actor = self.get_actor()
        if panel_member_of(actor=actor, challenge=challenge) is None:
            raise exceptions.NotFound()
        return review_assignments(actor=actor, challenge=challenge)

    @extend_schema(request=None, responses=ReviewApplicationSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], permission_classes=[IsAuthenticated])
    def review(self, request, pk=None):
        """A panel member's assigned applications (a person, not a token). In blind review
        `applicant` is null and `team` empty: only the anonymous label is shown."""
        challenge = self.get_object()
        page = self.paginate_queryset(self._review_rows(challenge))
        return self.get_paginated_response(ReviewApplicationSerializer(page, many=True).data)

    def _assigned_application(self, challenge, application_id):
        application = Application.objects.filter(pk=application_id, challenge=challenge).first()
        if application is None:
            raise exceptions.ValidationError(
                {"application": [_("No application with this id to this challenge.")]}
            )
        return application

    def _review_row(self, challenge, application):
        row = next(
            (r for r in self._review_rows(challenge) if r.application_id == application.pk), None
        )
        return Response(ReviewApplicationSerializer(row).data)

    @extend_schema(request=ReviewConflictSerializer, responses=ReviewApplicationSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], permission_classes=[IsAuthenticated])
    def conflict(self, request, pk=None):
        """The panel member declares, for an assigned application, no conflict of interest or
        a conflict (which removes them from it)."""
        challenge = self.get_object()
        body = ReviewConflictSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = self._assigned_application(challenge, body.validated_data["application"])
        services.conflict_declare(
            actor=self.get_actor(),
            application=application,
            conflict=body.validated_data["conflict"],
            note=body.validated_data["note"],
        )
        return self._review_row(challenge, application)

    @extend_schema(request=ReviewScoresSerializer, responses=ReviewApplicationSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], permission_classes=[IsAuthenticated])
    def scores(self, request, pk=None):
        """The panel member scores every criterion 0–10 with a comment (again: replaced).
        Refused with a field error on `conflict` where the member's organization applied or
        the member declared a conflict."""
        challenge = self.get_object()
        body = ReviewScoresSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = self._assigned_application(challenge, body.validated_data["application"])
        services.scores_submit(
            actor=self.get_actor(), application=application, scores=body.validated_data["scores"]
        )
        return self._review_row(challenge, application)

    @extend_schema(request=None, responses=RankingRowSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], permission_classes=[IsAuthenticated])
    def ranking(self, request, pk=None):
        """The applications by the weighted mean of their scores (the sponsor and the vetting
        staff only)."""
        challenge = self.get_object()
        self._sees_ranking(challenge)
        page = self.paginate_queryset(application_ranking(challenge=challenge))
        return self.get_paginated_response(RankingRowSerializer(page, many=True).data)

    @extend_schema(request=AwardSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], permission_classes=[IsAuthenticated])
    def award(self, request, pk=None):
        """The sponsor awards up to max_winners scored applications; every other one is
        declined with a reason and a comment (per application in `declines`, or all the rest
        with `decline_reason` and `decline_comment`), else nothing is awarded. An enterprise's
        award opens a deal per winner with its milestones; a government list's waits for the
        CAST co-signature."""
        challenge = self.get_object()
        body = AwardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        challenge = services.challenge_award(
            actor=self.get_actor(),
            challenge=challenge,
            winners=data["winners"],
            declines={
                row["application"]: (row["reason"], row["comment"])
                for row in data.get("declines", [])
            },
            decline_reason=data["decline_reason"],
            decline_comment=data["decline_comment"],
        )
        return self._respond(challenge)

    @extend_schema(request=ChallengeNoteSerializer, responses=ChallengeDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def cosign(self, request, pk=None):
        """The CAST staff who vet a government list co-sign its award (a token needs
        `review`); the winners' deals open then."""
        return self._step(request, "cosign")

    @extend_schema(request=None, responses=ChallengeFiguresSerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def figures(self, request, pk=None):
        """Public figures of the sponsor (unless hidden) and of the winners: applications
        filed, award rate, delivery on time of their challenge deals."""
        challenge = self.get_object()
        winners = [
            a.applicant
            for a in challenge.applications.filter(
                status=Application.Status.AWARDED
            ).select_related("applicant")
        ]
        shown = challenge_sees_sponsor(actor=self.get_actor(), challenge=challenge)
        ids = [w.pk for w in winners] + ([challenge.sponsor_id] if shown else [])
        figures = organization_figures(organization_ids=ids)

        def row(organization):
            return {
                "organization": {"id": organization.pk, "name": organization.name},
                **figures[organization.pk],
            }

        return Response(
            ChallengeFiguresSerializer(
                {
                    "sponsor": row(challenge.sponsor) if shown else None,
                    "winners": [row(w) for w in winners],
                }
            ).data
        )


class ChallengeApplicationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Application.Status.choices)

    class Meta:
        model = Application
        fields = ["status"]


class ChallengeApplicationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Applications to challenges (揭榜方案): your organization's own, and those to your
    organization's challenges; the newest first."""

    serializer_class = ChallengeApplicationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ChallengeApplicationFilter
    conflict_actions = ("create", "withdraw")
    ordering_fields = ["submitted_at", "budget"]
    ordering = ["-submitted_at", "-id"]

    def scope_queryset(self, actor):
        return (
            Application.objects.filter(
                Q(applicant_id__in=actor.organization_ids)
                | Q(challenge__sponsor_id__in=actor.organization_ids)
            )
            .select_related("challenge", "applicant")
            .prefetch_related("milestones")
        )

    def _respond(self, application, code=status.HTTP_200_OK):
        application = self.scope_queryset(self.get_actor()).get(pk=application.pk)
        return Response(ChallengeApplicationSerializer(application).data, code)

    @extend_schema(
        request=ChallengeApplicationWriteSerializer, responses={201: ChallengeApplicationSerializer}
    )
    def create(self, request, *args, **kwargs):
        """A verified organization (not a CAST office) applies to an open challenge, with its
        milestones; together they must reach every target indicator. One live application per
        organization (409 when there is one, or the challenge is not open)."""
        actor = self.get_actor()
        body = ChallengeApplicationWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        challenge = challenge_list_visible(actor=actor).filter(pk=data.pop("challenge")).first()
        if challenge is None:
            raise exceptions.ValidationError(
                {"challenge": [_("No challenge with this id is among those you may see.")]}
            )
        applicant = _own_organization(actor, data.pop("applicant", None), "applicant")
        milestones = data.pop("milestones")
        with state_conflicts():
            application = services.application_submit(
                actor=actor,
                challenge=challenge,
                applicant=applicant,
                data=data,
                milestones=milestones,
            )
        return self._respond(application, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ChallengeApplicationSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request, pk=None):
        """The applicant withdraws its application while the challenge is open (409 once
        withdrawn or closed)."""
        application = self.get_object()
        try:
            application = services.application_withdraw(
                actor=self.get_actor(), application=application
            )
        except DjangoValidationError as error:
            # No body to name a field of: the application's or the challenge's state refuses.
            raise Conflict(" ".join(error.messages)) from error
        return self._respond(application)

    @extend_schema(request=DeclineSerializer, responses=ChallengeApplicationSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, pk=None):
        """The sponsor declines an application during the review with a coded reason and a
        comment; the applicant is told why."""
        application = self.get_object()
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.application_decline(
            actor=self.get_actor(),
            application=application,
            reason=body.validated_data["reason"],
            comment=body.validated_data["comment"],
        )
        return self._respond(application)
