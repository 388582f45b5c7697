"""Who may see and act on an evaluation, read from the Actor: the order's rules.

The two parties' members (or their API tokens) and the CAST staff of the buyer's region read
it; the provider sets it up, scores and issues; the buyer (the achievement's owner) appeals;
nobody else learns it exists (404) until it is final, when its public summary is public.
"""

from evaluations.models import Evaluation
from orders.permissions import order_can_read, order_party_organization_id
from organizations.selectors import Actor


def evaluation_side(*, actor: Actor, evaluation: Evaluation) -> str | None:
    own = order_party_organization_id(actor=actor, order=evaluation.order)
    if own is None:
        return None
    return "buyer" if own == evaluation.order.buyer_id else "provider"


def evaluation_can_read(*, actor: Actor, evaluation: Evaluation) -> bool:
    return order_can_read(actor=actor, order=evaluation.order)


def evaluation_is_provider(*, actor: Actor, evaluation: Evaluation) -> bool:
    return evaluation.order.provider_id in actor.organization_ids


def evaluation_is_owner(*, actor: Actor, evaluation: Evaluation) -> bool:
    return evaluation.order.buyer_id in actor.organization_ids
