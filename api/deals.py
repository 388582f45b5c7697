"""REST API for deals: /api/v1/deals/ — open one, take its steps, record its contract,
milestones and documents, read its history.

The same object permissions as the web pages (deals.permissions): the two parties' members, or
a party's API token, read a deal and take the parties' steps; the CAST staff of its region (a
person, or the office's token with the `review` scope) read it for oversight and verify its
registration; for anyone else it does not exist (404), its documents included. Writing needs a
token's `write` scope, except the staff's steps, which need `review`.

Every write runs through deals.services, so the API and the web refuse the same things with the
same messages: a step the stage does not allow is a field error on "stage" (400), one the actor
may not take 403.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.base import ScopedViewSetMixin, TokenScope
from api.conversations import BinaryRenderer, OrganizationRefSerializer
from api.errors import Conflict, state_conflicts
from api.matches import ReasonField
from api.schema import file_download_responses
from api.serializers import named_choice_field
from conversations.selectors import conversation_list_visible
from core.ids import MAX_ID, parse_id
from core.uploads import upload_private_response
from deals import services
from deals.models import (
    AMOUNT_MAX_DIGITS,
    Confirmation,
    Contract,
    ContractType,
    Deal,
    DealDocument,
    DealHistory,
    Milestone,
    PaymentTerms,
    Stage,
)
from deals.permissions import deal_party_organization_id
from deals.selectors import (
    deal_available_actions,
    deal_list_visible,
    document_list,
    history_list,
    milestone_list,
)
from deals.transitions import ACTION_LABELS, TRANSITIONS, Action, Who
from matching.selectors import match_list
from organizations.models import ApiToken

# --- enums, named: several would otherwise share a name ("stage", "status", "kind", "origin")
# with other resources' enums, and the schema's post-processing would rename both.


DealStageField = named_choice_field(Stage.choices, "DealStageEnum")
DealStageOrBlankField = named_choice_field(
    [("", ""), *Stage.choices], "DealStageOrBlankEnum", blank=True
)
DealOriginField = named_choice_field(Deal.Origin.choices, "DealOriginEnum")
DealActionField = named_choice_field(
    [(action.value, ACTION_LABELS[action]) for action in Action], "DealActionEnum"
)
ContractTypeField = named_choice_field(ContractType.choices, "ContractTypeEnum")
PaymentTermsField = named_choice_field(PaymentTerms.choices, "PaymentTermsEnum")
ContractRegistrationField = named_choice_field(
    Contract.Registration.choices, "ContractRegistrationEnum", blank=True
)
MilestoneStatusField = named_choice_field(Milestone.Status.choices, "MilestoneStatusEnum")
DealDocumentKindField = named_choice_field(DealDocument.Kind.choices, "DealDocumentKindEnum")

SIDES = ("demand", "supply")


def _amount(**kwargs):
    return serializers.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=2, min_value=0, **kwargs
    )


# --- what is read --------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    contract_type = ContractTypeField(read_only=True)
    payment_terms = PaymentTermsField(read_only=True)
    technical_amount = serializers.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS + 1,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy(
            "The technical-transaction amount (技术交易额, 10,000 yuan): the total less "
            "equipment, parts and materials."
        ),
    )
    registration_status = ContractRegistrationField(read_only=True)

    class Meta:
        model = Contract
        fields = [
            "contract_type",
            "equity_contribution",
            "total_amount",
            "non_technical_amount",
            "technical_amount",
            "payment_terms",
            "payment_note",
            "signed_on",
            "ends_on",
            "registration_number",
            "registered_on",
            "registration_status",
            "registration_note",
            "registration_checked_at",
            "updated_at",
        ]
        read_only_fields = fields


class DealDocumentSerializer(serializers.ModelSerializer):
    kind = DealDocumentKindField(read_only=True)
    milestone = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    organization = OrganizationRefSerializer(
        read_only=True, help_text=gettext_lazy("The party that uploaded it.")
    )
    url = serializers.SerializerMethodField(help_text=gettext_lazy("Download it here."))

    class Meta:
        model = DealDocument
        fields = ["id", "kind", "name", "size", "milestone", "organization", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, document) -> str:
        return reverse(
            "api:deal-document", kwargs={"pk": document.deal_id, "document_id": document.pk}
        )


class MilestoneSerializer(serializers.ModelSerializer):
    status = MilestoneStatusField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "title",
            "due_on",
            "amount",
            "acceptance_criteria",
            "status",
            "delivery_note",
            "delivered_at",
            "review_note",
            "accepted_at",
        ]
        read_only_fields = fields


class ConfirmationSerializer(serializers.ModelSerializer):
    action = DealActionField(read_only=True)
    organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Confirmation
        fields = ["action", "organization", "created_at"]
        read_only_fields = fields


def _contract_of(deal) -> Contract | None:
    try:
        return deal.contract
    except Contract.DoesNotExist:
        return None


class DealSerializer(serializers.ModelSerializer):
    origin = DealOriginField(read_only=True)
    stage = DealStageField(read_only=True)
    demand_party = OrganizationRefSerializer(
        read_only=True,
        help_text=gettext_lazy("Who acquires the technology or the service (委托方, 受让方 …)."),
    )
    supply_party = OrganizationRefSerializer(read_only=True)
    your_side = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Which party you act for; null for the CAST staff who oversee the deal."
        )
    )
    conversation = serializers.PrimaryKeyRelatedField(read_only=True)
    need = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    listing = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    match = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=gettext_lazy("The region whose CAST staff oversee the deal."),
    )
    end_reason = ReasonField(read_only=True)
    contract = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The deal's page."))

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "origin",
            "stage",
            "demand_party",
            "supply_party",
            "your_side",
            "conversation",
            "need",
            "listing",
            "match",
            "region",
            "end_reason",
            "end_note",
            "opened_at",
            "stage_changed_at",
            "last_activity_at",
            "contract",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": [*SIDES, None], "nullable": True})
    def get_your_side(self, deal):
        own = deal_party_organization_id(actor=self.context["actor"], deal=deal)
        if own is None:
            return None
        return "demand" if own == deal.demand_party_id else "supply"

    @extend_schema_field(ContractSerializer(allow_null=True))
    def get_contract(self, deal):
        contract = _contract_of(deal)
        return ContractSerializer(contract).data if contract is not None else None

    def get_url(self, deal) -> str:
        return deal.get_absolute_url()


class DealDetailSerializer(DealSerializer):
    milestones = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    confirmations = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Each party's yes to a step both must take (the NDA, signing, completion)."
        )
    )
    available_actions = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The steps you may take now (POST …/transition/); their checks still run then."
        )
    )

    class Meta(DealSerializer.Meta):
        fields = [
            *DealSerializer.Meta.fields,
            "milestones",
            "documents",
            "confirmations",
            "available_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(MilestoneSerializer(many=True))
    def get_milestones(self, deal):
        return MilestoneSerializer(milestone_list(deal=deal), many=True).data

    @extend_schema_field(DealDocumentSerializer(many=True))
    def get_documents(self, deal):
        return DealDocumentSerializer(document_list(deal=deal), many=True).data

    @extend_schema_field(ConfirmationSerializer(many=True))
    def get_confirmations(self, deal):
        rows = Confirmation.objects.filter(deal=deal).select_related("organization")
        return ConfirmationSerializer(rows, many=True).data

    @extend_schema_field(serializers.ListField(child=DealActionField()))
    def get_available_actions(self, deal):
        return [
            str(step) for step in deal_available_actions(actor=self.context["actor"], deal=deal)
        ]


class DealHistorySerializer(serializers.ModelSerializer):
    from_stage = DealStageOrBlankField(read_only=True)
    to_stage = DealStageField(read_only=True)
    organization = OrganizationRefSerializer(
        read_only=True, allow_null=True, help_text=gettext_lazy("The party that acted.")
    )
    by = serializers.SerializerMethodField(
        help_text=gettext_lazy("The person who acted; empty for the platform's timers.")
    )

    class Meta:
        model = DealHistory
        fields = [
            "id",
            "action",
            "from_stage",
            "to_stage",
            "organization",
            "by",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_by(self, row) -> str:
        if row.user is None:
            return ""
        return row.user.display_name or row.user.get_username()


# --- what is written -----------------------------------------------------------------------


class OpenDealSerializer(serializers.Serializer):
    conversation = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("Your conversation to turn into a deal."),
    )
    match = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("Or: an approved match both sides answered they are interested in."),
    )
    title = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=200,
        help_text=gettext_lazy("The conversation's subject when left out."),
    )

    def validate(self, data):
        if ("conversation" in data) == ("match" in data):
            raise serializers.ValidationError(
                {"conversation": [_("Give either a conversation or a match.")]}
            )
        return data


class TransitionSerializer(serializers.Serializer):
    action = DealActionField()
    reason = ReasonField(
        required=False,
        default="",
        help_text=gettext_lazy("Required to close a deal as lost or terminate it."),
    )
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=services.NOTE_MAX_LENGTH,
        help_text=gettext_lazy(
            "Why: required to terminate a contract or to reject a registration."
        ),
    )


class ContractWriteSerializer(serializers.Serializer):
    """The terms (before signing) and the registration (once signed). Only the fields sent
    change; PUT needs the terms' required ones."""

    contract_type = ContractTypeField()
    equity_contribution = serializers.BooleanField(required=False)
    total_amount = _amount(help_text=gettext_lazy("10,000 yuan."))
    non_technical_amount = _amount(
        required=False,
        help_text=gettext_lazy("Equipment, parts and materials (10,000 yuan); 0 when left out."),
    )
    payment_terms = PaymentTermsField()
    payment_note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, trim_whitespace=True
    )
    signed_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    registration_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text=gettext_lazy(
            "技术合同登记编号: 16 digits (14 on older forms), such as 2026330100000123; "
            "entered once signed."
        ),
    )
    registered_on = serializers.DateField(required=False, allow_null=True)


class MilestoneWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    amount = _amount(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Paid on acceptance (10,000 yuan)."),
    )
    acceptance_criteria = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DeliverMilestoneSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=2000,
        help_text=gettext_lazy(
            "What was delivered; required unless a delivery document is attached to the milestone."
        ),
    )


class ReviewMilestoneSerializer(serializers.Serializer):
    accept = serializers.BooleanField(
        help_text=gettext_lazy("false sends it back to be delivered again.")
    )
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=2000,
        help_text=gettext_lazy("What is missing: required to send it back."),
    )


class UploadDocumentSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=gettext_lazy(
            "PDF, an Office document or an image (multipart/form-data), checked by its content."
        )
    )
    kind = DealDocumentKindField()
    milestone = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("The milestone it delivers, if any."),
    )


# --- the views -----------------------------------------------------------------------------


class DealFilter(filters.FilterSet):
    stage = filters.ChoiceFilter(choices=Stage.choices)
    role = filters.ChoiceFilter(
        choices=[("demand", gettext_lazy("demand side")), ("supply", gettext_lazy("supply side"))],
        method="filter_role",
        label=gettext_lazy("demand or supply: the deals where your organization is that side"),
    )
    registration = filters.ChoiceFilter(
        choices=[c for c in Contract.Registration.choices if c[0]],
        field_name="contract__registration_status",
        label=gettext_lazy(
            "the contract's registration: pending (awaiting verification by the CAST staff), "
            "verified or rejected"
        ),
    )

    class Meta:
        model = Deal
        fields = ["stage", "role", "registration"]

    def filter_role(self, queryset, name, value):
        return queryset.filter(**{f"{value}_party_id__in": self.request.actor_ids})


