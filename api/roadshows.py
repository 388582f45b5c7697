"""REST API for roadshows (路演): /api/v1/roadshows/ and its pitches, registrations, one-to-one
meetings and intents.

The same object permissions as the web pages (roadshows.permissions): published, held and
cancelled roadshows are public, a draft only for its host; the live-stream link only for the
host, the selected presenters and the validated attendees (empty for anyone else). Pitches in the
programme are public; the others, registrations, meetings and intents are seen only by the
organizations they concern (the host, the presenter, the attendee) — for anyone else they do not
exist (404).

Every write runs through roadshows.services, so the API and the web refuse the same things with
the same messages: a field error is 400 naming the field, a step the actor may not take 403.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from api.base import ScopedViewSetMixin
from api.conversations import OrganizationRefSerializer
from api.errors import Conflict, ErrorSerializer
from api.serializers import named_choice_field
from core.ids import MAX_ID, IdFilter, parse_id
from organizations.models import Organization
from repositories.models import Listing
from roadshows import services
from roadshows.models import (
    Criterion,
    Intent,
    Meeting,
    Pitch,
    Question,
    Registration,
    Roadshow,
    RoadshowFormat,
    RoadshowStatus,
)
from roadshows.permissions import roadshow_sees_stream
from roadshows.selectors import (
    intent_list_visible,
    meeting_list_visible,
    pitch_list_visible,
    question_list_visible,
    ranking,
    ranking_visible,
    registration_list_visible,
    roadshow_list_visible,
    suggestions_for,
)
from taxonomy.models import Field

RoadshowStatusField = named_choice_field(RoadshowStatus.choices, "RoadshowStatusEnum")
RoadshowFormatField = named_choice_field(RoadshowFormat.choices, "RoadshowFormatEnum")
PitchStatusField = named_choice_field(Pitch.Status.choices, "RoadshowPitchStatusEnum")
RegistrationStatusField = named_choice_field(
    Registration.Status.choices, "RoadshowRegistrationStatusEnum"
)
MeetingStatusField = named_choice_field(Meeting.Status.choices, "RoadshowMeetingStatusEnum")
IntentStatusField = named_choice_field(Intent.Status.choices, "RoadshowIntentStatusEnum")
IntentKindField = named_choice_field(Intent.Kind.choices, "RoadshowIntentKindEnum")
_QUESTION_ID = OpenApiParameter("question_id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _organization(**kwargs):
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, **kwargs)


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


# --- what is read --------------------------------------------------------------------------


class RoadshowCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "name", "weight"]
        read_only_fields = fields


class RoadshowSerializer(serializers.ModelSerializer):
    host = OrganizationRefSerializer(read_only=True)
    status = RoadshowStatusField(read_only=True)
    format = RoadshowFormatField(read_only=True)
    field = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    stream_url = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The live-stream link: empty unless you host, present or are a validated attendee."
        )
    )
    criteria = RoadshowCriterionSerializer(
        many=True,
        read_only=True,
        help_text=gettext_lazy("A competition's scoring criteria and their weights."),
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Roadshow
        fields = [
            "id",
            "title",
            "theme",
            "host",
            "status",
            "format",
            "venue",
            "starts_at",
            "ends_at",
            "stream_url",
            "is_competition",
            "pitches_close_on",
            "field",
            "status_note",
            "published_at",
            "held_at",
            "cancelled_at",
            "criteria",
            "url",
        ]
        read_only_fields = fields

    def get_stream_url(self, roadshow) -> str:
        actor = self.context["actor"]
        return roadshow.stream_url if roadshow_sees_stream(actor=actor, roadshow=roadshow) else ""

    def get_url(self, roadshow) -> str:
        return roadshow.get_absolute_url()


class RoadshowListingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class PitchSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    listing = RoadshowListingRefSerializer(read_only=True)
    status = PitchStatusField(read_only=True)
    replay_url = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The replay, after the event; empty until then.")
    )

    class Meta:
        model = Pitch
        fields = [
            "id",
            "roadshow",
            "organization",
            "listing",
            "summary",
            "status",
            "decline_reason",
            "position",
            "slot_starts_at",
            "slot_ends_at",
            "replay_url",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields


class RegistrationSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    status = RegistrationStatusField(read_only=True)

    class Meta:
        model = Registration
        fields = ["id", "roadshow", "organization", "status", "created_at", "decided_at"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    presenter = OrganizationRefSerializer(read_only=True)
    attendee = OrganizationRefSerializer(read_only=True)
    status = MeetingStatusField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "pitch",
            "presenter",
            "attendee",
            "starts_at",
            "ends_at",
            "note",
            "status",
            "decline_reason",
            "decided_at",
            "held_at",
        ]
        read_only_fields = fields


class IntentSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    kind = IntentKindField(read_only=True)
    status = IntentStatusField(read_only=True)

    class Meta:
        model = Intent
        fields = [
            "id",
            "pitch",
            "organization",
            "kind",
            "note",
            "status",
            "decline_reason",
            "deal",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class RoadshowRankingSerializer(serializers.Serializer):
    pitch = PitchSerializer(read_only=True)
    score = serializers.FloatField(
        read_only=True, help_text=gettext_lazy("Weighted mean over the criteria, then the judges.")
    )
    judges = serializers.IntegerField(read_only=True)


class RoadshowSuggestionSerializer(serializers.Serializer):
    pitch = PitchSerializer(read_only=True)
    reason = serializers.CharField(read_only=True)


class RoadshowQuestionSerializer(serializers.ModelSerializer):
    asked_by_you = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["id", "pitch", "text", "answer", "asked_at", "answered_at", "asked_by_you"]
        read_only_fields = fields

    def get_asked_by_you(self, question) -> bool:
        return question.organization_id in self.context["actor"].organization_ids


# --- what is written -----------------------------------------------------------------------


class RoadshowWriteSerializer(serializers.Serializer):
    host = _organization(
        help_text=gettext_lazy("Your organization that hosts; needed only by a person in several.")
    )
    title = serializers.CharField(max_length=200)
    theme = serializers.CharField(max_length=2000)
    field = serializers.SlugRelatedField(
        slug_field="code", queryset=Field.objects.all(), required=False, allow_null=True
    )
    format = RoadshowFormatField()
    venue = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    stream_url = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_competition = serializers.BooleanField(required=False, default=False)
    pitches_close_on = serializers.DateField()


class PanelSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=254, help_text=gettext_lazy("The expert's user name or e-mail.")
    )


class CriterionWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    weight = serializers.IntegerField(min_value=1, max_value=100)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PitchWriteSerializer(serializers.Serializer):
    roadshow = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    organization = _organization()
    listing = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("Your organization's own published project or achievement."),
    )
    summary = serializers.CharField(max_length=2000)


class SlotSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1, max_value=500)
    slot_starts_at = serializers.DateTimeField()
    slot_ends_at = serializers.DateTimeField()


class ReplaySerializer(serializers.Serializer):
    replay_url = serializers.CharField(max_length=200)


class RegistrationWriteSerializer(serializers.Serializer):
    roadshow = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    organization = _organization()


class MeetingWriteSerializer(serializers.Serializer):
    pitch = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    organization = _organization()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class IntentWriteSerializer(serializers.Serializer):
    pitch = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    organization = _organization()
    kind = IntentKindField()
    note = serializers.CharField(max_length=2000)


class AskSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    organization = _organization()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)


class ScoreSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100),
        help_text=gettext_lazy("Criterion id → score from 0 to 100, for every criterion."),
    )


def _visible_pitch(actor, pk) -> Pitch:
    pitch = pitch_list_visible(actor=actor).filter(pk=pk).first()
    if pitch is None:
        raise exceptions.ValidationError(
            {"pitch": [_("No pitch with this id is among those you may see.")]}
        )
    return pitch


def _visible_roadshow(actor, pk) -> Roadshow:
    roadshow = roadshow_list_visible(actor=actor).filter(pk=pk).first()
    if roadshow is None:
        raise exceptions.ValidationError(
            {"roadshow": [_("No roadshow with this id is among those you may see.")]}
        )
    return roadshow


# --- the views -----------------------------------------------------------------------------


class RoadshowFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RoadshowStatus.choices)
    format = filters.ChoiceFilter(choices=RoadshowFormat.choices)
    upcoming = filters.BooleanFilter(
        method="filter_upcoming",
        label=gettext_lazy("true: not ended yet; false: ended"),
    )

    class Meta:
        model = Roadshow
        fields = ["status", "format", "upcoming"]

    def filter_upcoming(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(ends_at__gt=now) if value else queryset.filter(ends_at__lte=now)


class RoadshowViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Roadshows (路演): the published, held and cancelled ones for all; your organization's own
    in any state. A host (a verified CAST office, society, agency, investor or institution)
    drafts, publishes, marks held after the event or cancels (a published one with a `note`)."""

    serializer_class = RoadshowSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    filterset_class = RoadshowFilter
    ordering_fields = ["starts_at", "published_at"]
    ordering = ["-starts_at", "-id"]

    def scope_queryset(self, actor):
        return roadshow_list_visible(actor=actor).prefetch_related("criteria")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.get_actor()}

    def _respond(self, roadshow, code=status.HTTP_200_OK):
        roadshow = self.scope_queryset(self.get_actor()).get(pk=roadshow.pk)
        return Response(
            RoadshowSerializer(roadshow, context=self.get_serializer_context()).data, code
        )

    @extend_schema(request=RoadshowWriteSerializer, responses={201: RoadshowSerializer})
    def create(self, request, *args, **kwargs):
        """A host drafts a roadshow; it stays a draft, seen by the host only, until published."""
        actor = self.get_actor()
        body = RoadshowWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        host = _own_organization(actor, data.pop("host", None), "host")
        roadshow = services.roadshow_save(actor=actor, host=host, data=data)
        return self._respond(roadshow, status.HTTP_201_CREATED)

    @extend_schema(request=RoadshowWriteSerializer, responses=RoadshowSerializer)
    def update(self, request, *args, **kwargs):
        """The host edits a draft or published roadshow (PATCH: only the fields sent)."""
        roadshow = self.get_object()
        body = RoadshowWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        data = {name: getattr(roadshow, name) for name in services.ROADSHOW_FIELDS}
        given = dict(body.validated_data)
        given.pop("host", None)
        data.update(given)
        roadshow = services.roadshow_save(actor=self.get_actor(), roadshow=roadshow, data=data)
        return self._respond(roadshow)

    @extend_schema(request=RoadshowWriteSerializer, responses=RoadshowSerializer)
    def partial_update(self, request, *args, **kwargs):
        """As PUT, with only the fields sent."""
        return self.update(request, *args, partial=True, **kwargs)

    def _step(self, request, step):
        roadshow = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        roadshow = services.roadshow_transition(
            actor=self.get_actor(), roadshow=roadshow, action=step, note=body.validated_data["note"]
        )
        return self._respond(roadshow)

    @extend_schema(request=NoteSerializer, responses=RoadshowSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request, pk=None):
        """The host publishes a draft: a start ahead, the link (online) or venue (offline)."""
        return self._step(request, "publish")

    @extend_schema(request=NoteSerializer, responses=RoadshowSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def hold(self, request, pk=None):
        """The host marks the roadshow held after it ends (the timer does it too)."""
        return self._step(request, "hold")

    @extend_schema(request=NoteSerializer, responses=RoadshowSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        """The host cancels; a published roadshow only with a `note` saying why."""
        return self._step(request, "cancel")

    @extend_schema(request=PanelSerializer, responses={200: RoadshowSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def panel(self, request, pk=None):
        """The host names an expert of a competition's panel (by user name or e-mail)."""
        roadshow = self.get_object()
        body = PanelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.panel_add(
            actor=self.get_actor(), roadshow=roadshow, username=body.validated_data["username"]
        )
        return self._respond(roadshow)

    @extend_schema(request=CriterionWriteSerializer, responses={200: RoadshowSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def criteria(self, request, pk=None):
        """The host adds a competition's scoring criterion with its weight (locked once
        scoring begins)."""
        roadshow = self.get_object()
        body = CriterionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.criterion_add(actor=self.get_actor(), roadshow=roadshow, **body.validated_data)
        return self._respond(roadshow)

    @extend_schema(request=None, responses=RoadshowRankingSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def ranking(self, request, pk=None):
        """A competition's ranking: public once the roadshow is held; the host sees it as it
        forms (empty otherwise)."""
        roadshow = self.get_object()
        rows = (
            ranking(roadshow=roadshow)
            if ranking_visible(actor=self.get_actor(), roadshow=roadshow)
            else []
        )
        return Response(RoadshowRankingSerializer(rows, many=True).data)

    @extend_schema(request=None, responses=RoadshowSuggestionSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=[IsAuthenticated],
    )
    def suggestions(self, request, pk=None):
        """For a validated attendee: the pitches its organization should meet, and why (from
        the stored matches of its needs, then their fields). Empty for anyone else."""
        roadshow = self.get_object()
        actor = self.get_actor()
        rows = []
        for organization_id in sorted(actor.organization_ids):
            rows += suggestions_for(actor=actor, roadshow=roadshow, organization_id=organization_id)
        return Response(RoadshowSuggestionSerializer(rows, many=True).data)


class _DecisionMixin:
    def _respond(self, instance, code=status.HTTP_200_OK):
        instance = self.scope_queryset(self.get_actor()).get(pk=instance.pk)
        return Response(self.serializer_class(instance).data, code)


class RoadshowPitchFilter(filters.FilterSet):
    roadshow = IdFilter(field_name="roadshow_id", label=gettext_lazy("roadshow id"))
    status = filters.ChoiceFilter(choices=Pitch.Status.choices)

    class Meta:
        model = Pitch
        fields = ["roadshow", "status"]


class RoadshowPitchViewSet(
    _DecisionMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Pitches: those in a public roadshow's programme for all; every pitch of your
    organization's roadshows; your organization's own."""

    serializer_class = PitchSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    filterset_class = RoadshowPitchFilter
    ordering = ["roadshow", "position", "id"]

    def scope_queryset(self, actor):
        return pitch_list_visible(actor=actor)

    @extend_schema(request=PitchWriteSerializer, responses={201: PitchSerializer})
    def create(self, request, *args, **kwargs):
        """Your organization pitches its own published project or achievement while the call
        is open (someone else's listing: a field error on `listing`)."""
        actor = self.get_actor()
        body = PitchWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        roadshow = _visible_roadshow(actor, data["roadshow"])
        organization = _own_organization(actor, data.get("organization"), "organization")
        pitch = services.pitch_submit(
            actor=actor,
            roadshow=roadshow,
            organization=organization,
            listing=Listing.objects.filter(pk=data["listing"]).first(),
            summary=data["summary"],
        )
        return self._respond(pitch, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PitchSerializer, 400: ErrorSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def select(self, request, pk=None):
        """The host selects the pitch for the programme."""
        pitch = services.pitch_decide(actor=self.get_actor(), pitch=self.get_object(), select=True)
        return self._respond(pitch)

    @extend_schema(request=ReasonSerializer, responses=PitchSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, pk=None):
        """The host declines the pitch, saying why."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pitch = services.pitch_decide(
            actor=self.get_actor(),
            pitch=self.get_object(),
            select=False,
            reason=body.validated_data["reason"],
        )
        return self._respond(pitch)

    @extend_schema(request=SlotSerializer, responses=PitchSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def schedule(self, request, pk=None):
        """The host sets the pitch's order and time slot within the event."""
        body = SlotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pitch = services.pitch_schedule(
            actor=self.get_actor(), pitch=self.get_object(), **body.validated_data
        )
        return self._respond(pitch)

    @extend_schema(request=ReplaySerializer, responses=PitchSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def replay(self, request, pk=None):
        """After the event the host or the presenter gives the replay link."""
        body = ReplaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pitch = services.pitch_set_replay(
            actor=self.get_actor(),
            pitch=self.get_object(),
            replay_url=body.validated_data["replay_url"],
        )
        return self._respond(pitch)

    @extend_schema(methods=["get"], request=None, responses=RoadshowQuestionSerializer(many=True))
    @extend_schema(
        methods=["post"], request=AskSerializer, responses={201: RoadshowQuestionSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        permission_classes=[IsAuthenticated],
    )
    def questions(self, request, pk=None):
        """GET: the pitch's questions and answers, for the host, the presenters and the
        validated attendees (empty for others). POST: a validated attendee asks."""
        pitch = self.get_object()
        actor = self.get_actor()
        context = {"actor": actor}
        if request.method == "GET":
            questions = question_list_visible(actor=actor, roadshow=pitch.roadshow).filter(
                pitch=pitch
            )
            page = self.paginate_queryset(questions)
            return self.get_paginated_response(
                RoadshowQuestionSerializer(page, many=True, context=context).data
            )
        body = AskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        organization = _own_organization(
            actor, body.validated_data.get("organization"), "organization"
        )
        question = services.question_ask(
            actor=actor, pitch=pitch, organization=organization, text=body.validated_data["text"]
        )
        return Response(
            RoadshowQuestionSerializer(question, context=context).data, status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[_QUESTION_ID], request=AnswerSerializer, responses=RoadshowQuestionSerializer
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
        """The presenter answers a question once; the asker is told."""
        pitch = self.get_object()
        actor = self.get_actor()
        question_pk = parse_id(question_id)
        question = (
            question_list_visible(actor=actor, roadshow=pitch.roadshow)
            .filter(pitch=pitch, pk=question_pk)
            .first()
            if question_pk
            else None
        )
        if question is None:
            raise exceptions.NotFound()
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        question = services.question_answer(
            actor=actor, question=question, answer=body.validated_data["answer"]
        )
        return Response(RoadshowQuestionSerializer(question, context={"actor": actor}).data)

    @extend_schema(request=ScoreSerializer, responses=PitchSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], permission_classes=[IsAuthenticated])
    def score(self, request, pk=None):
        """A member of the expert panel (a person, not a token) scores a selected pitch on
        every criterion; one from the presenter's organization is refused on `pitch`."""
        body = ScoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pitch = self.get_object()
        services.pitch_score(
            actor=self.get_actor(), pitch=pitch, scores=body.validated_data["scores"]
        )
        return self._respond(pitch)


class RoadshowRegistrationViewSet(
    _DecisionMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Registrations: yours, and those to your organization's roadshows."""

    serializer_class = RegistrationSerializer
    permission_classes = [IsAuthenticated]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        return registration_list_visible(actor=actor)

    @extend_schema(request=RegistrationWriteSerializer, responses={201: RegistrationSerializer})
    def create(self, request, *args, **kwargs):
        """Register for a published roadshow; the host validates."""
        actor = self.get_actor()
        body = RegistrationWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        roadshow = _visible_roadshow(actor, body.validated_data["roadshow"])
        organization = _own_organization(
            actor, body.validated_data.get("organization"), "organization"
        )
        registration = services.registration_create(
            actor=actor, roadshow=roadshow, organization=organization
        )
        return self._respond(registration, status.HTTP_201_CREATED)

    def _decide(self, validate):
        registration = services.registration_decide(
            actor=self.get_actor(), registration=self.get_object(), validate=validate
        )
        return self._respond(registration)

    @extend_schema(request=None, responses={200: RegistrationSerializer, 400: ErrorSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def validate(self, request, pk=None):
        """The host validates: the attendee then sees the stream link and may meet."""
        return self._decide(True)

    @extend_schema(request=None, responses={200: RegistrationSerializer, 400: ErrorSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def refuse(self, request, pk=None):
        """The host refuses the registration."""
        return self._decide(False)


class RoadshowMeetingViewSet(
    _DecisionMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """One-to-one meetings where your organization presents or attends."""

    serializer_class = MeetingSerializer
    permission_classes = [IsAuthenticated]
    conflict_actions = ("held",)
    ordering = ["starts_at", "id"]

    def scope_queryset(self, actor):
        return meeting_list_visible(actor=actor)

    @extend_schema(request=MeetingWriteSerializer, responses={201: MeetingSerializer})
    def create(self, request, *args, **kwargs):
        """A validated attendee proposes a time during the roadshow's days."""
        actor = self.get_actor()
        body = MeetingWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        pitch = _visible_pitch(actor, data.pop("pitch"))
        organization = _own_organization(actor, data.pop("organization", None), "organization")
        meeting = services.meeting_request(
            actor=actor, pitch=pitch, organization=organization, **data
        )
        return self._respond(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: MeetingSerializer, 400: ErrorSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, pk=None):
        """The presenter accepts; an overlap with another accepted meeting of either side is
        a field error on `starts_at`."""
        meeting = services.meeting_accept(actor=self.get_actor(), meeting=self.get_object())
        return self._respond(meeting)

    @extend_schema(request=ReasonSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, pk=None):
        """The presenter declines, saying why."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = services.meeting_decline(
            actor=self.get_actor(), meeting=self.get_object(), reason=body.validated_data["reason"]
        )
        return self._respond(meeting)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def held(self, request, pk=None):
        """Either side marks an accepted meeting held once it has begun."""
        try:
            meeting = services.meeting_mark_held(actor=self.get_actor(), meeting=self.get_object())
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        return self._respond(meeting)


class RoadshowIntentViewSet(
    _DecisionMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Intents your organization expressed, and those on its pitches."""

    serializer_class = IntentSerializer
    permission_classes = [IsAuthenticated]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        return intent_list_visible(actor=actor)

    @extend_schema(request=IntentWriteSerializer, responses={201: IntentSerializer})
    def create(self, request, *args, **kwargs):
        """A validated attendee's organization expresses an intent on a pitch."""
        actor = self.get_actor()
        body = IntentWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        pitch = _visible_pitch(actor, data.pop("pitch"))
        organization = _own_organization(actor, data.pop("organization", None), "organization")
        intent = services.intent_express(
            actor=actor, pitch=pitch, organization=organization, **data
        )
        return self._respond(intent, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: IntentSerializer, 400: ErrorSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, pk=None):
        """The presenter accepts: a deal opens between the two organizations (origin
        roadshow); its id is in `deal`."""
        intent = services.intent_decide(
            actor=self.get_actor(), intent=self.get_object(), accept=True
        )
        return self._respond(intent)

    @extend_schema(request=ReasonSerializer, responses=IntentSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, pk=None):
        """The presenter declines, saying why."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        intent = services.intent_decide(
            actor=self.get_actor(),
            intent=self.get_object(),
            accept=False,
            reason=body.validated_data["reason"],
        )
        return self._respond(intent)
