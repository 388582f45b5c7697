"""An order's milestones: the plan either party edits before any is delivered (the amounts
within the price, each due by the order's date), the milestones' table tried by every role in
every milestone status, the order delivered as a whole only once each is accepted, and what
is recorded (history, outcome events, notifications, webhooks)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from notifications.models import Notification
from orders.models import Delivery, Order, OrderHistory, OrderMilestone, OrderStatus
from orders.selectors import milestone_available_actions
from orders.services import milestone_delete, milestone_save, milestone_step, order_transition
from orders.transitions import MILESTONE_TRANSITIONS, MilestoneAction, Who
from outcomes.models import OutcomeEvent
from tests.orders.conftest import act
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

M = OrderMilestone.Status
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Written out by hand: (milestone status, action) → who may, where it goes.
EXPECTED = {
    (M.PENDING, MilestoneAction.DELIVER): ("provider", M.DELIVERED),
    (M.SENT_BACK, MilestoneAction.DELIVER): ("provider", M.DELIVERED),
    (M.DELIVERED, MilestoneAction.ACCEPT): ("buyer", M.ACCEPTED),
    (M.DELIVERED, MilestoneAction.SEND_BACK): ("buyer", M.SENT_BACK),
}
ROLES = ["buyer", "provider", "rival", "staff", "system"]


def day(days):
    return timezone.localdate() + timedelta(days=days)


def plan(market, order, *amounts, user=None):
    return [
        milestone_save(
            actor=act(user or market.buyer_user),
            order=order,
            title=f"第{number}阶段",
            due_on=day(5 * number),
            amount=None if amount is None else Decimal(amount),
        )
        for number, amount in enumerate(amounts, start=1)
    ]


def actor_of(market, role):
    return {
        "buyer": lambda: act(market.buyer_user),
        "provider": lambda: act(market.agency_user),
        "rival": lambda: act(market.rival_user),
        "staff": lambda: act(market.staff),
        "system": lambda: None,
    }[role]()


def test_the_table_is_as_written():
    assert {key: (step.who.value, step.to) for key, step in MILESTONE_TRANSITIONS.items()} == {
        key: value for key, value in EXPECTED.items()
    }
    assert all(step.who in (Who.BUYER, Who.PROVIDER) for step in MILESTONE_TRANSITIONS.values())


@pytest.mark.parametrize("status", list(M.values))
@pytest.mark.parametrize("action", list(MilestoneAction))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_in_every_milestone_status(market, in_progress, status, action, role):
    (milestone,) = plan(market, in_progress, "3000")
    OrderMilestone.objects.filter(pk=milestone.pk).update(status=status)
    expected = EXPECTED.get((status, action))
    events = OutcomeEvent.objects.count()
    if expected is not None and expected[0] == role:
        moved = milestone_step(
            actor=actor_of(market, role), milestone=milestone, action=action, note="说明"
        )
        assert moved.status == expected[1]
        assert OutcomeEvent.objects.count() == events + 1
        return
    with pytest.raises((PermissionDenied, ValidationError)) as refused:
        milestone_step(
            actor=actor_of(market, role), milestone=milestone, action=action, note="说明"
        )
    if expected is None:
        # Out of turn: a field error on "status", in Chinese, naming the milestone's status.
        assert isinstance(refused.value, ValidationError)
        assert "status" in refused.value.message_dict
        assert str(M(status).label) in refused.value.message_dict["status"][0]
    else:
        assert isinstance(refused.value, PermissionDenied)
    milestone.refresh_from_db()
    assert milestone.status == status
    assert OutcomeEvent.objects.count() == events


@pytest.mark.parametrize(
    "status", [OrderStatus.AWAITING_ACCEPTANCE, OrderStatus.DELIVERED, OrderStatus.COMPLETED]
)
def test_milestones_move_only_while_the_work_is_under_way(market, order, status):
    (milestone,) = plan(market, order, None)
    Order.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(ValidationError) as refused:
        milestone_step(
            actor=act(market.agency_user),
            milestone=milestone,
            action=MilestoneAction.DELIVER,
            note="初稿",
        )
    assert "进行中" in refused.value.message_dict["status"][0]


def test_a_milestone_walked_through_with_its_record(market, in_progress):
    endpoint = WebhookEndpoint.objects.create(
        organization=market.buyer,
        url="https://erp.example.cn/hook",
        secret="s",
        events=[WebhookEvent.ORDER_MILESTONE_UPDATED],
    )
    first, second = plan(market, in_progress, "3000", "5000", user=market.agency_user)
    delivered = milestone_step(
        actor=act(market.agency_user),
        milestone=first,
        action=MilestoneAction.DELIVER,
        note="调研报告",
        files=[SimpleUploadedFile("调研报告.pdf", PDF, content_type="application/pdf")],
    )
    assert delivered.status == M.DELIVERED and delivered.delivered_at is not None
    delivery = Delivery.objects.get(milestone=first)
    assert delivery.order_id == in_progress.pk and delivery.files.count() == 1
    back = milestone_step(
        actor=act(market.buyer_user),
        milestone=first,
        action=MilestoneAction.SEND_BACK,
        note="缺少样品检测数据",
    )
    assert back.status == M.SENT_BACK and back.sent_back_note == "缺少样品检测数据"
    again = milestone_step(
        actor=act(market.agency_user),
        milestone=first,
        action=MilestoneAction.DELIVER,
        note="补充了检测数据",
    )
    assert again.status == M.DELIVERED
    accepted = milestone_step(
        actor=act(market.buyer_user), milestone=first, action=MilestoneAction.ACCEPT
    )
    assert accepted.status == M.ACCEPTED and accepted.accepted_by == market.buyer_user
    events = list(
        OutcomeEvent.objects.filter(name__startswith="order.milestone_").values_list(
            "name", "organization_id", "amount"
        )
    )
    assert events == [
        ("order.milestone_delivered", market.agency.pk, Decimal("3000")),
        ("order.milestone_sent_back", market.buyer.pk, Decimal("3000")),
        ("order.milestone_delivered", market.agency.pk, Decimal("3000")),
        ("order.milestone_accepted", market.buyer.pk, Decimal("3000")),
    ]
    accepted_event = OutcomeEvent.objects.get(name="order.milestone_accepted")
    assert accepted_event.data["provider"] == market.agency.pk
    assert accepted_event.data["milestone"] == first.pk
    actions = list(
        OrderHistory.objects.filter(order=in_progress, action__startswith="milestone_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "milestone_planned",
        "milestone_planned",
        "milestone_deliver",
        "milestone_send_back",
        "milestone_deliver",
        "milestone_accept",
    ]
    # The other side is told: the buyer of the plan edits and deliveries, the provider of the
    # buyer's decisions.
    buyer_told = Notification.objects.filter(user=market.buyer_user)
    assert buyer_told.filter(title__contains="第1阶段").count() == 2  # two deliveries
    assert buyer_told.filter(body__in=["第1阶段", "第2阶段"]).count() == 2  # the plan
    assert (
        Notification.objects.filter(user=market.agency_user, title__contains="第1阶段").count() == 2
    )
    hooks = WebhookDelivery.objects.filter(endpoint=endpoint, event="order.milestone_updated")
    assert hooks.count() == 4
    assert {hook.payload["milestone"]["id"] for hook in hooks} == {first.pk, second.pk}
    assert second.status == M.PENDING


def test_the_whole_order_is_delivered_once_every_milestone_is_accepted(market, in_progress):
    first, second = plan(market, in_progress, "3000", None)
    for milestone in (first,):
        milestone_step(
            actor=act(market.agency_user),
            milestone=milestone,
            action=MilestoneAction.DELIVER,
            note="交付",
        )
        milestone_step(
            actor=act(market.buyer_user), milestone=milestone, action=MilestoneAction.ACCEPT
        )
    with pytest.raises(ValidationError) as refused:
        order_transition(
            actor=act(market.agency_user), order=in_progress, action="deliver", note="全部交付"
        )
    message = refused.value.message_dict["status"][0]
    assert "第2阶段" in message and "第1阶段" not in message
    in_progress.refresh_from_db()
    assert in_progress.status == OrderStatus.IN_PROGRESS
    assert not Delivery.objects.filter(order=in_progress, milestone=None).exists()
    milestone_step(
        actor=act(market.agency_user), milestone=second, action=MilestoneAction.DELIVER, note="交付"
    )
    milestone_step(actor=act(market.buyer_user), milestone=second, action=MilestoneAction.ACCEPT)
    done = order_transition(
        actor=act(market.agency_user), order=in_progress, action="deliver", note="全部交付"
    )
    assert done.status == OrderStatus.DELIVERED


def test_an_order_without_milestones_is_delivered_as_before(market, in_progress):
    done = order_transition(
        actor=act(market.agency_user), order=in_progress, action="deliver", note="交付"
    )
    assert done.status == OrderStatus.DELIVERED


# --- the plan ------------------------------------------------------------------------------


def test_either_party_plans_and_nobody_else(market, order):
    plan(market, order, "1000", user=market.buyer_user)
    plan(market, order, "1000", user=market.agency_user)
    assert order.milestones.count() == 2
    assert list(order.milestones.values_list("position", flat=True)) == [1, 2]
    for outsider in (market.rival_user, market.staff):
        with pytest.raises(PermissionDenied):
            plan(market, order, "1000", user=outsider)
    assert order.milestones.count() == 2


def test_the_amounts_stay_within_the_price(market, order):
    # The offering's price is 8,000 yuan.
    first, second = plan(market, order, "5000", "3000")
    with pytest.raises(ValidationError) as refused:
        milestone_save(
            actor=act(market.buyer_user),
            order=order,
            title="第3阶段",
            due_on=day(20),
            amount=Decimal("0.01"),
        )
    message = refused.value.message_dict["amount"][0]
    assert "8,000.01" in message and "8,000.00" in message
    with pytest.raises(ValidationError) as refused:
        milestone_save(
            actor=act(market.agency_user), order=order, milestone=second, amount=Decimal("3500")
        )
    assert "amount" in refused.value.message_dict
    second.refresh_from_db()
    assert second.amount == Decimal("3000")
    assert order.milestones.count() == 2
    # Changing one within the price is fine, its own old amount not counted twice.
    assert milestone_save(
        actor=act(market.agency_user), order=order, milestone=second, amount=Decimal("2500")
    ).amount == Decimal("2500")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "  ", "due_on": 5}, "title"),
        ({"title": "阶段", "due_on": -1}, "due_on"),
        ({"title": "阶段", "due_on": 31}, "due_on"),
        ({"title": "阶段", "due_on": None}, "due_on"),
        ({"title": "阶段", "due_on": 5, "amount": Decimal("-1")}, "amount"),
    ],
)
def test_bad_milestones_name_the_field(market, order, values, field):
    # Days from today, made dates when the test runs (the order is due in 30 days from then).
    if values["due_on"] is not None:
        values = {**values, "due_on": day(values["due_on"])}
    with pytest.raises(ValidationError) as refused:
        milestone_save(actor=act(market.buyer_user), order=order, **values)
    assert field in refused.value.message_dict
    assert not order.milestones.exists()


def test_the_plan_is_fixed_once_a_milestone_is_delivered(market, in_progress):
    first, second = plan(market, in_progress, "1000", "1000")
    milestone_step(
        actor=act(market.agency_user), milestone=first, action=MilestoneAction.DELIVER, note="交付"
    )
    with pytest.raises(ValidationError) as refused:
        plan(market, in_progress, "1000")
    assert "title" in refused.value.message_dict
    with pytest.raises(ValidationError):
        milestone_save(
            actor=act(market.buyer_user), order=in_progress, milestone=second, title="改"
        )
    with pytest.raises(ValidationError):
        milestone_delete(actor=act(market.buyer_user), milestone=second)
    assert in_progress.milestones.count() == 2


@pytest.mark.parametrize("status", [OrderStatus.DELIVERED, OrderStatus.CANCELLED])
def test_the_plan_is_fixed_once_the_order_is_past_its_work(market, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(ValidationError) as refused:
        plan(market, order, "1000")
    assert "title" in refused.value.message_dict


def test_a_milestone_is_removed_from_the_plan(market, order):
    (milestone,) = plan(market, order, "1000")
    milestone_delete(actor=act(market.agency_user), milestone=milestone)
    assert not order.milestones.exists()
    assert OrderHistory.objects.filter(order=order, action="milestone_removed").exists()


def test_the_plan_has_a_limit(market, order, settings):
    settings.ORDER_MAX_MILESTONES = 2
    plan(market, order, None, None)
    with pytest.raises(ValidationError) as refused:
        plan(market, order, None)
    assert "2" in refused.value.message_dict["title"][0]


def test_each_side_sees_its_own_milestone_steps(market, in_progress):
    (milestone,) = plan(market, in_progress, None)
    assert milestone_available_actions(
        actor=act(market.agency_user), order=in_progress, milestone=milestone
    ) == [MilestoneAction.DELIVER]
    assert (
        milestone_available_actions(
            actor=act(market.buyer_user), order=in_progress, milestone=milestone
        )
        == []
    )
    milestone_step(
        actor=act(market.agency_user),
        milestone=milestone,
        action=MilestoneAction.DELIVER,
        note="交付",
    )
    milestone.refresh_from_db()
    assert milestone_available_actions(
        actor=act(market.buyer_user), order=in_progress, milestone=milestone
    ) == [MilestoneAction.ACCEPT, MilestoneAction.SEND_BACK]
    assert (
        milestone_available_actions(actor=act(market.staff), order=in_progress, milestone=milestone)
        == []
    )


def test_a_milestone_is_sent_back_with_a_reason(market, in_progress):
    (milestone,) = plan(market, in_progress, None)
    milestone_step(
        actor=act(market.agency_user),
        milestone=milestone,
        action=MilestoneAction.DELIVER,
        note="交付",
    )
    with pytest.raises(ValidationError) as refused:
        milestone_step(
            actor=act(market.buyer_user), milestone=milestone, action=MilestoneAction.SEND_BACK
        )
    assert "note" in refused.value.message_dict
    milestone.refresh_from_db()
    assert milestone.status == M.DELIVERED