# The actions only the CAST staff take: a token takes them with its `review` scope.
_STAFF_ACTIONS = frozenset(
    action for (_stage, action), step in TRANSITIONS.items() if step.who == Who.STAFF
)


class DealTokenScope(TokenScope):
    """As TokenScope, but a step's scope depends on the step (DealViewSet.transition checks
    it): a party's needs `write`, the staff's `review`."""

    def has_permission(self, request, view):
        if view.action == "transition":
            return True
        return super().has_permission(request, view)


_PATH_IDS = {
    name: OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)
    for name in ("milestone_id", "document_id")
}


class DealViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Deals of your organizations and, for the CAST staff, those of their region; the most
    recently active first.

    A deal runs lead → (confidentiality agreement) → negotiation → signed → registered →
    executing → completed, or ends lost or terminated; `available_actions` lists the steps you
    may take now. Parties record the contract and its milestones while negotiating; the supply
    side delivers each milestone and the demand side accepts it; both confirm the NDA, the
    signing and the completion. The CAST staff of the region verify the registration.
    """

    serializer_class = DealSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = DealFilter
    conflict_actions = ("create", "milestone_delete")
    ordering_fields = ["last_activity_at", "opened_at", "stage_changed_at"]
    ordering = ["-last_activity_at", "-id"]

    def scope_queryset(self, actor):
        return deal_list_visible(actor=actor).select_related("contract")

    def get_permissions(self):
        return [
            DealTokenScope() if type(permission) is TokenScope else permission
            for permission in super().get_permissions()
        ]

    def get_serializer_class(self):
        return DealSerializer if self.action == "list" else DealDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.get_actor()}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.actor_ids = self.get_actor().organization_ids

    def _respond(self, deal, code=status.HTTP_200_OK):
        deal = self.scope_queryset(self.get_actor()).get(pk=deal.pk)
        return Response(
            DealDetailSerializer(deal, context=self.get_serializer_context()).data, code
        )

    def _milestone(self, deal, milestone_id) -> Milestone:
        pk = parse_id(milestone_id)
        milestone = Milestone.objects.filter(pk=pk, deal=deal).first() if pk else None
        if milestone is None:
            raise exceptions.NotFound()
        return milestone

    @extend_schema(request=OpenDealSerializer, responses={201: DealDetailSerializer})
    def create(self, request, *args, **kwargs):
        """A party opens a deal from its conversation, or from an approved match whose two
        sides answered that they are interested (stage: lead). One live deal per conversation
        (409 when there is one already); the other party is told, its programs by the webhook
        `deal.opened`."""
        actor = self.get_actor()
        body = OpenDealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        title = body.validated_data["title"]
        with state_conflicts():
            if "match" in body.validated_data:
                match = match_list(actor=actor).filter(pk=body.validated_data["match"]).first()
                if match is None:
                    raise exceptions.ValidationError(
                        {"match": [_("No match with this id is among those you may see.")]}
                    )
                deal = services.deal_open_for_match(actor=actor, match=match, title=title)
            else:
                conversation = (
                    conversation_list_visible(actor=actor)
                    .filter(pk=body.validated_data["conversation"])
                    .first()
                )
                if conversation is None:
                    raise exceptions.ValidationError(
                        {
                            "conversation": [
                                _("No conversation with this id is among those you may see.")
                            ]
                        }
                    )
                deal = services.deal_open(actor=actor, conversation=conversation, title=title)
        return self._respond(deal, status.HTTP_201_CREATED)

    @extend_schema(responses=DealHistorySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """Every step of the deal, oldest first: who took it, from which stage to which, why."""
        deal = self.get_object()
        page = self.paginate_queryset(history_list(deal=deal))
        return self.get_paginated_response(DealHistorySerializer(page, many=True).data)

    @extend_schema(request=TransitionSerializer, responses=DealDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, pk=None):
        """Take one step of the deal (one of `available_actions`): a party's step needs a
        token's `write` scope, the CAST staff's (verify_registration, reject_registration) its
        `review` scope. A step both parties take (accept_nda, sign, complete) waits for the
        other side; the stage then moves. A step the stage does not allow is a field error on
        "stage"; one taken by the wrong role, 403. The other party is told, its programs by
        the webhooks `deal.stage_changed`, `deal.confirmed` or `deal.registration_checked`.
        Returns the deal."""
        deal = self.get_object()
        actor = self.get_actor()
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        step = body.validated_data["action"]
        if actor.via_token:
            needed = ApiToken.Scope.REVIEW if step in _STAFF_ACTIONS else ApiToken.Scope.WRITE
            if needed not in actor.token_scopes:
                raise exceptions.PermissionDenied(
                    _("This API token may not %(what)s; create one that may.")
                    % {"what": ApiToken.Scope(needed).label}
                )
        deal = services.deal_transition(actor=actor, deal=deal, **body.validated_data)
        return self._respond(deal)

    @extend_schema(request=ContractWriteSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["put"], filter_backends=[])
    def contract(self, request, pk=None):
        """Record the contract (the parties): its terms while negotiating — changing them
        withdraws both sides' signing confirmations — and, once signed, its registration
        (number and date) until the CAST staff verify it. Only the fields sent change."""
        return self._save_contract(request, partial=False)

    @extend_schema(request=ContractWriteSerializer, responses=ContractSerializer)
    @contract.mapping.patch
    def contract_partial(self, request, pk=None):
        """As PUT, with any of the fields: the registration once signed, say."""
        return self._save_contract(request, partial=True)

    def _save_contract(self, request, *, partial):
        deal = self.get_object()
        body = ContractWriteSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        contract = services.contract_save(actor=self.get_actor(), deal=deal, **body.validated_data)
        return Response(ContractSerializer(contract).data)

    @extend_schema(request=MilestoneWriteSerializer, responses={201: MilestoneSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def milestones(self, request, pk=None):
        """Add a milestone (the parties, before signing): changing the milestones withdraws
        both sides' signing confirmations."""
        deal = self.get_object()
        body = MilestoneWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = services.milestone_save(
            actor=self.get_actor(), deal=deal, **body.validated_data
        )
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=MilestoneWriteSerializer,
        responses=MilestoneSerializer,
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"milestones/(?P<milestone_id>[0-9]+)",
        url_name="milestone",
        filter_backends=[],
    )
    def milestone(self, request, pk=None, milestone_id=None):
        """Change a milestone (the parties, before signing)."""
        return self._save_milestone(request, milestone_id, partial=False)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=MilestoneWriteSerializer,
        responses=MilestoneSerializer,
    )
    @milestone.mapping.patch
    def milestone_partial(self, request, pk=None, milestone_id=None):
        """Change some of a milestone's fields (the parties, before signing)."""
        return self._save_milestone(request, milestone_id, partial=True)

    def _save_milestone(self, request, milestone_id, *, partial):
        deal = self.get_object()
        milestone = self._milestone(deal, milestone_id)
        body = MilestoneWriteSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        milestone = services.milestone_save(
            actor=self.get_actor(), deal=deal, milestone=milestone, **body.validated_data
        )
        return Response(MilestoneSerializer(milestone).data)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=None,
        responses={204: OpenApiResponse(description=gettext_lazy("Deleted."))},
    )
    @milestone.mapping.delete
    def milestone_delete(self, request, pk=None, milestone_id=None):
        """Remove a milestone (the parties, before signing; 409 once signed)."""
        deal = self.get_object()
        milestone = self._milestone(deal, milestone_id)
        try:
            services.milestone_delete(actor=self.get_actor(), milestone=milestone)
        except DjangoValidationError as error:
            # No body to name a field of: the milestones are fixed once signed.
            raise Conflict(" ".join(error.messages)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=DeliverMilestoneSerializer,
        responses=MilestoneSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"milestones/(?P<milestone_id>[0-9]+)/deliver",
        url_name="milestone-deliver",
        filter_backends=[],
    )
    def milestone_deliver(self, request, pk=None, milestone_id=None):
        """The supply side delivers a planned milestone while the contract executes (upload
        the delivery first as a document of kind "delivery" for the milestone, or say what was
        delivered). The demand side is told, its programs by `deal.milestone_updated`."""
        deal = self.get_object()
        milestone = self._milestone(deal, milestone_id)
        body = DeliverMilestoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = services.milestone_deliver(
            actor=self.get_actor(), milestone=milestone, note=body.validated_data["note"]
        )
        return Response(MilestoneSerializer(milestone).data)

    @extend_schema(
        parameters=[_PATH_IDS["milestone_id"]],
        request=ReviewMilestoneSerializer,
        responses=MilestoneSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"milestones/(?P<milestone_id>[0-9]+)/review",
        url_name="milestone-review",
        filter_backends=[],
    )
    def milestone_review(self, request, pk=None, milestone_id=None):
        """The demand side accepts a delivered milestone, or sends it back saying what is
        missing. The supply side is told, its programs by `deal.milestone_updated`."""
        deal = self.get_object()
        milestone = self._milestone(deal, milestone_id)
        body = ReviewMilestoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = services.milestone_review(
            actor=self.get_actor(), milestone=milestone, **body.validated_data
        )
        return Response(MilestoneSerializer(milestone).data)

    @extend_schema(
        request={
            "multipart/form-data": UploadDocumentSerializer,
            "application/json": UploadDocumentSerializer,
        },
        responses={201: DealDocumentSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def documents(self, request, pk=None):
        """A party uploads a confidential document (an NDA, the contract, a delivery),
        seen by the two parties and the overseeing CAST staff only."""
        deal = self.get_object()
        body = UploadDocumentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = None
        if "milestone" in body.validated_data:
            milestone = Milestone.objects.filter(
                pk=body.validated_data["milestone"], deal=deal
            ).first()
            if milestone is None:
                raise exceptions.ValidationError(
                    {"milestone": [_("No milestone with this id belongs to the deal.")]}
                )
        document = services.document_upload(
            actor=self.get_actor(),
            deal=deal,
            file=body.validated_data["file"],
            kind=body.validated_data["kind"],
            milestone=milestone,
        )
        document = document_list(deal=deal).get(pk=document.pk)
        return Response(DealDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_PATH_IDS["document_id"]],
        responses=file_download_responses(gettext_lazy("The file, typed by its content.")),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<document_id>[0-9]+)",
        url_name="document",
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[renderers.JSONRenderer, BinaryRenderer],
    )
    def document(self, request, pk=None, document_id=None):
        """A document of the deal, for those who may read the deal."""
        deal = self.get_object()
        document_pk = parse_id(document_id)
        document = (
            DealDocument.objects.filter(pk=document_pk, deal=deal).first() if document_pk else None
        )
        if document is None:
            raise exceptions.NotFound()
        return upload_private_response(document.file, filename=document.name)
