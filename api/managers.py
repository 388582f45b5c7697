"""REST API for technology managers (技术经理人): /api/v1/managers/ and /api/v1/mandates/.

Anyone reads the public directory: the managers whose certificate the CAST staff verified,
with their record and their standing (computed from the outcome log, with the events behind
it); a profile not verified does not exist here (404), and a certificate's number and scan
never leave the web pages.

Mandates are read by those they concern: a signed-in manager reads the mandates given to them,
an organization's members — or its API token — the mandates the organization gave, with the
commissions due on the deals in their scope. A token never reads another organization's
mandates, nor those of its creator as a manager. Mandates are written only in the browser:
offering, accepting, declining and ending one is a person's decision.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from api.base import ScopedViewSetMixin
from api.conversations import OrganizationRefSerializer
from api.credit import CreditLineSerializer
from api.serializers import named_choice_field
from managers.models import Commission, ManagerProfile
from managers.selectors import (
    manager_credit_compute,
    manager_list_public,
    manager_record,
    mandate_list_visible,
)
from organizations.models import Mandate
from taxonomy.models import Field

MandateStatusField = named_choice_field(Mandate.Status.choices, "MandateStatusEnum")


class ManagerSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=gettext_lazy("Where the manager works.")
    )
    fields = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=gettext_lazy("Technical field codes the manager brokers deals in."),
    )
    verified_at = serializers.DateTimeField(
        source="certificate_checked_at",
        read_only=True,
        help_text=gettext_lazy("When the CAST staff verified the certificate."),
    )
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The manager's page."))

    class Meta:
        model = ManagerProfile
        fields = [
            "id",
            "name",
            "headline",
            "region",
            "fields",
            "certificate_issuer",
            "certificate_level",
            "verified_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, profile) -> str:
        return profile.get_absolute_url()


class ManagerRecordSerializer(serializers.Serializer):
    mandates = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Mandates accepted.")
    )
    mandates_in_force = serializers.IntegerField(read_only=True)
    organizations = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Organizations that gave the manager a mandate.")
    )
    deals_registered = serializers.IntegerField(
        read_only=True,
        help_text=gettext_lazy("Deals brokered under a mandate whose registration was verified."),
    )


class ManagerStandingSerializer(serializers.Serializer):
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
    events = CreditLineSerializer(source="lines", many=True, read_only=True)


class ManagerDetailSerializer(ManagerSerializer):
    bio = serializers.CharField(read_only=True)
    record = serializers.SerializerMethodField()
    standing = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Computed only from the outcome log: the contracts registered under the manager's "
            "mandates and how those deals ended, with the events behind it."
        )
    )

    class Meta(ManagerSerializer.Meta):
        fields = [*ManagerSerializer.Meta.fields, "bio", "record", "standing"]
        read_only_fields = fields

    def get_record(self, profile) -> ManagerRecordSerializer:
        return ManagerRecordSerializer(manager_record(profile=profile)).data

    def get_standing(self, profile) -> ManagerStandingSerializer:
        return ManagerStandingSerializer(manager_credit_compute(profile=profile)).data


class ManagerFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_noop", label=gettext_lazy("keywords"), max_length=100)
    field = filters.CharFilter(
        method="filter_noop",
        label=gettext_lazy("technical field code (a domain or an industry takes in its own)"),
        max_length=16,
    )

    class Meta:
        model = ManagerProfile
        fields = ["q", "field"]

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        field_id = None
        if data.get("field"):
            field = Field.objects.filter(code=data["field"]).first()
            if field is None:
                return queryset.none()
            field_id = field.pk
        query = (data.get("q") or "").strip()
        if not query and field_id is None:
            return queryset
        # The directory's own search: the same verified managers, narrowed.
        return manager_list_public(query=query, field_id=field_id)


class ManagerViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The technology managers whose certificate the CAST staff verified, by name; public.
    A manager's own page lists the record and the standing with the events behind it."""

    filterset_class = ManagerFilter
    ordering_fields = ["name"]
    ordering = ["name", "id"]

    def scope_queryset(self, actor):
        return manager_list_public()

    def get_serializer_class(self):
        return ManagerDetailSerializer if self.action == "retrieve" else ManagerSerializer


class CommissionSerializer(serializers.ModelSerializer):
    deal = serializers.PrimaryKeyRelatedField(read_only=True)
    deal_title = serializers.CharField(source="deal.title", read_only=True)
    technical_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy("The verified technical-transaction amount, in yuan."),
    )
    base_fee = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    share_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy("The success share of the technical-transaction amount, in yuan."),
    )
    amount_due = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy("Base fee plus share, no more than the cap, in yuan."),
    )

    class Meta:
        model = Commission
        fields = [
            "id",
            "deal",
            "deal_title",
            "technical_amount",
            "base_fee",
            "share_amount",
            "amount_due",
            "capped",
            "computed_at",
        ]
        read_only_fields = fields


class ManagerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The manager's profile (GET /api/v1/managers/{id}/)."),
    )
    name = serializers.CharField(read_only=True)


class MandateSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    manager = serializers.SerializerMethodField()
    status = MandateStatusField(read_only=True)
    listings = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text=gettext_lazy(
            "The listings in scope: the manager acts for the organization on "
            "them and on the deals about them."
        ),
    )
    base_fee = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy("In yuan, due once a deal in scope is registered."),
    )
    success_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy("Percent of the verified technical-transaction amount."),
    )
    cap = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The most due on one deal, in yuan; null: no cap."),
    )
    in_force = serializers.SerializerMethodField(
        help_text=gettext_lazy("Accepted, and today within its term.")
    )
    commissions = CommissionSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text=gettext_lazy("The mandate's page."))

    class Meta:
        model = Mandate
        fields = [
            "id",
            "organization",
            "manager",
            "status",
            "listings",
            "scope_note",
            "base_fee",
            "success_share",
            "cap",
            "starts_on",
            "ends_on",
            "in_force",
            "created_at",
            "accepted_at",
            "ended_at",
            "end_note",
            "commissions",
            "url",
        ]
        read_only_fields = fields

    def get_manager(self, mandate) -> ManagerRefSerializer:
        profile = getattr(mandate.manager, "manager_profile", None)
        return {
            "id": profile.pk if profile else None,
            "name": profile.name if profile else str(mandate.manager),
        }

    def get_in_force(self, mandate) -> bool:
        return mandate.is_in_force()

    def get_url(self, mandate) -> str:
        return reverse("managers:mandate", kwargs={"pk": mandate.pk})


class MandateFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Mandate.Status.choices)

    class Meta:
        model = Mandate
        fields = ["status"]


class MandateViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Mandates: those given to you as a technology manager, and those your organizations gave
    (a token: its organization's), with the commissions due on the deals in their scope;
    newest first. Read only: mandates are offered, answered and ended in the browser."""

    serializer_class = MandateSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = MandateFilter
    ordering_fields = ["created_at", "ends_on"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, actor):
        mandates = mandate_list_visible(actor=actor)
        if actor.via_token:
            # A token acts for its organization only, never for its creator as a manager.
            mandates = mandates.filter(organization_id__in=actor.organization_ids)
        return mandates.select_related("manager__manager_profile").prefetch_related(
            "listings", Prefetch("commissions", queryset=Commission.objects.select_related("deal"))
        )
