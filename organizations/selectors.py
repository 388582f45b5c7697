"""Reads about organizations, memberships and who may act where."""

from dataclasses import dataclass

from organizations.models import ApiToken, Membership, Organization


def membership_list_active(*, user):
    return list(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .select_related("organization", "organization__region")
        .order_by("organization__name")
    )


def organization_list_for_review(*, actor):
    """Organizations awaiting verification in the regions the actor's CAST office covers."""
    qs = Organization.objects.filter(status=Organization.Status.PENDING).exclude(
        kind=Organization.Kind.CAST_OFFICE
    )
    if not actor.is_superuser:
        qs = qs.filter(region_id__in=actor.review_region_ids)
    return qs.select_related("region", "region__parent").order_by("created_at")


def organization_can_review(*, actor, organization):
    if organization.kind == Organization.Kind.CAST_OFFICE:
        return actor.is_superuser
    return actor.can_review_region(organization.region_id)


def organization_list_public(*, kind=None):
    qs = Organization.objects.filter(status=Organization.Status.VERIFIED).select_related(
        "region", "region__parent"
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def token_creator_is_active_member(*, token):
    """A token acts for its creator, so it stops working when they leave the organization."""
    return (
        token.created_by.is_active
        and Membership.objects.filter(
            user_id=token.created_by_id,
            organization_id=token.organization_id,
            status=Membership.Status.ACTIVE,
        ).exists()
    )


def api_token_authenticate(*, key):
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

    user: object
    organization_ids: frozenset = frozenset()
    admin_organization_ids: frozenset = frozenset()
    review_region_ids: frozenset = frozenset()
    is_superuser: bool = False

    @property
    def is_authenticated(self):
        return self.user is not None and self.user.is_authenticated

    @property
    def is_staff_reviewer(self):
        return self.is_superuser or bool(self.review_region_ids)

    def can_review_region(self, region_id):
        return self.is_superuser or region_id in self.review_region_ids


def _review_region_ids(offices):
    region_ids = set()
    for office in offices:
        region_ids.add(office.region_id)
        region_ids.update(child.id for child in office.region.children.all())
    return frozenset(region_ids)


def actor_for(*, user, token=None):
    if user is None or not user.is_authenticated:
        return Actor(user=user)
    if token is not None:
        organization = token.organization
        offices = [organization] if _is_active_office(organization) else []
        return Actor(
            user=user,
            organization_ids=frozenset([organization.id]),
            review_region_ids=_review_region_ids(offices),
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


def _is_active_office(organization):
    return (
        organization.kind == Organization.Kind.CAST_OFFICE
        and organization.status == Organization.Status.VERIFIED
    )
