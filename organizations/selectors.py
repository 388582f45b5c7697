"""Reads about organizations, memberships and who may act where."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from organizations.models import ApiToken, Mandate, Membership, Organization
from taxonomy.models import Region
from taxonomy.selectors import within_regions_q


def membership_list_active(*, user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .select_related("organization", "organization__region")
        .order_by("organization__name")
    )


def organization_list_for_review(*, actor: Actor) -> QuerySet[Organization]:
    """Organizations awaiting verification in the regions the actor's CAST office covers."""
    qs = Organization.objects.filter(status=Organization.Status.PENDING).exclude(
        kind=Organization.Kind.CAST_OFFICE
    )
    if not actor.is_superuser:
        qs = qs.filter(region_id__in=actor.review_region_ids)
    return qs.select_related("region", "region__parent").order_by("created_at")


def organization_can_review(*, actor: Actor, organization: Organization) -> bool:
    if organization.kind == Organization.Kind.CAST_OFFICE:
        return actor.is_superuser
    return actor.can_review_region(organization.region_id)


def organization_reviewing_office(*, organization: Organization) -> Organization | None:
    """The verified, staffed CAST office that verifies the organization: its city's, else its
    province's.

    None means no such office covers the region, so the platform administrators verify it.
    The same offices see it in their queue: an office covers its region and that region's cities.
    """
    return region_office(region=organization.region)


def region_office(*, region) -> Organization | None:
    """The verified, staffed CAST office that oversees a region: the city's, else its
    province's; None when none does (the platform administrators stand in)."""
    region_ids = [region.id] + ([region.parent_id] if region.parent_id else [])
    offices = (
        Organization.objects.filter(
            kind=Organization.Kind.CAST_OFFICE,
            status=Organization.Status.VERIFIED,
            region_id__in=region_ids,
            memberships__status=Membership.Status.ACTIVE,
        )
        .distinct()
        .order_by("name_sort_key")
    )
    return min(offices, key=lambda office: region_ids.index(office.region_id), default=None)


def organization_reviewers(*, office: Organization | None) -> list[User]:
    """Who is told of a registration: the office's active staff, or the platform administrators."""
    if office is None:
        return list(get_user_model().objects.filter(is_superuser=True, is_active=True))
    return [
        membership.user
        for membership in Membership.objects.filter(
            organization=office, status=Membership.Status.ACTIVE
        ).select_related("user")
    ]


def organization_can_see_licence(*, actor: Actor, organization: Organization) -> bool:
    """The business licence: the organization's administrators, its reviewers, superusers."""
    return organization.id in actor.admin_organization_ids or organization_can_review(
        actor=actor, organization=organization
    )


def organization_list_public(
    *,
    kind: str | None = None,
    query: str = "",
    province: Region | None = None,
    city: Region | None = None,
) -> QuerySet[Organization]:
    """Verified organizations in pinyin order of their names, optionally narrowed.

    `province` takes the province-level organizations and those of its cities; `city`, one city.
    """
    qs = Organization.objects.filter(status=Organization.Status.VERIFIED).select_related(
        "region", "region__parent"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(name__icontains=query)
    if city is not None:
        qs = qs.filter(region=city)
    elif province is not None:
        qs = qs.filter(within_regions_q(province))
    return qs.order_by("name_sort_key", "name")


def organization_list_visible(*, actor: Actor) -> QuerySet[Organization]:
    """Verified organizations, the actor's own in any state, and those its office reviews."""
    if actor.is_superuser:
        return Organization.objects.all()
    visible = Q(status=Organization.Status.VERIFIED) | Q(id__in=actor.organization_ids)
    if actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids)
    return Organization.objects.filter(visible)


