"""Reads about organizations, memberships and who may act where."""

from django.db.models import Q

from organizations.models import ApiToken, Membership, Organization


def membership_list_active(*, user):
    return list(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .select_related("organization", "organization__region")
        .order_by("organization__name")
    )


def organization_ids_of(*, user, roles=None):
    """IDs of the organizations where the user is an active member (optionally in given roles)."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return list(memberships.values_list("organization_id", flat=True))


def cast_office_region_ids(*, user):
    """Region IDs the user reviews as staff of a verified local CAST office.

    A provincial office covers its province and the province's cities; a city office its city.
    """
    if not user.is_authenticated:
        return set()
    offices = Organization.objects.filter(
        kind=Organization.Kind.CAST_OFFICE,
        status=Organization.Status.VERIFIED,
        memberships__user=user,
        memberships__status=Membership.Status.ACTIVE,
    ).select_related("region")
    region_ids = set()
    for office in offices:
        region_ids.add(office.region_id)
        region_ids.update(office.region.children.values_list("id", flat=True))
    return region_ids


def is_cast_staff(*, user):
    return bool(cast_office_region_ids(user=user))


def organization_list_for_review(*, user):
    """Organizations awaiting verification in the regions the user's CAST office covers."""
    if user.is_superuser:
        scope = Q()
    else:
        scope = Q(region_id__in=cast_office_region_ids(user=user))
    return (
        Organization.objects.filter(scope, status=Organization.Status.PENDING)
        .exclude(kind=Organization.Kind.CAST_OFFICE)
        .select_related("region", "region__parent")
        .order_by("created_at")
    )


def organization_can_review(*, user, organization):
    if organization.kind == Organization.Kind.CAST_OFFICE:
        return user.is_superuser
    return user.is_superuser or organization.region_id in cast_office_region_ids(user=user)


def organization_list_public(*, kind=None):
    qs = Organization.objects.filter(status=Organization.Status.VERIFIED).select_related(
        "region", "region__parent"
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def membership_is_admin(*, user, organization):
    return Membership.objects.filter(
        user=user,
        organization=organization,
        role=Membership.Role.ADMIN,
        status=Membership.Status.ACTIVE,
    ).exists()


def api_token_authenticate(*, key):
    """The live token for a raw key, or None."""
    return (
        ApiToken.objects.filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .select_related("organization", "created_by")
        .first()
    )
