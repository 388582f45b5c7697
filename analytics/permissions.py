"""Who sees which statistics, read from the Actor.

Anyone sees the public figures (aggregates only, small cells hidden). The CAST staff see the
full figures of the regions they review (a province's office its cities too, a city's office
its city), platform administrators those of every region.
"""

from organizations.selectors import Actor


def statistics_can_see_full(*, actor: Actor) -> bool:
    return actor.is_staff_reviewer


def statistics_full_region_ids(*, actor: Actor) -> frozenset[int] | None:
    """The regions whose full figures the actor may see; None: all of them."""
    if actor.is_superuser:
        return None
    return actor.review_region_ids