def token_creator_is_active_member(*, token: ApiToken) -> bool:
    """A token acts for its creator, so it stops working when they leave the organization."""
    return (
        token.created_by.is_active
        and Membership.objects.filter(
            user_id=token.created_by_id,
            organization_id=token.organization_id,
            status=Membership.Status.ACTIVE,
        ).exists()
    )


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The live token for a raw key, or None."""
    return (
        ApiToken.objects.filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .select_related("organization", "created_by")
        .first()
    )


@dataclass(frozen=True)
class Actor:
    """Who is acting and where: a signed-in user, or a program holding an organization's token.

    Every permission check and every scoped queryset reads from an Actor, so a token can
    never reach further than its one organization.
    """

    user: User | AnonymousUser | None
    organization_ids: frozenset[int] = frozenset()
    admin_organization_ids: frozenset[int] = frozenset()
    review_region_ids: frozenset[int] = frozenset()
    is_superuser: bool = False
    # A program acting with an organization's API token, not a person, and what its token
    # allows besides reading (ApiToken.Scope values).
    via_token: bool = False
    token_scopes: frozenset[str] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.user.is_authenticated

    @property
    def is_person(self) -> bool:
        """Signed in as oneself: what is personal (subscriptions, notifications) or shapes the
        organization (members, tokens, its profile) is never done by a token."""
        return self.is_authenticated and not self.via_token

    @property
    def is_staff_reviewer(self):
        return self.is_superuser or bool(self.review_region_ids)

    def can_review_region(self, region_id):
        return self.is_superuser or region_id in self.review_region_ids

    @cached_property
    def mandated_listings(self) -> dict[int, int]:
        """A technology manager's mandates in force: listing id → the mandating organization's
        id; the manager acts for that organization on those listings and the deals about them.
        Read when first needed (most requests never ask). A token never has any: it acts for
        its own organization."""
        if self.via_token or not self.is_authenticated:
            return {}
        return _mandated_listings(self.user)

    def acts_for_listing(self, listing) -> bool:
        """A member of the listing's organization, or its technology manager by mandate."""
        return (
            listing.organization_id in self.organization_ids
            or self.mandated_listings.get(listing.pk) == listing.organization_id
        )


def _review_region_ids(offices):
    region_ids = set()
    for office in offices:
        region_ids.add(office.region_id)
        region_ids.update(child.id for child in office.region.children.all())
    return frozenset(region_ids)


def actor_for(*, user, token: ApiToken | None = None) -> Actor:
    """What a person, or a program holding a token, may do.

    A token acts for its creator within its one organization: it reads what that
    organization may see and, as its scopes allow, writes listings and answers matches, reviews
    the region if the organization is a CAST office, and manages the organization's webhooks
    while its creator is an active administrator there. It never does what only a person may
    (Actor.is_person).
    """
    if user is None or not user.is_authenticated:
        return Actor(user=user)
    if token is not None:
        organization = token.organization
        scopes = frozenset(token.scopes)
        reviews = ApiToken.Scope.REVIEW in scopes and _is_active_office(organization)
        manages_webhooks = (
            ApiToken.Scope.WEBHOOKS in scopes
            and Membership.objects.filter(
                user_id=token.created_by_id,
                organization_id=organization.id,
                role=Membership.Role.ADMIN,
                status=Membership.Status.ACTIVE,
            ).exists()
        )
        return Actor(
            user=user,
            organization_ids=frozenset([organization.id]),
            admin_organization_ids=frozenset([organization.id] if manages_webhooks else []),
            review_region_ids=_review_region_ids([organization] if reviews else []),
            via_token=True,
            token_scopes=scopes,
        )
    memberships = list(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .select_related("organization__region")
        .prefetch_related("organization__region__children")
    )
    offices = [m.organization for m in memberships if _is_active_office(m.organization)]
    return Actor(
        user=user,
        organization_ids=frozenset(m.organization_id for m in memberships),
        admin_organization_ids=frozenset(
            m.organization_id for m in memberships if m.role == Membership.Role.ADMIN
        ),
        review_region_ids=_review_region_ids(offices),
        is_superuser=user.is_superuser,
    )


def _mandates_in_force() -> Q:
    today = timezone.localdate()
    return Q(
        mandate__status=Mandate.Status.ACTIVE,
        mandate__starts_on__lte=today,
        mandate__ends_on__gte=today,
        mandate__organization__status=Organization.Status.VERIFIED,
    )


def _mandated_listings(user) -> dict[int, int]:
    """The listings in scope of the user's mandates in force today."""
    rows = Mandate.listings.through.objects.filter(
        _mandates_in_force(), mandate__manager=user
    ).values_list("listing_id", "mandate__organization_id")
    return dict(rows)


def mandated_managers(*, organization_id: int, listing_ids: Iterable[int]) -> list:
    """The technology managers the organization mandated, in force today, on any of these
    listings: they act for it there, so they hear what its members hear about them."""
    rows = Mandate.listings.through.objects.filter(
        _mandates_in_force(),
        mandate__organization_id=organization_id,
        listing_id__in=list(listing_ids),
    ).select_related("mandate__manager")
    return list({row.mandate.manager_id: row.mandate.manager for row in rows}.values())


def _is_active_office(organization):
    return (
        organization.kind == Organization.Kind.CAST_OFFICE
        and organization.status == Organization.Status.VERIFIED
    )


def first_active_member(organization: Organization):
    """The organization's first active member, administrators first (None if it has none):
    whom the demo data acts as."""
    membership = (
        Membership.objects.filter(organization=organization, status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("role", "id")
        .first()
    )
    return membership.user if membership else None
