from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from organizations.models import Organization
from repositories.models import (
    KIND_FIELDS,
    Achievement,
    ListingKind,
    Need,
    PendingStatus,
    Project,
    Talent,
)
from repositories.permissions import listing_can_follow_review, listing_can_see_details
from repositories.services import listing_pending_fields
from repositories.validators import listing_error_messages, listing_rule_errors
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


class PendingRevisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PendingStatus.choices)
    submitted_at = serializers.DateTimeField()
    fields = serializers.ListField(
        child=serializers.CharField(), help_text=_("The fields the revision changes.")
    )


class HiddenTextField(serializers.CharField):
    """Text that reads null for a caller who may not see it (documented by api.schema)."""


class ListingSerializer(serializers.ModelSerializer):
    """Common listing fields. Taxonomy is written and read by code (see /api/v1/taxonomy/).

    Writing to a published listing stores a pending revision for review; the published
    values stay in the representation until a reviewer approves it.
    """

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
    pending_revision = serializers.SerializerMethodField(
        allow_null=True,
        help_text=_(
            "The edit of a published listing awaiting review or returned; shown to its "
            "organization and the reviewing CAST office, null otherwise."
        ),
    )

    # What a program reads of every listing: the author's COMMON_FIELDS with the listing's
    # state and dates, in the order the published schema gives them.
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
        "pending_revision",
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

    @extend_schema_field(PendingRevisionSerializer(allow_null=True))
    def get_pending_revision(self, listing):
        actor = self.context["actor"]
        if not listing.pending_status or not listing_can_follow_review(
            actor=actor, listing=listing
        ):
            return None
        return PendingRevisionSerializer(
            {
                "status": listing.pending_status,
                "submitted_at": listing.submitted_at,
                "fields": listing_pending_fields(listing),
            }
        ).data

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs["error_messages"] = {
            **kwargs.get("error_messages", {}),
            **listing_error_messages(model_field),
        }
        return field_class, kwargs

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if not isinstance(data, Mapping):
                raise  # not an object: there are no fields to check the rules on
            # Report the rules across fields with the field errors, not on a second try.
            rule_errors = listing_rule_errors(
                model=self.Meta.model, values=self._valid_values(data, failed=error.detail)
            )
            raise serializers.ValidationError(
                {
                    **{name: [message] for name, message in rule_errors.items()},
                    **error.detail,
                }
            ) from error

    def _valid_values(self, data, failed):
        """The values that passed their field checks, over the stored ones."""
        values = {}
        if self.instance is not None:
            values = {
                f.name: getattr(self.instance, f.attname) for f in self.Meta.model._meta.fields
            }
        for name, field in self.fields.items():
            if field.read_only or name in failed:
                continue
            primitive = field.get_value(data)
            if primitive is empty:
                continue
            try:
                values[field.source] = field.run_validation(primitive)
            except serializers.ValidationError:
                continue
        return values

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


# evaluated_maturity and evaluated_at are read-only (not editable): a third-party evaluation
# (evaluations) sets them, beside the self-declared maturity.
class AchievementSerializer(
    _listing_serializer(
        Achievement,
        [*KIND_FIELDS[ListingKind.ACHIEVEMENT], "evaluated_maturity", "evaluated_at"],
    )
):
    evaluated_maturity = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        min_value=1,
        max_value=9,
        help_text=_(
            "The technology readiness level a third-party evaluation found (1–9), beside the "
            "self-declared maturity; null until one is final."
        ),
    )


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


def named_choice_field(choices, component_name, *, blank=False):
    """A ChoiceField class whose enum is its own named schema component: two resources'
    "status" enums would otherwise share (and clash on) one name."""
    values = [value for value, _label in choices]

    @extend_schema_field({"type": "string", "enum": values}, component_name=component_name)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, allow_blank=blank, **kwargs)

    Field.__name__ = Field.__qualname__ = component_name.removesuffix("Enum") + "Field"
    return Field
