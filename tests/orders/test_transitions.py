"""The order's table, tried by every role in every status: allowed steps move the order (or wait
for the other side's agreement), every other step is refused, and nothing changes."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from orders.models import Dispute, Order, OrderHistory, OrderStatus
from orders.services import order_transition
from orders.transitions import Action
from outcomes.models import OutcomeEvent
from tests.orders.conftest import act

S = OrderStatus
# Written out by hand: (status, action) → who may, where it goes, whether both must agree.
EXPECTED = {
    (S.AWAITING_ACCEPTANCE, Action.ACCEPT): ("provider", S.IN_PROGRESS, False),
    (S.AWAITING_ACCEPTANCE, Action.DECLINE): ("provider", S.DECLINED, False),
    (S.AWAITING_ACCEPTANCE, Action.WITHDRAW): ("buyer", S.CANCELLED, False),
    (S.AWAITING_ACCEPTANCE, Action.EXPIRE): ("system", S.EXPIRED, False),
    (S.IN_PROGRESS, Action.DELIVER): ("provider", S.DELIVERED, False),
    (S.IN_PROGRESS, Action.CANCEL): ("party", S.CANCELLED, True),
    (S.IN_PROGRESS, Action.OPEN_DISPUTE): ("party", S.DISPUTED, False),
    (S.DELIVERED, Action.REQUEST_REVISION): ("buyer", S.REVISION_REQUESTED, False),
    (S.DELIVERED, Action.COMPLETE): ("buyer", S.COMPLETED, False),
    (S.DELIVERED, Action.AUTO_COMPLETE): ("system", S.COMPLETED, False),
    (S.DELIVERED, Action.CANCEL): ("party", S.CANCELLED, True),
    (S.DELIVERED, Action.OPEN_DISPUTE): ("party", S.DISPUTED, False),
    (S.REVISION_REQUESTED, Action.DELIVER): ("provider", S.DELIVERED, False),
    (S.REVISION_REQUESTED, Action.CANCEL): ("party", S.CANCELLED, True),
    (S.REVISION_REQUESTED, Action.OPEN_DISPUTE): ("party", S.DISPUTED, False),
    # Only the side that opened the dispute (the buyer, below) withdraws it.
    (S.DISPUTED, Action.WITHDRAW_DISPUTE): ("buyer", S.IN_PROGRESS, False),
    (S.DISPUTED, Action.DECIDE_FOR_BUYER): ("staff", S.CANCELLED, False),
    (S.DISPUTED, Action.DECIDE_FOR_PROVIDER): ("staff", S.COMPLETED, False),
}
ROLES = ["buyer", "provider", "rival", "staff", "far_staff", "system"]


def put_at(order: Order, status: str) -> Order:
    """An order in a status with what it implies: the acceptance window and the buyer's
    check of a delivery over, an open dispute opened by the buyer."""
    long_ago = timezone.now() - timedelta(days=10)
    Order.objects.filter(pk=order.pk).update(
        status=status,
        accept_by=long_ago,
        delivered_at=long_ago if status == S.DELIVERED else None,
        status_before_dispute=S.IN_PROGRESS if status == S.DISPUTED else "",
    )
    if status == S.DISPUTED:
        Dispute.objects.create(
            order=order,
            opened_by=order.buyer,
            statement="交付物与约定不符",
            answer_due_on=timezone.localdate() + timedelta(days=7),
        )
    order.refresh_from_db()
    return order


def _actor(market, role):
    users = {
        "buyer": market.buyer_user,
        "provider": market.agency_user,
        "rival": market.rival_user,
        "staff": market.staff,
        "far_staff": market.far_staff,
    }
    return None if role == "system" else act(users[role])


def _allowed(who, role):
    return who == role or (who == "party" and role in ("buyer", "provider"))


@pytest.mark.parametrize(
    "status,action,role",
    [(status, action, role) for status in S.values for action in Action for role in ROLES],
)
def test_every_role_in_every_status(market, order, status, action, role):
    order = put_at(order, status)
    expected = EXPECTED.get((status, action))
    events = OutcomeEvent.objects.filter(subject_type="order").count()
    history = OrderHistory.objects.filter(order=order).count()
    run = {"actor": _actor(market, role), "order": order, "action": action, "note": "说明情况"}
    if expected is None:
        with pytest.raises(ValidationError) as refused:
            order_transition(**run)
        assert "status" in refused.value.message_dict
    elif not _allowed(expected[0], role):
        with pytest.raises(PermissionDenied):
            order_transition(**run)
    else:
        _who, to, both = expected
        moved = order_transition(**run)
        if both:
            assert moved.status == status  # waits for the other side's agreement
            other = "provider" if role == "buyer" else "buyer"
            moved = order_transition(**{**run, "actor": _actor(market, other)})
        assert Order.objects.get(pk=order.pk).status == to
        steps = 2 if both else 1
        assert OrderHistory.objects.filter(order=order).count() == history + steps
        assert OutcomeEvent.objects.filter(subject_type="order").count() == events + steps
        return
    assert Order.objects.get(pk=order.pk).status == status
    assert OrderHistory.objects.filter(order=order).count() == history
    assert OutcomeEvent.objects.filter(subject_type="order").count() == events
