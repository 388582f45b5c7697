"""REST API for expert service teams: /api/v1/missions/, /api/v1/pilot-cities/ and
/api/v1/service-teams/.

The same object permissions as the web pages (service_teams.permissions): verified missions are
public; the team (its members or token, and its society's administrators) reads and reports
its own in any state, a host reads and confirms the missions it hosts, the CAST staff of the
pilot city's region (a person, or the office's token with the `review` scope) verify or return
them. For anyone else an unverified mission does not exist (404). Pilot cities and teams are
public reads; a pilot city's actuals come from the outcome log.

Every write runs through service_teams.services, so the API and the web refuse the same things
with the same messages: a step the status does not allow is a field error on "status" (400),
a step the actor may not take 403.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from api.base import ScopedViewSetMixin
from api.conversations import OrganizationRefSerializer
from api.serializers import named_choice_field
from organizations.models import ApiToken, Organization
from service_teams import services
from service_teams.models import (
    MemberRole,
    Mission,
    MissionKind,
    MissionStatus,
    PilotAssessment,
    PilotCity,
    TeamMember,
)
from service_teams.selectors import (
    member_list,
    mission_list_visible,
    pilot_actuals,
    pilot_list,
    pilot_progress,
    team_list,
)

MissionStatusField = named_choice_field(MissionStatus.choices, "MissionStatusEnum")
MissionKindField = named_choice_field(MissionKind.choices, "MissionKindEnum")
MemberRoleField = named_choice_field(MemberRole.choices, "TeamMemberRoleEnum")


# --- what is read --------------------------------------------------------------------------


class MissionHostSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="host_id", read_only=True)
    name = serializers.CharField(source="host.name", read_only=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MissionMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="member_id", read_only=True)
    name = serializers.CharField(source="member.name", read_only=True)
    role = MemberRoleField(source="member.role", read_only=True)
    hours = serializers.DecimalField(max_digits=6, decimal_places=1, read_only=True)


class MissionSerializer(serializers.ModelSerializer):
    status = MissionStatusField(read_only=True)
    kind = MissionKindField(read_only=True)
    team = OrganizationRefSerializer(read_only=True)
    hosts = MissionHostSerializer(source="host_rows", many=True, read_only=True)
    members = MissionMemberSerializer(source="member_rows", many=True, read_only=True)
    region = serializers.SlugRelatedField(
        source="pilot_city.region", slug_field="code", read_only=True
    )
    collected_needs = serializers.SerializerMethodField(
        help_text=gettext_lazy("The ids of the needs collected on the mission (source mission).")
    )

    class Meta:
        model = Mission
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "team",
            "pilot_city",
            "region",
            "starts_on",
            "ends_on",
            "plan",
            "hosts",
            "members",
            "summary",
            "problems_answered",
            "collected_needs",
            "note",
            "reported_at",
            "verified_at",
        ]
        read_only_fields = fields

    def get_collected_needs(self, mission) -> list[int]:
        return [row.listing_id for row in mission.collected.all()]


class MissionPlanSerializer(serializers.Serializer):
    team = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("Your service team; needed only when you act for several."),
    )
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MissionKind.choices)
    pilot_city = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False)
    plan = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    hosts = serializers.ListField(child=serializers.IntegerField(), max_length=20)
    members = serializers.ListField(child=serializers.IntegerField(), max_length=50)


class HoursRowSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    hours = serializers.CharField(max_length=20)


class NeedRowSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    problem = serializers.CharField(max_length=5000)


class MissionReportSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=5000)
    problems_answered = serializers.IntegerField(min_value=0, max_value=1_000_000)
    hours = HoursRowSerializer(many=True)
    needs = NeedRowSerializer(many=True, required=False)


class MissionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ProgressSerializer(serializers.Serializer):
    key = serializers.CharField()
    target = serializers.IntegerField()
    actual = serializers.IntegerField()
    percent = serializers.IntegerField()


class AssessmentSerializer(serializers.ModelSerializer):
    assessor = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = PilotAssessment
        fields = ["id", "period", "assessor", "score", "level", "findings", "actuals", "created_at"]
        read_only_fields = fields


class PilotCitySerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    focus_fields = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    lead_societies = OrganizationRefSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Each target beside its actual (needs, match_rate, events, projects), from the "
            "outcome log of the region since the pilot started."
        )
    )
    actuals = serializers.SerializerMethodField()
    assessments = AssessmentSerializer(many=True, read_only=True)

    class Meta:
        model = PilotCity
        fields = [
            "id",
            "name",
            "region",
            "batch",
            "starts_on",
            "focus_fields",
            "lead_societies",
            "target_needs",
            "target_match_rate",
            "target_events",
            "target_projects",
            "actuals",
            "progress",
            "assessments",
        ]
        read_only_fields = fields

    def _actuals(self, pilot):
        if not hasattr(pilot, "_actuals"):
            pilot._actuals = pilot_actuals(pilot=pilot)
        return pilot._actuals

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_actuals(self, pilot) -> dict:
        return self._actuals(pilot).as_dict()

    @extend_schema_field(ProgressSerializer(many=True))
    def get_progress(self, pilot) -> list[dict]:
        return pilot_progress(pilot=pilot, actuals=self._actuals(pilot))


class TeamMemberSerializer(serializers.ModelSerializer):
    role = MemberRoleField(read_only=True)
    field = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    verified_hours = serializers.DecimalField(max_digits=10, decimal_places=1, read_only=True)

    class Meta:
        model = TeamMember
        fields = ["id", "name", "role", "affiliation", "field", "expertise", "verified_hours"]
        read_only_fields = fields


class ServiceTeamSerializer(serializers.ModelSerializer):
    society = OrganizationRefSerializer(source="parent", read_only=True, allow_null=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "name", "society", "members"]
        read_only_fields = fields

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_members(self, team) -> list[dict]:
        return TeamMemberSerializer(member_list(team=team).filter(active=True), many=True).data


# --- the views -----------------------------------------------------------------------------


def _own_team(actor, chosen: int | None) -> Organization:
    teams = Organization.objects.filter(
        pk__in=actor.organization_ids, kind=Organization.Kind.SERVICE_TEAM
    ).order_by("pk")
    if chosen is not None:
        team = Organization.objects.filter(pk=chosen, kind=Organization.Kind.SERVICE_TEAM).first()
        if team is None:
            raise exceptions.ValidationError({"team": [_("Choose an expert service team.")]})
        return team
    if teams.count() != 1:
        raise exceptions.ValidationError(
            {"team": [_("You act for several service teams or none: choose one.")]}
        )
    return teams.get()


class MissionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Service missions of expert service teams to host enterprises of pilot cities: verified
    ones for all; your team's, your hosts' and (CAST staff) your region's in any state.

    planned → reported (the team: summary, hours per member, collected needs; evidence first
    through …/evidence/) → confirmed (each host) → verified by the CAST staff of the pilot
    city (or returned with a note, to be reported again); planned or returned ones may be
    cancelled by the team.
    """

    serializer_class = MissionSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    token_scope_by_action = {"verify": ApiToken.Scope.REVIEW, "reject": ApiToken.Scope.REVIEW}
    ordering = ["-starts_on", "-id"]

    def scope_queryset(self, actor):
        return mission_list_visible(actor=actor).prefetch_related("collected")

    def _respond(self, mission, code=status.HTTP_200_OK):
        mission = self.scope_queryset(self.get_actor()).get(pk=mission.pk)
        return Response(MissionSerializer(mission).data, code)

    @extend_schema(request=MissionPlanSerializer, responses={201: MissionSerializer})
    def create(self, request, *args, **kwargs):
        """The team plans a mission: dates ahead, verified host enterprises in the pilot city,
        active members of the team."""
        actor = self.get_actor()
        body = MissionPlanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        team = _own_team(actor, data.pop("team", None))
        pilot = PilotCity.objects.filter(pk=data.pop("pilot_city")).first()
        if pilot is None:
            raise exceptions.ValidationError({"pilot_city": [_("Choose the pilot city.")]})
        host_ids, member_ids = data.pop("hosts"), data.pop("members")
        hosts = list(Organization.objects.filter(pk__in=host_ids))
        if len(hosts) != len(set(host_ids)):
            raise exceptions.ValidationError({"hosts": [_("Choose existing organizations.")]})
        members = list(TeamMember.objects.filter(pk__in=member_ids))
        if len(members) != len(set(member_ids)):
            raise exceptions.ValidationError(
                {"members": [_("Choose active members of this team.")]}
            )
        mission = services.mission_plan(
            actor=actor, team=team, data=data | {"pilot_city": pilot}, hosts=hosts, members=members
        )
        return self._respond(mission, status.HTTP_201_CREATED)

    @extend_schema(request=MissionReportSerializer, responses=MissionSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def report(self, request, pk=None):
        """The team reports the visit: each member's hours and the needs collected (each
        becomes a need of its host, source "mission", submitted for review)."""
        mission = self.get_object()
        body = MissionReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        mission = services.mission_report(
            actor=self.get_actor(),
            mission=mission,
            summary=data["summary"],
            problems_answered=data["problems_answered"],
            hours={row["member"]: row["hours"] for row in data["hours"]},
            needs=data.get("needs", []),
        )
        return self._respond(mission)

    @extend_schema(request=EvidenceUploadSerializer, responses=MissionSerializer)
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        parser_classes=[MultiPartParser, FormParser],
    )
    def evidence(self, request, pk=None):
        """The team uploads an evidence file (multipart `file`) before reporting."""
        mission = self.get_object()
        body = EvidenceUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.mission_evidence_add(
            actor=self.get_actor(), mission=mission, files=[body.validated_data["file"]]
        )
        return self._respond(mission)

    def _step(self, request, step):
        mission = self.get_object()
        body = MissionNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mission = services.mission_transition(
            actor=self.get_actor(), mission=mission, action=step, note=body.validated_data["note"]
        )
        return self._respond(mission)

    @extend_schema(request=MissionNoteSerializer, responses=MissionSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, pk=None):
        """A host enterprise confirms the visit; the mission is confirmed when each host has."""
        return self._step(request, "confirm")

    @extend_schema(request=MissionNoteSerializer, responses=MissionSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def verify(self, request, pk=None):
        """The CAST staff of the pilot city verify a confirmed mission (a token needs
        `review`): each member's hours become verified service hours."""
        return self._step(request, "verify")

    @extend_schema(request=MissionNoteSerializer, responses=MissionSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def reject(self, request, pk=None):
        """The CAST staff return a confirmed mission to the team, saying why in `note`."""
        return self._step(request, "reject")

    @extend_schema(request=MissionNoteSerializer, responses=MissionSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        """The team cancels a planned or returned mission."""
        return self._step(request, "cancel")


class PilotCityViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Pilot cities (试点城市) with their targets beside the actuals from the outcome log, and
    their assessments. Public."""

    serializer_class = PilotCitySerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    ordering = ["batch", "name", "id"]

    def scope_queryset(self, actor):
        return pilot_list().prefetch_related("assessments__assessor")


class ServiceTeamViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Verified expert service teams with their society and active members (with their
    verified service hours). Public."""

    serializer_class = ServiceTeamSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]

    def scope_queryset(self, actor):
        return team_list()
