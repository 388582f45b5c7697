from django import template

from challenges.permissions import can_sponsor
from challenges.selectors import need_offers_challenge
from repositories.models import ListingKind
from repositories.permissions import listing_is_own

register = template.Library()


@register.inclusion_tag("challenges/_need_offer.html", takes_context=True)
def challenge_offer(context, listing):
    """On a need's page, for its owner only, when the need has found no good match: the offer
    to turn it into a challenge (揭榜挂帅). The repositories' page shows it without importing
    this app."""
    request = context.get("request")
    actor = getattr(request, "actor", None)
    if (
        actor is None
        or getattr(listing, "kind", None) != ListingKind.NEED
        or not listing_is_own(actor=actor, listing=listing)
        or not can_sponsor(listing.organization)
    ):
        return {"show": False}
    return {"show": need_offers_challenge(need=listing), "listing": listing}
