"""REST API for demand analyses: /api/v1/demand-analyses/ — what an analyst does (write a
draft, submit it) and what a need's owner does (ask for one, accept the chosen parts into the
need, decline), so an agency's own system can deliver its demand-analysis orders with its
organization's API token.

The same object permissions as the web pages (demand_analysis.permissions and selectors): the
need's owner, the analyst's organization and the CAST staff of the need's region read an
analysis; for anyone else it does not exist (404). A token of one organization never sees
another's analyses. Writing needs a token's `write` scope.

Every write runs through demand_analysis.services, so the API and the web refuse the same
things with the same messages: a step the status does not allow is a field error on "status"
(400), one the actor may not take 403. The other side's programs hear of each change by the
webhook `demand_analysis.updated`.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.base import ScopedViewSetMixin
from api.conversations import ListingRefSerializer, OrganizationRefSerializer
from api.serializers import named_choice_field
from core.ids import MAX_ID, IdFilter
from deals.models import ContractType
from demand_analysis import services
from demand_analysis.models import (
    MAX_INDICATORS,
    MAX_ROUTES,
    MAX_SUB_PROBLEMS,
    NOTE_MAX_LENGTH,
    SUB_PROBLEM_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    AnalysisPart,
    AnalysisSource,
    AnalysisStatus,
    DemandAnalysis,
    Indicator,
    SolutionRoute,
)
from demand_analysis.permissions import analysis_is_analyst, analysis_is_owner
from demand_analysis.selectors import analysis_list_visible
from orders.selectors import order_list_visible
from organizations.models import Organization
from repositories.models import Need
from repositories.selectors import listing_visibility_q

AnalysisStatusField = named_choice_field(AnalysisStatus.choices, "DemandAnalysisStatusEnum")
AnalysisSourceField = named_choice_field(AnalysisSource.choices, "DemandAnalysisSourceEnum")
AnalysisPartField = named_choice_field(AnalysisPart.choices, "DemandAnalysisPartEnum")
ContractTypeOrBlankField = named_choice_field(
    [("", ""), *ContractType.choices], "ContractTypeOrBlankEnum", blank=True
)
AnalysisSideField = named_choice_field(
    [("owner", gettext_lazy("the need's owner")), ("analyst", gettext_lazy("the analyst"))],
    "DemandAnalysisSideEnum",
)


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# --- what is read and written --------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    test_method = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )

    class Meta:
        model = Indicator
        fields = ["name", "target", "unit", "test_method"]


class SolutionRouteSerializer(serializers.ModelSerializer):
    rationale = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, default="", allow_blank=True
    )

    class Meta:
        model = SolutionRoute
        fields = ["route", "rationale"]


class DemandAnalysisSerializer(serializers.ModelSerializer):
    need = ListingRefSerializer(read_only=True)
    need_owner = serializers.SerializerMethodField()
    source = AnalysisSourceField(read_only=True)
    status = AnalysisStatusField(read_only=True)
    analyst = OrganizationRefSerializer(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "The organization it is written in the name of; null while a request to the CAST "
            "staff waits for an office to take it up."
        ),
    )
    order = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=gettext_lazy("The need's region, whose CAST staff oversee it."),
    )
    your_side = serializers.SerializerMethodField(
        help_text=gettext_lazy("owner or analyst; null for the CAST staff who oversee it.")
    )
    sub_problems = serializers.ListField(child=serializers.CharField(), read_only=True)
    trl_wanted = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        min_value=1,
        max_value=9,
        help_text=gettext_lazy("The technology readiness level wanted, 1 to 9."),
    )
    contract_type = ContractTypeOrBlankField(read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)
    routes = SolutionRouteSerializer(many=True, read_only=True)
    accepted_parts = serializers.ListField(child=AnalysisPartField(), read_only=True)
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The analysis's page."))

    class Meta:
        model = DemandAnalysis
        fields = [
            "id",
            "need",
            "need_owner",
            "source",
            "status",
            "analyst",
            "order",
            "region",
            "your_side",
            "request_note",
            "problem_statement",
            "sub_problems",
            "trl_wanted",
            "contract_type",
            "indicators",
            "routes",
            "decline_note",
            "accepted_parts",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OrganizationRefSerializer())
    def get_need_owner(self, analysis):
        return OrganizationRefSerializer(analysis.need.organization).data

    @extend_schema_field(AnalysisSideField(allow_null=True))
    def get_your_side(self, analysis):
        actor = self.context["actor"]
        if analysis_is_owner(actor=actor, analysis=analysis):
            return "owner"
        if analysis_is_analyst(actor=actor, analysis=analysis):
            return "analyst"
        return None

    def get_url(self, analysis) -> str:
        return analysis.get_absolute_url()


class WriteAnalysisSerializer(serializers.Serializer):
    problem_statement = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, default="", allow_blank=True
    )
    sub_problems = serializers.ListField(
        child=serializers.CharField(max_length=SUB_PROBLEM_MAX_LENGTH),
        required=False,
        default=list,
        max_length=MAX_SUB_PROBLEMS,
    )
    trl_wanted = serializers.IntegerField(
        min_value=1,
        max_value=9,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The technology readiness level wanted, 1 to 9."),
    )
    contract_type = ContractTypeOrBlankField(required=False, default="")
    indicators = IndicatorSerializer(many=True, required=False, default=list)
    routes = SolutionRouteSerializer(many=True, required=False, default=list)

    def validate_indicators(self, value):
        if len(value) > MAX_INDICATORS:
            raise serializers.ValidationError(
                _("At most %(count)d rows.") % {"count": MAX_INDICATORS}
            )
        return value

    def validate_routes(self, value):
        if len(value) > MAX_ROUTES:
            raise serializers.ValidationError(_("At most %(count)d rows.") % {"count": MAX_ROUTES})
        return value


class StartAnalysisSerializer(WriteAnalysisSerializer):
    need = _id(help_text=gettext_lazy("The need analysed."))
    order = _id(
        required=False,
        help_text=gettext_lazy(
            "Your demand-analysis order on the need (as its provider); left out, you write as "
            "the CAST staff of the need's region."
        ),
    )


class RequestAnalysisSerializer(serializers.Serializer):
    need = _id(help_text=gettext_lazy("Your need."))
    team = _id(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The expert service team invited; left out, the CAST staff of the need's region "
            "are asked."
        ),
    )
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, default="", allow_blank=True
    )


class SubmitAnalysisSerializer(serializers.Serializer):
    """Nothing to send: the draft as last saved is submitted; what it lacks is named by field
    (400)."""


class AcceptAnalysisSerializer(serializers.Serializer):
    parts = serializers.ListField(
        child=AnalysisPartField(),
        allow_empty=False,
        max_length=len(AnalysisPart.values),
        help_text=gettext_lazy("The parts copied into the need."),
    )


class DeclineAnalysisSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, default="", allow_blank=True
    )


# --- the view ------------------------------------------------------------------------------


class DemandAnalysisFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AnalysisStatus.choices)
    role = filters.ChoiceFilter(
        choices=[("owner", gettext_lazy("owner")), ("analyst", gettext_lazy("analyst"))],
        method="filter_role",
        label=gettext_lazy(
            "owner: the analyses of your needs; analyst: those your organization writes"
        ),
    )
    need = IdFilter(field_name="need_id", label=gettext_lazy("need id"))

    class Meta:
        model = DemandAnalysis
        fields = ["status", "role", "need"]

    def filter_role(self, queryset, name, value):
        ids = self.request.actor_ids
        if value == "owner":
            return queryset.filter(need__organization_id__in=ids)
        return queryset.filter(analyst_id__in=ids)


class DemandAnalysisViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Demand analyses of your needs, those your organization writes and, for the CAST staff,
    those of their region; the newest first.

    requested → draft → submitted → accepted | declined. An analysis is written by the provider
    of a demand-analysis order on the need (opened when the provider takes the order on), by
    the CAST staff of the need's region, or by an expert service team the owner invited
    (POST …/requests/). The owner accepts a submitted analysis with the parts to copy into the
    need: a published need's changes await the CAST staff's review, and the need is matched
    again once they are approved.
    """

    serializer_class = DemandAnalysisSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = DemandAnalysisFilter
    ordering_fields = ["created_at", "submitted_at", "updated_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def scope_queryset(self, actor):
        return analysis_list_visible(actor=actor).prefetch_related("indicators", "routes")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.get_actor()}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.actor_ids = self.get_actor().organization_ids

    def _respond(self, analysis, code=status.HTTP_200_OK):
        analysis = self.scope_queryset(self.get_actor()).get(pk=analysis.pk)
        return Response(
            DemandAnalysisSerializer(analysis, context=self.get_serializer_context()).data, code
        )

    def _need(self, need_id) -> Need:
        actor = self.get_actor()
        need = (
            Need.objects.filter(listing_visibility_q(actor=actor), pk=need_id)
            .select_related("organization", "region")
            .first()
        )
        if need is None:
            raise exceptions.ValidationError(
                {"need": [_("No need with this id is visible to you.")]}
            )
        return need

    @staticmethod
    def _content(data) -> dict:
        return {
            name: data[name]
            for name in (
                "problem_statement",
                "sub_problems",
                "trl_wanted",
                "contract_type",
                "indicators",
                "routes",
            )
        }

    @extend_schema(request=StartAnalysisSerializer, responses={201: DemandAnalysisSerializer})
    def create(self, request, *args, **kwargs):
        """An analyst starts writing (the content given is saved as a draft): the provider of a
        demand-analysis order on the need (`order`), or the CAST staff of the need's region.
        An expert service team writes the analysis it was invited to (PUT/PATCH it)."""
        actor = self.get_actor()
        body = StartAnalysisSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        need = self._need(data["need"])
        order = None
        if data.get("order") is not None:
            order = (
                order_list_visible(actor=actor)
                .select_related("category")
                .filter(pk=data["order"])
                .first()
            )
            if order is None:
                raise exceptions.ValidationError(
                    {"order": [_("No order with this id is among those you may see.")]}
                )
        analysis = services.analysis_start(actor=actor, need=need, order=order)
        analysis = services.analysis_save(actor=actor, analysis=analysis, **self._content(data))
        return self._respond(analysis, status.HTTP_201_CREATED)

    @extend_schema(request=WriteAnalysisSerializer, responses=DemandAnalysisSerializer)
    def update(self, request, *args, **kwargs):
        """The analyst saves the draft: PUT replaces everything, PATCH what is given. Rows
        (indicators, routes) are replaced as a whole."""
        analysis = self.get_object()
        partial = kwargs.get("partial", False)
        body = WriteAnalysisSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        current = {
            "problem_statement": analysis.problem_statement,
            "sub_problems": analysis.sub_problems,
            "trl_wanted": analysis.trl_wanted,
            "contract_type": analysis.contract_type,
            "indicators": [
                {name: getattr(row, name) for name in IndicatorSerializer.Meta.fields}
                for row in analysis.indicators.all()
            ],
            "routes": [
                {"route": row.route, "rationale": row.rationale} for row in analysis.routes.all()
            ],
        }
        values = {**current, **body.validated_data} if partial else body.validated_data
        analysis = services.analysis_save(
            actor=self.get_actor(), analysis=analysis, **self._content(values)
        )
        return self._respond(analysis)

    @extend_schema(request=SubmitAnalysisSerializer, responses=DemandAnalysisSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        """The analyst hands the analysis to the need's owner (it needs a problem statement and
        a target indicator). The owner is told, its programs by the webhook."""
        analysis = services.analysis_submit(actor=self.get_actor(), analysis=self.get_object())
        return self._respond(analysis)

    @extend_schema(request=AcceptAnalysisSerializer, responses=DemandAnalysisSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, pk=None):
        """The need's owner copies the chosen parts into the need: a published need's changes
        await the CAST staff's review (the published version stays until then), and the need is
        matched again once they are approved."""
        body = AcceptAnalysisSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        analysis = services.analysis_accept(
            actor=self.get_actor(), analysis=self.get_object(), parts=body.validated_data["parts"]
        )
        return self._respond(analysis)

    @extend_schema(request=DeclineAnalysisSerializer, responses=DemandAnalysisSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, pk=None):
        """The need's owner declines the analysis: the need is unchanged."""
        body = DeclineAnalysisSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        analysis = services.analysis_decline(
            actor=self.get_actor(), analysis=self.get_object(), note=body.validated_data["note"]
        )
        return self._respond(analysis)

    @extend_schema(request=RequestAnalysisSerializer, responses={201: DemandAnalysisSerializer})
    @action(detail=False, methods=["post"], url_path="requests", filter_backends=[])
    def request_analysis(self, request):
        """The need's owner asks the CAST staff of the need's region for an analysis, or
        invites an expert service team (`team`)."""
        body = RequestAnalysisSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = None
        if data.get("team") is not None:
            team = Organization.objects.filter(pk=data["team"]).first()
            if team is None:
                raise exceptions.ValidationError(
                    {"team": [_("Choose a verified expert service team.")]}
                )
        analysis = services.analysis_request(
            actor=self.get_actor(), need=self._need(data["need"]), team=team, note=data["note"]
        )
        return self._respond(analysis, status.HTTP_201_CREATED)
