"""Who may do what with a match, read from the Actor."""

from matching.models import Match
from organizations.selectors import Actor
from taxonomy.models import Region


def match_party_organization_id(*, actor: Actor, match: Match) -> int | None:
    """The actor's organization on either side of the match, or None."""
    for organization_id in (match.need.organization_id, match.supply_organization.pk):
        if organization_id in actor.organization_ids:
            return organization_id
    return None


def match_region_can_review(*, actor: Actor, region_id: int) -> bool:
    """The matches of a region's needs are reviewed by the CAST staff who cover it."""
    return actor.can_review_region(region_id)


def match_can_review(*, actor: Actor, match: Match) -> bool:
    """The CAST staff of the need's region (the region it was proposed in)."""
    return match_region_can_review(actor=actor, region_id=match.region_id)


def match_can_answer(*, actor: Actor, match: Match) -> bool:
    """Either side, once the match is approved and pushed."""
    return (
        match.status == Match.Status.APPROVED
        and match_party_organization_id(actor=actor, match=match) is not None
    )


def region_can_set_auto_approval(*, actor: Actor, region: Region) -> bool:
    return actor.can_review_region(region.pk)
