from django import template

from demand_analysis.models import ANALYSIS_OPEN
from demand_analysis.permissions import analysis_can_read
from demand_analysis.selectors import analysis_list_for_need, need_lacks_good_matches
from repositories.models import ListingKind
from repositories.permissions import listing_is_own

register = template.Library()


@register.inclusion_tag("demand_analysis/_need_box.html", takes_context=True)
def demand_analysis_offer(context, listing):
    """On a need's page, for its owner only: the need's analyses and, when it has gone
    DEMAND_ANALYSIS_OFFER_AFTER_DAYS without a good match and none is under way, the offer of
    one (from the region's CAST staff, or ordered from the catalogue). The repositories' page
    shows it without importing this app."""
    request = context.get("request")
    actor = getattr(request, "actor", None)
    if (
        actor is None
        or getattr(listing, "kind", None) != ListingKind.NEED
        or not listing_is_own(actor=actor, listing=listing)
    ):
        return {"show": False}
    analyses = list(analysis_list_for_need(actor=actor, need=listing))
    under_way = any(analysis.status in ANALYSIS_OPEN for analysis in analyses)
    offer = not under_way and need_lacks_good_matches(need=listing)
    return {
        "show": bool(analyses) or offer,
        "listing": listing,
        "analyses": analyses,
        "offer": offer,
    }


@register.inclusion_tag("demand_analysis/_order_link.html", takes_context=True)
def order_demand_analysis(context, order):
    """On a demand-analysis order's page: the analysis it is delivered as, for those who may
    read it. The orders' page shows it without importing this app."""
    request = context.get("request")
    actor = getattr(request, "actor", None)
    analysis = getattr(order, "demand_analysis", None) if actor is not None else None
    if analysis is None or not analysis_can_read(actor=actor, analysis=analysis):
        return {"analysis": None}
    return {"analysis": analysis}
