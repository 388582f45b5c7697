from django import template

from catalogue.selectors import offering_proposals_for_listing

register = template.Library()


@register.inclusion_tag("catalogue/_proposals.html")
def service_proposals(listing):
    """技术服务 that would help, beside a need or an achievement: the repositories' page shows
    them without importing the catalogue. Only on a live listing."""
    if not getattr(listing, "is_live", False):
        return {"proposals": []}
    return {"proposals": offering_proposals_for_listing(listing=listing)}
