from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from organizations.models import Organization
from repositories.models import KIND_FIELDS, Achievement, ListingKind, Need, Project, Talent
from repositories.selectors import listing_can_see_details
from taxonomy.models import CooperationMode, Field, Region


class FieldSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Field
        fields = ["code", "name", "name_en", "level", "parent"]


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "level", "parent"]


class CooperationModeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CooperationMode
        fields = ["code", "name", "name_en"]


class OrganizationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    fields_of_interest = serializers.SlugRelatedField(
        source="fields", slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "region",
            "description",
            "website",
            "fields_of_interest",
            "parent",
            "status",
        ]


class HiddenTextField(serializers.CharField):
    """Text that reads null for a caller who may not see it (documented by api.schema)."""


class ListingSerializer(serializers.ModelSerializer):
    """Common listing fields. Taxonomy is written and read by code (see /api/v1/taxonomy/)."""

    confidential_details = HiddenTextField(
        label=_("confidential details"),
        required=False,
        allow_blank=True,
        help_text=_(
            "Shown only to the owner, the reviewing CAST staff and organizations granted "
            "access; null for anyone else."
        ),
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        help_text=_("Your organization; defaults to the token's organization or your only one."),
    )
    field = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Field.objects.filter(level=Field.Level.DIRECTION),
        required=False,
        allow_null=True,
        help_text=_("A third-level field code."),
    )
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        help_text=_("A region code; defaults to the organization's region."),
    )
    cooperation_modes = serializers.SlugRelatedField(
        slug_field="code", queryset=CooperationMode.objects.all(), many=True, required=False
    )
    url = serializers.SerializerMethodField()

    common_fields = [
        "id",
        "url",
        "kind",
        "title",
        "summary",
        "confidential_details",
        "organization",
        "field",
        "region",
        "cooperation_modes",
        "status",
        "review_note",
        "published_at",
        "expires_at",
        "completeness",
        "created_at",
        "updated_at",
    ]
    common_read_only = [
        "kind",
        "status",
        "review_note",
        "published_at",
        "expires_at",
        "completeness",
        "created_at",
        "updated_at",
    ]

    def get_url(self, listing) -> str:
        return listing.get_absolute_url()

    def to_representation(self, listing):
        data = super().to_representation(listing)
        actor = self.context["actor"]
        if not listing_can_see_details(
            actor=actor, listing=listing, granted_ids=self.context.get("granted_ids")
        ):
            data["confidential_details"] = None
        return data


def _listing_serializer(model, kind_fields):
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": ListingSerializer.common_fields + kind_fields,
            "read_only_fields": ListingSerializer.common_read_only,
        },
    )
    return type(f"{model.__name__}Serializer", (ListingSerializer,), {"Meta": meta})


NeedSerializer = _listing_serializer(Need, KIND_FIELDS[ListingKind.NEED])
AchievementSerializer = _listing_serializer(Achievement, KIND_FIELDS[ListingKind.ACHIEVEMENT])


class ProjectSerializer(_listing_serializer(Project, KIND_FIELDS[ListingKind.PROJECT])):
    seeking = serializers.ListField(
        child=serializers.ChoiceField(choices=Project.Seeking.choices), required=False
    )


class TalentSerializer(_listing_serializer(Talent, KIND_FIELDS[ListingKind.TALENT])):
    societies = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.SOCIETY),
        many=True,
        required=False,
    )


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "return"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
