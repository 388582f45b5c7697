"""Who may see and act on an order, read from the Actor.

The buyer's and the provider's members (or their API tokens) read and act; the CAST staff of
the buyer's region read it and decide its disputes; nobody else learns it exists (404).
"""

from orders.models import Order
from organizations.selectors import Actor


def order_party_organization_id(*, actor: Actor, order: Order) -> int | None:
    for organization_id in order.party_ids:
        if organization_id in actor.organization_ids:
            return organization_id
    return None


def order_can_read(*, actor: Actor, order: Order) -> bool:
    return order_party_organization_id(actor=actor, order=order) is not None or (
        actor.can_review_region(order.region_id)
    )


def order_can_decide(*, actor: Actor, order: Order) -> bool:
    """Disputes are decided by the CAST staff of the buyer's region, or the platform's."""
    return actor.is_authenticated and actor.can_review_region(order.region_id)
