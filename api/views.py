"""REST API. Every queryset starts from what the request's actor may see."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api import serializers
from api.base import ScopedViewSetMixin
from api.errors import state_conflicts
from api.pagination import ListingPagination
from organizations.models import ApiToken, Organization
from organizations.selectors import organization_list_visible
from repositories import services
from repositories.filters import AchievementApiFilterSet, ListingApiFilterSet
from repositories.models import RELATION_FIELDS, ListingKind
from repositories.permissions import listing_can_act_for
from repositories.selectors import (
    listing_ids_with_granted_details,
    listing_list_visible,
    listing_list_visible_parts,
)
from taxonomy.models import CooperationMode, Field, Region


class FieldViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The three-level technical field taxonomy (level 1 domain, 2 industry, 3 direction)."""

    serializer_class = serializers.FieldSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    filterset_fields = ["level", "parent__code"]
    pagination_class = None

    def scope_queryset(self, actor):
        return Field.objects.select_related("parent")  # public reference data


class RegionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Provinces and prefecture-level cities, by GB/T 2260 code."""

    serializer_class = serializers.RegionSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    filterset_fields = ["level", "parent__code"]
    pagination_class = None

    def scope_queryset(self, actor):
        return Region.objects.select_related("parent")  # public reference data


class CooperationModeViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.CooperationModeSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    pagination_class = None

    def scope_queryset(self, actor):
        return CooperationMode.objects.all()  # public reference data


class OrganizationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Verified organizations, plus the caller's own in any state."""

    serializer_class = serializers.OrganizationSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def scope_queryset(self, actor):
        return (
            organization_list_visible(actor=actor)
            .select_related("region")
            .prefetch_related("fields")
        )


class ListingViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A repository: published listings for all, one's own in any state, the region's to staff."""

    kind = None
    token_scope_by_action = {"review": ApiToken.Scope.REVIEW}
    filterset_class = ListingApiFilterSet
    conflict_actions = ["destroy", "submit", "review", "reconfirm", "close"]
    ordering_fields = ["published_at", "created_at", "updated_at", "completeness", "title"]
    ordering = ["-published_at", "-id"]
    pagination_class = ListingPagination

    def scope_queryset(self, actor):
        queryset = listing_list_visible(actor=actor, kind=self.kind)
        queryset = queryset.select_related("organization", "field", "region").prefetch_related(
            "cooperation_modes"
        )
        if self.kind == ListingKind.TALENT:
            queryset = queryset.prefetch_related("societies")
        return queryset

    def filter_queryset(self, queryset):
        filtered = super().filter_queryset(queryset)
        if self.request.query_params.get("q"):
            # In another order too (`ordering`), the holders of a common word are too many to
            # count them all (repositories.counts.KEYWORD_COUNT_CAP).
            filtered.count_capped_by_keywords = True
        parts = (
            listing_list_visible_parts(actor=self.get_actor(), kind=self.kind)
            if self.action == "list"
            else None
        )
        if parts and (
            getattr(filtered, "ranked_by_keywords", False) or not self.request.query_params.get("q")
        ):
            # Counted as the live listings (shared by every caller) plus the caller's others.
            filterset = DjangoFilterBackend().get_filterset(self.request, queryset, self)
            if filterset.is_valid():
                filtered.count_parts = [filterset.filter_for_count(part) for part in parts]
        return filtered

    def get_serializer_context(self):
        context = super().get_serializer_context()
        actor = self.get_actor()
        context["actor"] = actor
        context["granted_ids"] = listing_ids_with_granted_details(actor=actor)
        return context

    def _organization_for_create(self, chosen):
        actor = self.get_actor()
        if chosen is not None:
            if not listing_can_act_for(actor=actor, organization_id=chosen.id):
                raise ValidationError({"organization": _("Choose one of your own organizations.")})
            return chosen
        if len(actor.organization_ids) != 1:
            raise ValidationError(
                {"organization": _("You belong to several organizations or none: choose one.")}
            )
        return Organization.objects.get(id=next(iter(actor.organization_ids)))

    @staticmethod
    def _split(validated):
        relations = {name: validated.pop(name) for name in RELATION_FIELDS if name in validated}
        return validated, relations

    def perform_create(self, serializer):
        data, relations = self._split(dict(serializer.validated_data))
        organization = self._organization_for_create(data.pop("organization", None))
        serializer.instance = services.listing_create(
            kind=self.kind,
            actor=self.get_actor(),
            organization=organization,
            data=data,
            **relations,
        )

    def perform_update(self, serializer):
        data, relations = self._split(dict(serializer.validated_data))
        data.pop("organization", None)
        serializer.instance = services.listing_update(
            listing=serializer.instance, actor=self.get_actor(), data=data, **relations
        )

    def perform_destroy(self, instance):
        with state_conflicts():
            services.listing_delete(listing=instance, actor=self.get_actor())

    def _respond(self, listing):
        listing = self.get_queryset().get(pk=listing.pk)
        return Response(self.get_serializer(listing).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft or returned listing to the region's CAST office for review."""
        with state_conflicts():
            listing = services.listing_submit(listing=self.get_object(), actor=self.get_actor())
        return self._respond(listing)

    @extend_schema(request=serializers.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """CAST staff of the listing's region: approve (publish) or return with a reason.

        For a published listing with a pending revision, approving applies the revision to the
        published listing; returning keeps the published version and shows the reason."""
        review = serializers.ReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        with state_conflicts():
            listing = services.listing_review(
                listing=self.get_object(),
                actor=self.get_actor(),
                approve=review.validated_data["decision"] == "approve",
                note=review.validated_data.get("note", ""),
            )
        return self._respond(listing)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def reconfirm(self, request, pk=None):
        """Start a new validity period (opens 30 days before expiry)."""
        with state_conflicts():
            listing = services.listing_reconfirm(listing=self.get_object(), actor=self.get_actor())
        return self._respond(listing)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        with state_conflicts():
            listing = services.listing_close(listing=self.get_object(), actor=self.get_actor())
        return self._respond(listing)


class NeedViewSet(ListingViewSet):
    kind = ListingKind.NEED
    serializer_class = serializers.NeedSerializer


class AchievementViewSet(ListingViewSet):
    kind = ListingKind.ACHIEVEMENT
    serializer_class = serializers.AchievementSerializer
    filterset_class = AchievementApiFilterSet


class ProjectViewSet(ListingViewSet):
    kind = ListingKind.PROJECT
    serializer_class = serializers.ProjectSerializer


class TalentViewSet(ListingViewSet):
    kind = ListingKind.TALENT
    serializer_class = serializers.TalentSerializer
