"""REST API for achievement evaluations: /api/v1/evaluations/ — everything the evaluating
agency's own system does with its organization's API token (set out the purpose, scope and
materials, seat the panel with its declarations of interest, enter the experts' opinions,
issue the report, which delivers the order with the PDF, answer the appeal), and the owner's
one appeal.

The same object permissions as the web pages (evaluations.permissions, evaluations.selectors):
the order's two parties (members or tokens) and the CAST staff of the buyer's region read an
evaluation; for anyone else it does not exist (404), its reports included. Writing needs a
token's `write` scope. Every write runs through evaluations.services, so the API and the web
refuse the same things with the same messages, named by field. The parties' programs hear of
each change by the webhook `evaluation.updated`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.models import User
from api.base import ScopedViewSetMixin
from api.conversations import BinaryRenderer, OrganizationRefSerializer
from api.errors import Conflict
from api.schema import file_download_responses
from api.serializers import named_choice_field
from core.ids import MAX_ID, parse_id
from core.uploads import upload_private_response
from evaluations import rubric, services
from evaluations.models import (
    SUMMARY_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Appeal,
    Evaluation,
    EvaluationStatus,
    Material,
    Opinion,
    PanelMember,
    Purpose,
    Report,
)
from evaluations.permissions import evaluation_side
from evaluations.selectors import evaluation_list_visible, opinions_current
from organizations.models import Organization

EvaluationStatusField = named_choice_field(EvaluationStatus.choices, "EvaluationStatusEnum")
PurposeField = named_choice_field(Purpose.choices, "EvaluationPurposeEnum")
AppealDecisionField = named_choice_field(Appeal.Decision.choices, "EvaluationAppealDecisionEnum")
AppealDecisionOrBlankField = named_choice_field(
    [("", ""), *Appeal.Decision.choices], "EvaluationAppealDecisionOrBlankEnum", blank=True
)
SideField = named_choice_field(
    [("buyer", gettext_lazy("buyer")), ("provider", gettext_lazy("provider"))],
    "EvaluationSideEnum",
)


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class ScoreField(serializers.IntegerField):
    """A score on one criterion of the rubric; out of its bands, the rubric's own message."""

    def __init__(self, criterion, **kwargs):
        message = lazy(services.score_error, str)(criterion)
        kwargs.setdefault("help_text", f"{criterion.low}–{criterion.high}")
        super().__init__(
            min_value=criterion.low,
            max_value=criterion.high,
            error_messages={"invalid": message, "min_value": message, "max_value": message},
            **kwargs,
        )


# --- what is read --------------------------------------------------------------------------


class EvaluationMaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "name", "received", "received_at"]
        read_only_fields = fields


class EvaluationPanelMemberSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The expert's organization on the platform, if given."),
    )

    in_person = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "true: the expert has an account and declares and scores in person; the provider "
            "does not do it for them."
        )
    )

    class Meta:
        model = PanelMember
        fields = [
            "id",
            "name",
            "title",
            "affiliation",
            "organization",
            "field",
            "in_person",
            "declared_no_conflict",
            "declared_at",
            "statement",
        ]
        read_only_fields = fields

    def get_in_person(self, member) -> bool:
        return member.user_id is not None


def _trl(**kwargs):
    return serializers.IntegerField(
        read_only=True,
        min_value=rubric.TRL_MIN,
        max_value=rubric.TRL_MAX,
        help_text=gettext_lazy("Technology readiness level, 1–9."),
        **kwargs,
    )


class EvaluationOpinionSerializer(serializers.ModelSerializer):
    member = serializers.PrimaryKeyRelatedField(read_only=True)
    maturity = _trl()

    class Meta:
        model = Opinion
        fields = ["id", "member", "round", *rubric.KEYS, "comment", "updated_at"]
        read_only_fields = fields


