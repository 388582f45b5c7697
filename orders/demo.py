"""Demo service orders for `make run`, written by the team: demo enterprises order the demo
providers' services — directly at a fixed price, or after asking for quotes — over the past two
months, and the orders reach every status (awaiting acceptance, in progress, late, delivered,
sent back for revision, in dispute, completed and reviewed, cancelled by agreement, declined,
expired), plus one request for quotes still open. Two orders are worked in milestones: one in
progress with a milestone in each state (accepted, sent back, delivered, to be delivered), one
completed with all of them accepted. The CAST office of each buyer's region grants it an
innovation voucher, paid on orders: verified on the completed one, awaiting verification on one
in progress, returned when the cancelled one ended. Everything goes through the services, with
the clock set back for each step (core.demo.demo_clock)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from catalogue.models import OfferingStatus, PriceKind, ServiceOffering
from core.demo import demo_clock
from orders.models import Order, QuoteRequest, Voucher
from orders.selectors import vouchers_with_balance
from orders.services import (
    dispute_answer,
    milestone_save,
    milestone_step,
    order_place,
    order_transition,
    orders_keep_time,
    quote_accept,
    quote_request_create,
    quote_submit,
    redemption_decide,
    review_submit,
    voucher_apply,
    voucher_issue,
)
from orders.transitions import Action, MilestoneAction
from organizations.models import Organization
from organizations.selectors import actor_for, first_active_member

# (how far it goes, days ago it was ordered)
PLAN = [
    ("completed-reviewed", 55),
    ("completed-reviewed", 48),
    ("completed-late", 50),
    ("completed-auto", 30),
    ("revision", 25),
    ("disputed", 28),
    ("cancelled", 21),
    # Worked in milestones: one of each milestone state, and one completed with all accepted.
    ("milestones", 20),
    ("completed-milestones", 45),
    # Placed long ago and not delivered: past its due date, the timer records it late.
    ("late", 60),
    ("delivered", 8),
    ("in_progress", 6),
    ("declined", 9),
    ("expired", 5),
    ("awaiting", 0),
]
SCOPE = (
    "请按服务说明完成工作，并结合我司的技术需求给出结论与建议；所需资料我司将在接单后三日内提供。"
)
DELIVERY = "已按约定完成，报告与附表见附件说明。"
MILESTONES = (
    ("资料收集与现场调研", Decimal("0.3")),
    ("初步分析报告", Decimal("0.3")),
    ("专家论证", Decimal("0.2")),
    ("最终报告与答辩", Decimal("0.2")),
)
VOUCHER_AMOUNT = Decimal("50000")
REVIEWS = {
    "buyer": (5, "响应及时，报告专业，结论对我们的决策很有帮助。"),
    "provider": (4, "资料提供及时，沟通顺畅。"),
}


class _Walk:
    def __init__(self, *, buyer, provider, start, now, rng):
        self.buyer = actor_for(user=first_active_member(buyer))
        self.provider = actor_for(user=first_active_member(provider))
        self.when, self.now, self.rng = start, now, rng
        self.order = None

    def later(self, low, high):
        step = timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(1, 6))
        self.when = max(self.when, min(self.when + step, self.now - timedelta(hours=1)))
        return demo_clock(self.when)

    def step(self, actor, action, note=""):
        self.order = order_transition(actor=actor, order=self.order, action=action, note=note)

    def milestone(self, actor, milestone, action, note=""):
        return milestone_step(actor=actor, milestone=milestone, action=action, note=note)


class _Vouchers:
    """Each buyer's voucher from the CAST office of its region (or its province), issued before
    the first demo order; None where no demo office covers the buyer."""

    def __init__(self, *, buyers, when):
        self.held = {}
        for buyer in buyers:
            office = (
                Organization.objects.filter(
                    kind=Organization.Kind.CAST_OFFICE,
                    status=Organization.Status.VERIFIED,
                    region_id__in=[buyer.region_id, buyer.region.parent_id],
                )
                .order_by("-region__level", "id")
                .first()
            )
            staff = first_active_member(office) if office is not None else None
            if staff is None:
                continue
            actor = actor_for(user=staff)
            with demo_clock(when):
                voucher = voucher_issue(
                    actor=actor,
                    office=office,
                    holder=buyer,
                    amount=VOUCHER_AMOUNT,
                    valid_until=timezone.localdate() + timedelta(days=365),
                    note="科技型中小企业创新券（演示）",
                )
            self.held[buyer.pk] = (voucher, actor)

    def pay(self, walk, share=Decimal("0.5")):
        """The buyer pays `share` of its order with its voucher; the payment, or None."""
        voucher, _office = self.held.get(walk.order.buyer_id, (None, None))
        if voucher is None:
            return None
        left = vouchers_with_balance(Voucher.objects.filter(pk=voucher.pk)).get().balance
        amount = min((walk.order.price * share).quantize(Decimal("1"), ROUND_DOWN), left)
        if amount <= 0:
            return None
        return voucher_apply(actor=walk.buyer, order=walk.order, voucher=voucher, amount=amount)

    def decide(self, redemption, *, verify, note=""):
        if redemption is not None:
            _voucher, office = self.held[redemption.order.buyer_id]
            redemption_decide(actor=office, redemption=redemption, verify=verify, note=note)


def _plan(walk, count) -> list:
    """`count` milestones evenly spread before the order's due date, amounts within its price."""
    order = walk.order
    span = max((order.due_on - timezone.localdate()).days, count)
    return [
        milestone_save(
            actor=walk.buyer,
            order=order,
            title=title,
            due_on=order.due_on - timedelta(days=span * (count - 1 - index) // count),
            amount=(order.price * share).quantize(Decimal("1"), ROUND_DOWN),
        )
        for index, (title, share) in enumerate(MILESTONES[:count])
    ]


def _walk_milestones(target, walk, vouchers) -> Order:
    """An order worked in milestones: in every milestone state ("milestones"), or all accepted,
    delivered and completed, its voucher payment verified ("completed-milestones")."""
    with walk.later(0, 0):
        planned = _plan(walk, 4 if target == "milestones" else 2)
    with walk.later(0, 1):
        walk.step(walk.provider, Action.ACCEPT)
        paid = vouchers.pay(walk)
    D, A, B = MilestoneAction.DELIVER, MilestoneAction.ACCEPT, MilestoneAction.SEND_BACK
    if target == "milestones":
        first, second, third, _fourth = planned
        steps = [
            (walk.provider, first, D, "已完成资料收集，调研纪要见附件说明。"),
            (walk.buyer, first, A, ""),
            (walk.provider, second, D, "初步分析报告已提交。"),
            (walk.buyer, second, B, "请补充同类技术的国内外对比数据。"),
            (walk.provider, third, D, "专家论证意见已汇总。"),
        ]
    else:
        steps = [
            step
            for milestone in planned
            for step in (
                (walk.provider, milestone, D, f"{milestone.title}已完成。"),
                (walk.buyer, milestone, A, ""),
            )
        ]
    for actor, milestone, action, note in steps:
        with walk.later(1, 3):
            walk.milestone(actor, milestone, action, note)
    if target == "milestones":
        return walk.order
    with walk.later(1, 2):
        walk.step(walk.provider, Action.DELIVER, DELIVERY)
    with walk.later(1, 2):
        walk.step(walk.buyer, Action.COMPLETE)
    with walk.later(1, 3):
        vouchers.decide(paid, verify=True, note="服务合同、发票与验收材料齐全，予以核验。")
    return walk.order


def _fixed_offerings():
    return list(
        ServiceOffering.objects.filter(
            status=OfferingStatus.PUBLISHED, price_kind=PriceKind.FIXED
        ).order_by("id")
    )


def _walk(target, *, buyer, offering, start, now, rng, vouchers) -> Order | None:
    walk = _Walk(buyer=buyer, provider=offering.provider, start=start, now=now, rng=rng)
    with demo_clock(start):
        walk.order = order_place(
            actor=walk.buyer,
            buyer=buyer,
            offering=offering,
            scope=SCOPE,
            due_on=timezone.localdate() + timedelta(days=offering.lead_time_days + 5),
        )
    if target == "awaiting":
        return walk.order
    if target in ("milestones", "completed-milestones"):
        return _walk_milestones(target, walk, vouchers)
    if target == "expired":
        return walk.order  # left unaccepted past its window: the timer expires it below
    if target == "declined":
        with walk.later(0, 1):
            walk.step(walk.provider, Action.DECLINE, "本月排期已满，无法按期完成，抱歉。")
        return walk.order
    with walk.later(0, 1):
        walk.step(walk.provider, Action.ACCEPT)
    if target == "in_progress":
        with walk.later(0, 1):
            vouchers.pay(walk, share=Decimal("0.4"))  # awaiting the office's verification
    if target in ("in_progress", "late"):
        return walk.order  # a late one is recorded by the timer below
    if target == "cancelled":
        with walk.later(0, 1):
            vouchers.pay(walk, share=Decimal("0.3"))
        with walk.later(2, 5):
            walk.step(walk.buyer, Action.CANCEL, "需求调整，双方协商取消。")
            walk.step(walk.provider, Action.CANCEL, "同意取消。")  # the payment returns
        return walk.order
    if target == "disputed":
        with walk.later(8, 12):
            walk.step(walk.buyer, Action.OPEN_DISPUTE, "约定的现场调研至今未安排，进度明显滞后。")
        with walk.later(1, 3):
            dispute = walk.order.disputes.get()
            dispute_answer(
                actor=walk.provider,
                dispute=dispute,
                answer="因对方资料延迟提供，调研顺延；已发送新的排期。",
            )
        return walk.order
    with walk.later(5, 12):
        walk.step(walk.provider, Action.DELIVER, DELIVERY)
    if target == "delivered":
        return walk.order
    if target == "completed-auto":
        return walk.order  # the buyer does not check it: the timer completes it below
    if target == "revision":
        with walk.later(1, 3):
            walk.step(walk.buyer, Action.REQUEST_REVISION, "请补充竞品技术路线对比一节。")
        return walk.order
    with walk.later(1, 4):
        walk.step(walk.buyer, Action.COMPLETE)
    if target == "completed-reviewed":
        with walk.later(0, 2):
            for side, actor in (("buyer", walk.buyer), ("provider", walk.provider)):
                rating, comment = REVIEWS[side]
                review_submit(actor=actor, order=walk.order, rating=rating, comment=comment)
    return walk.order


def _quotes(*, buyer, now) -> None:
    """A request for quotes awarded to one of two providers, and one still open."""
    from_offerings = list(
        ServiceOffering.objects.filter(status=OfferingStatus.PUBLISHED)
        .exclude(price_kind=PriceKind.FIXED)
        .exclude(provider=buyer)
        .order_by("category_id", "id")
    )
    by_category = {}
    for offering in from_offerings:
        by_category.setdefault(offering.category_id, []).append(offering)
    category_offerings = next((group for group in by_category.values() if group), None)
    if not category_offerings:
        return
    first = category_offerings[0]
    buyer_actor = actor_for(user=first_active_member(buyer))
    for title, days_ago, award in (
        (f"{first.category.name}：锂电池回收产线项目", 35, True),
        (f"{first.category.name}：新产品立项前咨询", 3, False),
    ):
        with demo_clock(now - timedelta(days=days_ago)):
            request = quote_request_create(
                actor=buyer_actor,
                buyer=buyer,
                category=first.category,
                title=title,
                description="请说明服务方案、周期与报价，我司将在截止后一周内确定合作方。",
                quotes_due_at=timezone.now() + timedelta(days=10),
                budget=Decimal("30000"),
            )
        quoted = []
        for offset, offering in enumerate(category_offerings[:2]):
            with demo_clock(now - timedelta(days=days_ago - 1 - offset)):
                quoted.append(
                    quote_submit(
                        actor=actor_for(user=first_active_member(offering.provider)),
                        request=request,
                        provider=offering.provider,
                        offering=offering,
                        price=(offering.price_amount or Decimal("20000")) + 2000 * offset,
                        lead_time_days=offering.lead_time_days,
                        note="由高级工程师牵头，两周内提交初稿，一周内完成修改。",
                    )
                )
        if award:
            with demo_clock(now - timedelta(days=days_ago - 4)):
                quote_accept(actor=buyer_actor, quote=quoted[0])


def demo_orders_load() -> int:
    """Create the demo orders and vouchers once (nothing when orders, requests or vouchers
    exist); returns how many orders there are."""
    if Order.objects.exists() or QuoteRequest.objects.exists() or Voucher.objects.exists():
        return Order.objects.count()
    offerings = _fixed_offerings()
    buyers = [
        organization
        for organization in Organization.objects.filter(
            kind=Organization.Kind.ENTERPRISE, status=Organization.Status.VERIFIED
        ).order_by("id")
        if first_active_member(organization) is not None
    ]
    if not offerings or not buyers:
        return 0
    rng = random.Random(2026)
    now = timezone.now()
    with transaction.atomic():
        # The buyers the plan reaches (see below) hold one each.
        vouchers = _Vouchers(
            buyers=buyers[: len(PLAN) + 1],
            when=now - timedelta(days=max(days for _t, days in PLAN) + 5),
        )
    for index, (target, days_ago) in enumerate(PLAN):
        offering = offerings[index % len(offerings)]
        buyer = next(b for b in buyers[index:] + buyers if b.pk != offering.provider_id)
        start = now - timedelta(days=days_ago, hours=rng.randint(1, 8))
        with transaction.atomic():
            _walk(
                target,
                buyer=buyer,
                offering=offering,
                start=start,
                now=now,
                rng=rng,
                vouchers=vouchers,
            )
    with transaction.atomic():
        _quotes(buyer=buyers[0], now=now)
    # The timers, as beat would have run them: expiry, lateness, deliveries left unchecked.
    orders_keep_time()
    return Order.objects.count()
