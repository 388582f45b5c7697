"""Who may see and act on a deal, read from the Actor.

The two parties' members (or a party's API token) read and act; the CAST staff of the deal's
region read it for oversight and verify its registration; nobody else learns it exists (404).
"""

from deals.models import Deal
from organizations.selectors import Actor


def deal_party_organization_id(*, actor: Actor, deal: Deal) -> int | None:
    """The actor's organization among the two parties, or None. A technology manager acts for
    the party that mandated it on the deal's need or listing."""
    for organization_id in deal.party_ids:
        if organization_id in actor.organization_ids:
            return organization_id
    for listing_id in (deal.need_id, deal.listing_id):
        organization_id = actor.mandated_listings.get(listing_id)
        if organization_id in deal.party_ids:
            return organization_id
    return None


def deal_can_read(*, actor: Actor, deal: Deal) -> bool:
    return deal_party_organization_id(actor=actor, deal=deal) is not None or (
        actor.can_review_region(deal.region_id)
    )


def deal_can_review(*, actor: Actor, deal: Deal) -> bool:
    """The registration is verified by the CAST staff of the deal's region."""
    return actor.is_authenticated and actor.can_review_region(deal.region_id)