class EvaluationReportSerializer(serializers.ModelSerializer):
    means = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text=gettext_lazy("The panel's mean per criterion of the rubric, by key."),
    )
    level_label = serializers.SerializerMethodField(
        help_text=gettext_lazy("The level, from the mean advancement score.")
    )
    evaluated_maturity = _trl()
    pdf_url = serializers.SerializerMethodField(help_text=gettext_lazy("Download the PDF here."))

    class Meta:
        model = Report
        fields = [
            "id",
            "version",
            "conclusion",
            "public_summary",
            "means",
            "overall",
            "level",
            "level_label",
            "evaluated_maturity",
            "panel_size",
            "size",
            "issued_at",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_level_label(self, report) -> str:
        return str(rubric.LEVELS.get(report.level, ""))

    def get_pdf_url(self, report) -> str:
        return reverse(
            "api:evaluation-report-pdf",
            kwargs={"pk": report.evaluation_id, "report_id": report.pk},
        )


class EvaluationAppealSerializer(serializers.ModelSerializer):
    decision = AppealDecisionOrBlankField(read_only=True)

    class Meta:
        model = Appeal
        fields = ["statement", "created_at", "decision", "reasons", "decided_at"]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    order = serializers.PrimaryKeyRelatedField(read_only=True)
    achievement = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    buyer = serializers.SerializerMethodField()
    provider = serializers.SerializerMethodField()
    purpose = PurposeField(read_only=True)
    status = EvaluationStatusField(read_only=True)
    your_side = serializers.SerializerMethodField(
        help_text=gettext_lazy("Which party you act for; null for the overseeing CAST staff.")
    )
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The evaluation's page."))
    summary_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("The public summary's page (public once final).")
    )

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "order",
            "achievement",
            "buyer",
            "provider",
            "your_side",
            "purpose",
            "scope",
            "status",
            "round",
            "final_at",
            "created_at",
            "updated_at",
            "url",
            "summary_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OrganizationRefSerializer)
    def get_buyer(self, evaluation):
        return {"id": evaluation.order.buyer_id, "name": evaluation.order.buyer.name}

    @extend_schema_field(OrganizationRefSerializer)
    def get_provider(self, evaluation):
        return {"id": evaluation.order.provider_id, "name": evaluation.order.provider.name}

    @extend_schema_field(SideField(allow_null=True))
    def get_your_side(self, evaluation):
        return evaluation_side(actor=self.context["actor"], evaluation=evaluation)

    def get_url(self, evaluation) -> str:
        return evaluation.get_absolute_url()

    def get_summary_url(self, evaluation) -> str:
        return evaluation.get_summary_url()


class EvaluationDetailSerializer(EvaluationSerializer):
    materials = serializers.SerializerMethodField()
    panel = serializers.SerializerMethodField()
    opinions = serializers.SerializerMethodField(
        help_text=gettext_lazy("The current round's opinions.")
    )
    reports = serializers.SerializerMethodField(help_text=gettext_lazy("The newest first."))
    appeal = serializers.SerializerMethodField()

    class Meta(EvaluationSerializer.Meta):
        fields = [
            *EvaluationSerializer.Meta.fields,
            "materials",
            "panel",
            "opinions",
            "reports",
            "appeal",
        ]
        read_only_fields = fields

    @extend_schema_field(EvaluationMaterialSerializer(many=True))
    def get_materials(self, evaluation):
        return EvaluationMaterialSerializer(evaluation.materials.all(), many=True).data

    @extend_schema_field(EvaluationPanelMemberSerializer(many=True))
    def get_panel(self, evaluation):
        return EvaluationPanelMemberSerializer(evaluation.panel.all(), many=True).data

    @extend_schema_field(EvaluationOpinionSerializer(many=True))
    def get_opinions(self, evaluation):
        return EvaluationOpinionSerializer(opinions_current(evaluation).values(), many=True).data

    @extend_schema_field(EvaluationReportSerializer(many=True))
    def get_reports(self, evaluation):
        return EvaluationReportSerializer(evaluation.reports.order_by("-version"), many=True).data

    @extend_schema_field(EvaluationAppealSerializer(allow_null=True))
    def get_appeal(self, evaluation):
        appeal = Appeal.objects.filter(evaluation=evaluation).first()
        return EvaluationAppealSerializer(appeal).data if appeal else None


