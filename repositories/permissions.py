"""Who may do what to a listing, read from the Actor.

Every check on listings lives here, so that the web pages, the API and the services
decide alike; the services raise PermissionDenied when a check fails.
"""

from __future__ import annotations

from collections.abc import Collection

from organizations.selectors import Actor
from repositories.models import Listing, ListingStatus, PendingStatus
from repositories.selectors import listing_ids_with_granted_details


def listing_can_act_for(*, actor: Actor, organization_id: int) -> bool:
    """Publishing a listing, or asking for another's details, in the name of an
    organization: one's own only."""
    return organization_id in actor.organization_ids


def listing_is_own(*, actor: Actor, listing: Listing) -> bool:
    """The listing belongs to one of the actor's organizations: they submit, re-confirm,
    close and delete it, and decide who may see its details."""
    return listing.organization_id in actor.organization_ids


def listing_can_manage(*, actor: Actor, listing: Listing) -> bool:
    """Its owner's members and, by mandate, the owner's technology manager: they edit, submit
    and re-confirm it and decide who may see its details. Closing and deleting it stay with
    the owner's members (listing_is_own)."""
    return actor.acts_for_listing(listing)


def listing_can_edit(*, actor: Actor, listing: Listing) -> bool:
    """Who manages it, until it is closed; the same holds for its attachments."""
    return (
        listing_can_manage(actor=actor, listing=listing) and listing.status != ListingStatus.CLOSED
    )


def listing_has_revision_for_review(listing: Listing) -> bool:
    """A published listing whose edit awaits review; the published version stays live."""
    return (
        listing.status == ListingStatus.PUBLISHED
        and listing.pending_status == PendingStatus.SUBMITTED
    )


def listing_is_awaiting_review(listing: Listing) -> bool:
    return listing.status == ListingStatus.SUBMITTED or listing_has_revision_for_review(listing)


def listing_can_review(*, actor: Actor, listing: Listing) -> bool:
    """The CAST office of the listing's region, while the listing or its revision awaits review."""
    return listing_is_awaiting_review(listing) and actor.can_review_region(listing.region_id)


def listing_can_follow_review(*, actor: Actor, listing: Listing) -> bool:
    """Its history, completeness hints and pending revision: the owner and the region's
    reviewers."""
    return listing_can_manage(actor=actor, listing=listing) or actor.can_review_region(
        listing.region_id
    )


def listing_can_see_details(
    *, actor: Actor, listing: Listing, granted_ids: Collection[int] | None = None
) -> bool:
    """Confidential details and files: those who follow its review, and organizations
    granted access.

    Pass `granted_ids` (from listing_ids_with_granted_details) when checking many listings.
    """
    if listing_can_follow_review(actor=actor, listing=listing):
        return True
    if granted_ids is None:
        granted_ids = listing_ids_with_granted_details(actor=actor)
    return listing.pk in granted_ids
