"""REST API for the service catalogue: /api/v1/service-categories/ and
/api/v1/service-offerings/.

Everyone reads the published offerings, with the browse page's filters; a provider's members,
or its API token, also read its own in every state and write them (create, update, submit,
withdraw: a token needs the `write` scope); the CAST staff of the provider's region (a person,
or the office's token with the `review` scope) read those awaiting review and approve or
reject them. For anyone else an offering that is not published does not exist (404).
Every write runs through catalogue.services, so the API and the web refuse the same things
with the same messages.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import ScopedViewSetMixin
from api.conversations import OrganizationRefSerializer
from api.errors import state_conflicts
from api.serializers import named_choice_field
from catalogue import services
from catalogue.models import (
    DELIVERABLES_MAX_LENGTH,
    LEAD_TIME_MAX_DAYS,
    PRICE_MAX,
    OfferingStatus,
    PriceKind,
    ServiceCategory,
    ServiceOffering,
)
from catalogue.selectors import category_list, offering_filter, offering_list_visible
from core.ids import MAX_ID
from organizations.models import ApiToken, Organization
from taxonomy.models import Field, Region

OfferingStatusField = named_choice_field(OfferingStatus.choices, "OfferingStatusEnum")
PriceKindField = named_choice_field(PriceKind.choices, "PriceKindEnum")


class ServiceCategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="label", read_only=True)
    summary = serializers.CharField(
        source="summary_label",
        read_only=True,
        help_text=gettext_lazy("What a buyer gets from a service of this category."),
    )

    class Meta:
        model = ServiceCategory
        fields = ["code", "name", "summary", "position"]
        read_only_fields = fields


class ServiceOfferingSerializer(serializers.ModelSerializer):
    provider = OrganizationRefSerializer(read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = OfferingStatusField(read_only=True)
    price_kind = PriceKindField(read_only=True)
    price_amount = serializers.DecimalField(
        max_digits=11,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("In yuan; null when the price is on quote."),
    )
    deliverables = serializers.ListField(
        source="deliverable_list",
        child=serializers.CharField(),
        read_only=True,
        help_text=gettext_lazy("What the buyer receives, one item each."),
    )
    regions = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=gettext_lazy("Region codes served; empty: the whole country."),
    )
    fields = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=gettext_lazy("Technical field codes; empty: every field."),
    )
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The offering's page."))

    class Meta:
        model = ServiceOffering
        fields = [
            "id",
            "provider",
            "category",
            "title",
            "description",
            "deliverables",
            "price_kind",
            "price_amount",
            "lead_time_days",
            "regions",
            "fields",
            "status",
            "review_note",
            "submitted_at",
            "published_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, offering) -> str:
        return offering.get_absolute_url()


class OfferingWriteSerializer(serializers.Serializer):
    """The fields a provider writes; on update, those left out keep their value."""

    provider = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=gettext_lazy(
            "The providing organization (on create); defaults to the token's organization."
        ),
    )
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceCategory.objects.all()
    )
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=10000)
    deliverables = serializers.ListField(
        child=serializers.CharField(max_length=200),
        min_length=1,
        max_length=30,
        help_text=gettext_lazy("What the buyer receives, one item each."),
    )
    price_kind = PriceKindField()
    price_amount = serializers.DecimalField(
        max_digits=11,
        decimal_places=2,
        min_value=0,
        max_value=PRICE_MAX,
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "In yuan: required for a fixed price or a price from, empty for on quote."
        ),
    )
    lead_time_days = serializers.IntegerField(min_value=1, max_value=LEAD_TIME_MAX_DAYS)
    regions = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=Region.objects.all(),
        required=False,
        help_text=gettext_lazy("Region codes served; empty: the whole country."),
    )
    fields = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=Field.objects.all(),
        required=False,
        help_text=gettext_lazy("Technical field codes; empty: every field."),
    )

    def validate_deliverables(self, value):
        text = "\n".join(item.strip() for item in value if item.strip())
        if not text:
            raise serializers.ValidationError(_("List what the buyer receives."))
        if len(text) > DELIVERABLES_MAX_LENGTH:
            raise serializers.ValidationError(
                _("The deliverables can have at most %(limit)s characters.")
                % {"limit": DELIVERABLES_MAX_LENGTH}
            )
        return text


class OfferingReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text=gettext_lazy("true publishes, false rejects."))
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=2000,
        help_text=gettext_lazy("Required to reject: the provider reads it."),
    )


class OfferingFilter(filters.FilterSet):
    category = filters.CharFilter(
        method="filter_noop", label=gettext_lazy("category code"), max_length=32
    )
    region = filters.CharFilter(
        method="filter_noop",
        label=gettext_lazy(
            "region code: offerings serving it (a province includes its cities; nationwide "
            "offerings serve every region)"
        ),
        max_length=6,
    )
    field = filters.CharFilter(
        method="filter_noop", label=gettext_lazy("technical field code"), max_length=16
    )
    price_kind = filters.ChoiceFilter(choices=PriceKind.choices, method="filter_noop")
    q = filters.CharFilter(method="filter_noop", label=gettext_lazy("keywords"), max_length=100)
    status = filters.ChoiceFilter(
        choices=OfferingStatus.choices,
        label=gettext_lazy("status (your own offerings and those you review)"),
    )
    mine = filters.BooleanFilter(
        method="filter_mine", label=gettext_lazy("only your organizations' offerings")
    )

    class Meta:
        model = ServiceOffering
        fields = ["category", "region", "field", "price_kind", "q", "status", "mine"]

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_mine(self, queryset, name, value):
        if value:
            return queryset.filter(provider_id__in=self.request.actor_ids)
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        found = {}
        for name, model in (("category", ServiceCategory), ("region", Region), ("field", Field)):
            if data.get(name):
                found[name] = model.objects.filter(code=data[name]).first()
                if found[name] is None:
                    return queryset.none()
        return offering_filter(
            queryset,
            **found,
            price_kind=data.get("price_kind") or "",
            query=data.get("q") or "",
        )


class ServiceCategoryViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The service categories (after GB/T 34670), in their order; public."""

    serializer_class = ServiceCategorySerializer
    pagination_class = None
    filter_backends = []

    def scope_queryset(self, actor):
        return category_list()


class ServiceOfferingViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Service offerings: the published ones for everyone, newest first; your organizations'
    own in every state; for the CAST staff, those of their region's providers but drafts.

    An offering moves draft → pending → published or rejected; its provider may withdraw it
    while pending or published and submit it again. Updating a published offering sends it
    back to review. Prices are in yuan.
    """

    serializer_class = ServiceOfferingSerializer
    filterset_class = OfferingFilter
    ordering_fields = ["published_at", "updated_at", "lead_time_days"]
    ordering = ["-published_at", "-id"]
    token_scope_by_action = {"review": ApiToken.Scope.REVIEW}

    def scope_queryset(self, actor):
        return (
            offering_list_visible(actor=actor)
            .select_related("provider", "category")
            .prefetch_related("regions", "fields")
        )

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.actor_ids = self.get_actor().organization_ids

    def _respond(self, offering, code=status.HTTP_200_OK):
        offering = self.scope_queryset(self.get_actor()).get(pk=offering.pk)
        return Response(ServiceOfferingSerializer(offering).data, code)

    def _provider(self, body):
        actor = self.get_actor()
        provider_id = body.validated_data.pop("provider", None)
        if provider_id is None and len(actor.organization_ids) == 1:
            provider_id = next(iter(actor.organization_ids))
        provider = (
            Organization.objects.filter(pk=provider_id, id__in=actor.organization_ids).first()
            if provider_id
            else None
        )
        if provider is None:
            raise exceptions.ValidationError(
                {"provider": [_("Name one of your organizations as the provider.")]}
            )
        return provider

    @extend_schema(request=OfferingWriteSerializer, responses={201: ServiceOfferingSerializer})
    def create(self, request, *args, **kwargs):
        """A new draft in the name of one of your organizations (a token: its own)."""
        if not self.get_actor().is_authenticated:
            raise exceptions.NotAuthenticated()
        body = OfferingWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        provider = self._provider(body)
        data = dict(body.validated_data)
        regions = data.pop("regions", [])
        fields = data.pop("fields", [])
        offering = services.offering_create(
            actor=self.get_actor(), provider=provider, data=data, regions=regions, fields=fields
        )
        return self._respond(offering, status.HTTP_201_CREATED)

    @extend_schema(request=OfferingWriteSerializer, responses=ServiceOfferingSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change your offering; fields left out keep their value. A published one goes back
        to review; one awaiting review cannot be changed (409: withdraw it first)."""
        offering = self.get_object()
        body = OfferingWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("provider", None)
        regions = data.pop("regions", None)
        fields = data.pop("fields", None)
        with state_conflicts():
            offering = services.offering_update(
                actor=self.get_actor(), offering=offering, data=data, regions=regions, fields=fields
            )
        return self._respond(offering)

    @extend_schema(request=None, responses=ServiceOfferingSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        """Submit a draft, rejected or withdrawn offering for review by the CAST staff of the
        provider's region (the organization must be verified: 409 otherwise)."""
        offering = self.get_object()
        with state_conflicts():
            offering = services.offering_submit(actor=self.get_actor(), offering=offering)
        return self._respond(offering)

    @extend_schema(request=None, responses=ServiceOfferingSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request, pk=None):
        """Take your offering off the catalogue, or out of review."""
        offering = self.get_object()
        with state_conflicts():
            offering = services.offering_withdraw(actor=self.get_actor(), offering=offering)
        return self._respond(offering)

    @extend_schema(request=OfferingReviewSerializer, responses=ServiceOfferingSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def review(self, request, pk=None):
        """The CAST staff of the provider's region publish an offering awaiting review, or
        reject it with a note (a token needs the `review` scope). The provider is told."""
        offering = self.get_object()
        body = OfferingReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with state_conflicts():
            offering = services.offering_review(
                actor=self.get_actor(),
                offering=offering,
                approve=body.validated_data["approve"],
                note=body.validated_data["note"],
            )
        return self._respond(offering)
