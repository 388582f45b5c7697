"""The order's state machine as data: (status, action) → (next status, who may, checks), and
its milestones' beside it.

orders.services.order_transition is the only code that moves an order (milestone_step the only
one that moves a milestone); it looks the step up here, checks who acts, runs the checks, then
writes the status, a history row and an outcome event in one transaction and tells the other
party.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.models import Order, OrderMilestone, OrderStatus


class Who(Enum):
    BUYER = "buyer"
    PROVIDER = "provider"
    PARTY = "party"  # either side
    STAFF = "staff"  # the CAST staff of the buyer's region (or the platform's administrators)
    SYSTEM = "system"  # a timer


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    DELIVER = "deliver"
    REQUEST_REVISION = "request_revision"
    COMPLETE = "complete"
    AUTO_COMPLETE = "auto_complete"
    CANCEL = "cancel"
    OPEN_DISPUTE = "open_dispute"
    WITHDRAW_DISPUTE = "withdraw_dispute"
    DECIDE_FOR_BUYER = "decide_for_buyer"
    DECIDE_FOR_PROVIDER = "decide_for_provider"


ACTION_LABELS = {
    Action.ACCEPT: gettext_lazy("Accept the order"),
    Action.DECLINE: gettext_lazy("Decline the order"),
    Action.WITHDRAW: gettext_lazy("Withdraw the order"),
    Action.EXPIRE: gettext_lazy("Expire"),
    Action.DELIVER: gettext_lazy("Deliver"),
    Action.REQUEST_REVISION: gettext_lazy("Ask for a revision"),
    Action.COMPLETE: gettext_lazy("Accept the delivery and complete"),
    Action.AUTO_COMPLETE: gettext_lazy("Complete automatically"),
    Action.CANCEL: gettext_lazy("Cancel by agreement"),
    Action.OPEN_DISPUTE: gettext_lazy("Open a dispute"),
    Action.WITHDRAW_DISPUTE: gettext_lazy("Withdraw the dispute"),
    Action.DECIDE_FOR_BUYER: gettext_lazy("Decide for the buyer"),
    Action.DECIDE_FOR_PROVIDER: gettext_lazy("Decide for the provider"),
}

# `to` of the step that returns an order to where it was before the dispute.
PREVIOUS_STATUS = "previous"


def _acceptance_window_over(order: Order) -> dict:
    if order.accept_by > timezone.now():
        return {"status": _("The provider still has time to accept.")}
    return {}


def _review_window_over(order: Order) -> dict:
    if (
        order.delivered_at is None
        or (timezone.now() - order.delivered_at).days < settings.ORDER_AUTO_COMPLETE_DAYS
    ):
        return {"status": _("The buyer still has time to check the delivery.")}
    return {}


def _milestones_accepted(order: Order) -> dict:
    """An order planned in milestones is delivered as a whole once each is accepted."""
    open_titles = list(
        order.milestones.exclude(status=OrderMilestone.Status.ACCEPTED).values_list(
            "title", flat=True
        )
    )
    if open_titles:
        return {
            "status": _(
                "Every milestone must be accepted by the buyer before the whole order is "
                "delivered; not accepted yet: %(titles)s."
            )
            % {"titles": "、".join(open_titles)}
        }
    return {}


@dataclass(frozen=True)
class Step:
    to: str
    who: Who
    event: str
    both: bool = False
    checks: tuple = ()
    needs_note: bool = False


_CANCEL = Step(OrderStatus.CANCELLED, Who.PARTY, "order.cancelled", both=True)
_DISPUTE = Step(OrderStatus.DISPUTED, Who.PARTY, "order.disputed", needs_note=True)

TRANSITIONS: dict[tuple[str, Action], Step] = {
    (OrderStatus.AWAITING_ACCEPTANCE, Action.ACCEPT): Step(
        OrderStatus.IN_PROGRESS, Who.PROVIDER, "order.accepted"
    ),
    (OrderStatus.AWAITING_ACCEPTANCE, Action.DECLINE): Step(
        OrderStatus.DECLINED, Who.PROVIDER, "order.declined", needs_note=True
    ),
    (OrderStatus.AWAITING_ACCEPTANCE, Action.WITHDRAW): Step(
        OrderStatus.CANCELLED, Who.BUYER, "order.cancelled"
    ),
    (OrderStatus.AWAITING_ACCEPTANCE, Action.EXPIRE): Step(
        OrderStatus.EXPIRED, Who.SYSTEM, "order.expired", checks=(_acceptance_window_over,)
    ),
    (OrderStatus.IN_PROGRESS, Action.DELIVER): Step(
        OrderStatus.DELIVERED, Who.PROVIDER, "order.delivered", checks=(_milestones_accepted,)
    ),
    (OrderStatus.IN_PROGRESS, Action.CANCEL): _CANCEL,
    (OrderStatus.IN_PROGRESS, Action.OPEN_DISPUTE): _DISPUTE,
    (OrderStatus.DELIVERED, Action.REQUEST_REVISION): Step(
        OrderStatus.REVISION_REQUESTED, Who.BUYER, "order.revision_requested", needs_note=True
    ),
    (OrderStatus.DELIVERED, Action.COMPLETE): Step(
        OrderStatus.COMPLETED, Who.BUYER, "order.completed"
    ),
    (OrderStatus.DELIVERED, Action.AUTO_COMPLETE): Step(
        OrderStatus.COMPLETED, Who.SYSTEM, "order.completed", checks=(_review_window_over,)
    ),
    (OrderStatus.DELIVERED, Action.CANCEL): _CANCEL,
    (OrderStatus.DELIVERED, Action.OPEN_DISPUTE): _DISPUTE,
    (OrderStatus.REVISION_REQUESTED, Action.DELIVER): Step(
        OrderStatus.DELIVERED, Who.PROVIDER, "order.delivered", checks=(_milestones_accepted,)
    ),
    (OrderStatus.REVISION_REQUESTED, Action.CANCEL): _CANCEL,
    (OrderStatus.REVISION_REQUESTED, Action.OPEN_DISPUTE): _DISPUTE,
    (OrderStatus.DISPUTED, Action.WITHDRAW_DISPUTE): Step(
        PREVIOUS_STATUS, Who.PARTY, "order.dispute_withdrawn"
    ),
    (OrderStatus.DISPUTED, Action.DECIDE_FOR_BUYER): Step(
        OrderStatus.CANCELLED, Who.STAFF, "order.dispute_decided", needs_note=True
    ),
    (OrderStatus.DISPUTED, Action.DECIDE_FOR_PROVIDER): Step(
        OrderStatus.COMPLETED, Who.STAFF, "order.dispute_decided", needs_note=True
    ),
}


def step_for(status: str, action: str) -> Step | None:
    try:
        return TRANSITIONS.get((status, Action(action)))
    except ValueError:
        return None


# --- milestones ----------------------------------------------------------------------------

M = OrderMilestone.Status


class MilestoneAction(StrEnum):
    DELIVER = "deliver"
    ACCEPT = "accept"
    SEND_BACK = "send_back"


MILESTONE_ACTION_LABELS = {
    MilestoneAction.DELIVER: gettext_lazy("Deliver the milestone"),
    MilestoneAction.ACCEPT: gettext_lazy("Accept the milestone"),
    MilestoneAction.SEND_BACK: gettext_lazy("Send the milestone back"),
}

# The order's statuses in which its milestones are delivered and accepted: the work is under
# way (a revision asked of the whole delivery included).
MILESTONE_WORK_STATUSES = frozenset({OrderStatus.IN_PROGRESS, OrderStatus.REVISION_REQUESTED})
# The statuses in which the parties plan the milestones (before any is delivered).
MILESTONE_PLAN_STATUSES = frozenset({OrderStatus.AWAITING_ACCEPTANCE, OrderStatus.IN_PROGRESS})


@dataclass(frozen=True)
class MilestoneStep:
    to: str
    who: Who
    event: str
    needs_note: bool = False


_DELIVER_MILESTONE = MilestoneStep(
    M.DELIVERED, Who.PROVIDER, "order.milestone_delivered", needs_note=True
)

MILESTONE_TRANSITIONS: dict[tuple[str, MilestoneAction], MilestoneStep] = {
    (M.PENDING, MilestoneAction.DELIVER): _DELIVER_MILESTONE,
    (M.SENT_BACK, MilestoneAction.DELIVER): _DELIVER_MILESTONE,
    (M.DELIVERED, MilestoneAction.ACCEPT): MilestoneStep(
        M.ACCEPTED, Who.BUYER, "order.milestone_accepted"
    ),
    (M.DELIVERED, MilestoneAction.SEND_BACK): MilestoneStep(
        M.SENT_BACK, Who.BUYER, "order.milestone_sent_back", needs_note=True
    ),
}


def milestone_step_for(status: str, action: str) -> MilestoneStep | None:
    try:
        return MILESTONE_TRANSITIONS.get((status, MilestoneAction(action)))
    except ValueError:
        return None