# --- what is written -----------------------------------------------------------------------


class EvaluationSetupSerializer(serializers.Serializer):
    purpose = PurposeField()
    scope = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class AddEvaluationMaterialSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class EvaluationMaterialReceivedSerializer(serializers.Serializer):
    received = serializers.BooleanField()


class AddPanelMemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    affiliation = serializers.CharField(max_length=200)
    organization = _id(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The expert's organization on the platform, if any: none of the parties'."
        ),
    )
    field = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The expert's username on the platform, if they have an account: they then declare "
            "and score in person."
        ),
        error_messages={"does_not_exist": gettext_lazy("No account has this username.")},
    )
    declared_no_conflict = serializers.BooleanField(required=False, default=False)
    statement = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class DeclareInterestSerializer(serializers.Serializer):
    no_conflict = serializers.BooleanField(
        help_text=gettext_lazy("true: no conflict of interest; false: describe it in statement.")
    )
    statement = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class WriteEvaluationOpinionSerializer(serializers.Serializer):
    member = _id(help_text=gettext_lazy("The panel member whose opinion this is."))
    comment = serializers.CharField(max_length=TEXT_MAX_LENGTH)

    def get_fields(self):
        fields = super().get_fields()
        for criterion in rubric.CRITERIA:
            fields[criterion.key] = ScoreField(criterion)
        return fields


class IssueEvaluationReportSerializer(serializers.Serializer):
    conclusion = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    public_summary = serializers.CharField(max_length=SUMMARY_MAX_LENGTH)


class EvaluationAppealWriteSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class DecideEvaluationAppealSerializer(serializers.Serializer):
    decision = AppealDecisionField()
    reasons = serializers.CharField(max_length=TEXT_MAX_LENGTH)


# --- the view ------------------------------------------------------------------------------

_PATH_IDS = {
    name: OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)
    for name in ("material_id", "member_id", "report_id")
}


class EvaluationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=EvaluationStatus.choices)
    role = filters.ChoiceFilter(
        choices=[("buyer", gettext_lazy("buyer")), ("provider", gettext_lazy("provider"))],
        method="filter_role",
        label=gettext_lazy(
            "buyer or provider: the evaluations where your organization is that side"
        ),
    )

    class Meta:
        model = Evaluation
        fields = ["status", "role"]

    def filter_role(self, queryset, name, value):
        return queryset.filter(**{f"order__{value}_id__in": self.request.actor_ids})


class EvaluationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Achievement evaluations of your organizations' evaluation orders (as the owner or the
    evaluating provider) and, for the CAST staff, those of their region; the newest first.

    An evaluation opens when an evaluation order is placed for one of the buyer's
    achievements. Once the order is accepted the provider sets out the purpose and scope,
    ticks the materials as they arrive, seats a panel (at least EVALUATION_PANEL_MIN experts,
    none from a party's organization, each declaring no conflict of interest), enters each
    expert's scores on the published rubric (/evaluations/rubric/) and issues the report: the
    order is delivered with the PDF. When the buyer completes the order the evaluation is
    final and the achievement shows the evaluated TRL. The owner may appeal once.
    """

    serializer_class = EvaluationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = EvaluationFilter
    # Steps without a body: a refusal is about the evaluation's state (409).
    conflict_actions = ("panel_confirm", "panel_remove", "reopen")
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        return evaluation_list_visible(actor=actor)

    def get_serializer_class(self):
        return EvaluationSerializer if self.action == "list" else EvaluationDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.get_actor()}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.actor_ids = self.get_actor().organization_ids

    def _respond(self, evaluation, code=status.HTTP_200_OK):
        evaluation = self.scope_queryset(self.get_actor()).get(pk=evaluation.pk)
        return Response(
            EvaluationDetailSerializer(evaluation, context=self.get_serializer_context()).data,
            code,
        )

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @staticmethod
    def _as_conflict(call, **kwargs):
        try:
            return call(**kwargs)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from error

    def _member(self, evaluation, member_id) -> PanelMember:
        pk = parse_id(member_id)
        member = PanelMember.objects.filter(pk=pk, evaluation=evaluation).first() if pk else None
        if member is None:
            raise exceptions.NotFound()
        return member

    @extend_schema(request=EvaluationSetupSerializer, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def setup(self, request, pk=None):
        """The provider sets out the purpose and the scope (while the panel is being seated)."""
        evaluation = self.get_object()
        services.evaluation_setup(
            actor=self.get_actor(), evaluation=evaluation, **self._body(EvaluationSetupSerializer)
        )
        return self._respond(evaluation)

    @extend_schema(
        request=AddEvaluationMaterialSerializer, responses={201: EvaluationDetailSerializer}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def materials(self, request, pk=None):
        """The provider adds an item to the materials checklist."""
        evaluation = self.get_object()
        services.material_add(
            actor=self.get_actor(),
            evaluation=evaluation,
            **self._body(AddEvaluationMaterialSerializer),
        )
        return self._respond(evaluation, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="v1_evaluations_materials_received",
        parameters=[_PATH_IDS["material_id"]],
        request=EvaluationMaterialReceivedSerializer,
        responses=EvaluationDetailSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"materials/(?P<material_id>[0-9]+)",
        url_name="material",
        filter_backends=[],
    )
    def material(self, request, pk=None, material_id=None):
        """The provider ticks (or unticks) a material the owner supplied."""
        evaluation = self.get_object()
        material_pk = parse_id(material_id)
        material = (
            Material.objects.filter(pk=material_pk, evaluation=evaluation).first()
            if material_pk
            else None
        )
        if material is None:
            raise exceptions.NotFound()
        services.material_set_received(
            actor=self.get_actor(),
            material=material,
            received=self._body(EvaluationMaterialReceivedSerializer)["received"],
        )
        return self._respond(evaluation)

    @extend_schema(request=AddPanelMemberSerializer, responses={201: EvaluationDetailSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def panel(self, request, pk=None):
        """The provider seats an expert, with the declaration of interest when made. No expert
        may come from the owner's, the provider's or (when the order serves a deal) a deal
        party's organization, given as `organization` or typed as the affiliation."""
        evaluation = self.get_object()
        data = dict(self._body(AddPanelMemberSerializer))
        organization_id = data.pop("organization", None)
        organization = None
        if organization_id is not None:
            organization = Organization.objects.filter(pk=organization_id).first()
            if organization is None:
                raise exceptions.ValidationError(
                    {"organization": [_("No organization has this id.")]}
                )
        services.panel_member_add(
            actor=self.get_actor(), evaluation=evaluation, organization=organization, **data
        )
        return self._respond(evaluation, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_PATH_IDS["member_id"]],
        request=DeclareInterestSerializer,
        responses=EvaluationDetailSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"panel/(?P<member_id>[0-9]+)/declare",
        url_name="panel-declare",
        filter_backends=[],
    )
    def panel_declare(self, request, pk=None, member_id=None):
        """Record an expert's declaration: no conflict of interest, or the conflict."""
        evaluation = self.get_object()
        services.panel_member_declare(
            actor=self.get_actor(),
            member=self._member(evaluation, member_id),
            **self._body(DeclareInterestSerializer),
        )
        return self._respond(evaluation)

    @extend_schema(
        parameters=[_PATH_IDS["member_id"]], request=None, responses=EvaluationDetailSerializer
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"panel/(?P<member_id>[0-9]+)/remove",
        url_name="panel-remove",
        filter_backends=[],
    )
    def panel_remove(self, request, pk=None, member_id=None):
        """Remove an expert while the panel is being seated."""
        evaluation = self.get_object()
        self._as_conflict(
            services.panel_member_remove,
            actor=self.get_actor(),
            member=self._member(evaluation, member_id),
        )
        return self._respond(evaluation)

    @extend_schema(request=None, responses=EvaluationDetailSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="panel/confirm",
        url_name="panel-confirm",
        filter_backends=[],
    )
    def panel_confirm(self, request, pk=None):
        """Seat the panel for scoring: enough experts, every one declared free of conflicts
        (409 otherwise, saying what is missing). The panel is fixed from then on."""
        evaluation = self.get_object()
        self._as_conflict(services.panel_confirm, actor=self.get_actor(), evaluation=evaluation)
        return self._respond(evaluation)

    @extend_schema(
        request=WriteEvaluationOpinionSerializer, responses={201: EvaluationOpinionSerializer}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def opinions(self, request, pk=None):
        """An expert's scores on the rubric and written opinion, for the current round (sent
        again, it replaces the round's earlier one)."""
        evaluation = self.get_object()
        data = dict(self._body(WriteEvaluationOpinionSerializer))
        member = self._member(evaluation, str(data.pop("member")))
        opinion = services.opinion_record(actor=self.get_actor(), member=member, **data)
        return Response(EvaluationOpinionSerializer(opinion).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=IssueEvaluationReportSerializer, responses={201: EvaluationDetailSerializer}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def issue(self, request, pk=None):
        """Issue the report from the current round's opinions (every expert's, every material
        received): the result is computed, the PDF made, and the order delivered with it (after
        an appeal, the evaluation is final at once). `reports[0].pdf_url` is the PDF. The
        owner is told, its programs by the webhook `evaluation.updated`."""
        evaluation = self.get_object()
        services.report_issue(
            actor=self.get_actor(),
            evaluation=evaluation,
            **self._body(IssueEvaluationReportSerializer),
        )
        return self._respond(evaluation, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def reopen(self, request, pk=None):
        """The owner sent the delivery back for revision: a new scoring round starts from the
        last one's opinions."""
        evaluation = self.get_object()
        self._as_conflict(services.evaluation_reopen, actor=self.get_actor(), evaluation=evaluation)
        return self._respond(evaluation)

    @extend_schema(
        request=EvaluationAppealWriteSerializer, responses={201: EvaluationDetailSerializer}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def appeal(self, request, pk=None):
        """The owner appeals, once, within EVALUATION_APPEAL_DAYS of the evaluation becoming
        final; a second appeal is refused (400 on `statement`)."""
        evaluation = self.get_object()
        services.appeal_file(
            actor=self.get_actor(),
            evaluation=evaluation,
            **self._body(EvaluationAppealWriteSerializer),
        )
        return self._respond(evaluation, status.HTTP_201_CREATED)

    @extend_schema(request=DecideEvaluationAppealSerializer, responses=EvaluationDetailSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="appeal/decide",
        url_name="appeal-decide",
        filter_backends=[],
    )
    def appeal_decide(self, request, pk=None):
        """The provider answers the appeal with reasons: `reissue` (a new scoring round, then
        a new version of the report) or `uphold`."""
        evaluation = self.get_object()
        services.appeal_decide(
            actor=self.get_actor(),
            evaluation=evaluation,
            **self._body(DecideEvaluationAppealSerializer),
        )
        return self._respond(evaluation)

    @extend_schema(
        parameters=[_PATH_IDS["report_id"]],
        responses=file_download_responses(gettext_lazy("The report, as a PDF.")),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"reports/(?P<report_id>[0-9]+)/pdf",
        url_name="report-pdf",
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[renderers.JSONRenderer, BinaryRenderer],
    )
    def report_pdf(self, request, pk=None, report_id=None):
        """A report's PDF, for those who may read the evaluation."""
        evaluation = self.get_object()
        report_pk = parse_id(report_id)
        report = (
            Report.objects.filter(pk=report_pk, evaluation=evaluation).first()
            if report_pk
            else None
        )
        if report is None:
            raise exceptions.NotFound()
        return upload_private_response(report.file, filename=report.file_name)
