"""Who may see and act on a demand analysis, read from the Actor.

- The need's owner (its members or its API token) reads the analyses of its need, asks for one,
  and accepts or declines a submitted one.
- The analyst writes it while it is requested or a draft: the provider of the service order it
  belongs to (while the order is under way), the invited expert service team, or, for one asked
  of the CAST staff, the staff of the need's region.
- The CAST staff of the need's region read every analysis of their region.
Nobody else learns an analysis exists (404).
"""

from demand_analysis.models import AnalysisSource, DemandAnalysis
from orders.models import ORDER_ACTIVE
from organizations.selectors import Actor


def analysis_is_owner(*, actor: Actor, analysis: DemandAnalysis) -> bool:
    return analysis.need.organization_id in actor.organization_ids


def analysis_is_analyst(*, actor: Actor, analysis: DemandAnalysis) -> bool:
    """The actor writes (or wrote) it in its organization's name, or is the region's staff
    for one asked of the CAST staff."""
    if analysis.source == AnalysisSource.CAST_STAFF:
        return actor.is_authenticated and actor.can_review_region(analysis.region_id)
    return analysis.analyst_id is not None and analysis.analyst_id in actor.organization_ids


def analysis_can_read(*, actor: Actor, analysis: DemandAnalysis) -> bool:
    return (
        analysis_is_owner(actor=actor, analysis=analysis)
        or analysis_is_analyst(actor=actor, analysis=analysis)
        or (actor.is_authenticated and actor.can_review_region(analysis.region_id))
    )


def analysis_can_write(*, actor: Actor, analysis: DemandAnalysis) -> bool:
    """The analyst, while the analysis is requested or a draft (and, for an order's, while the
    order is under way)."""
    if not analysis.is_writable or not analysis_is_analyst(actor=actor, analysis=analysis):
        return False
    if analysis.source == AnalysisSource.ORDER:
        return analysis.order is not None and analysis.order.status in ORDER_ACTIVE
    return True


def analysis_can_decide(*, actor: Actor, analysis: DemandAnalysis) -> bool:
    """The need's owner decides a submitted analysis."""
    return (
        analysis.status == "submitted"
        and analysis_is_owner(actor=actor, analysis=analysis)
        and analysis.need.status != "closed"
    )
