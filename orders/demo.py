"""Demo service orders for `make run`, written by the team: demo enterprises order the demo
providers' services — directly at a fixed price, or after asking for quotes — over the past two
months, and the orders reach every status (awaiting acceptance, in progress, late, delivered,
sent back for revision, in dispute, completed and reviewed, cancelled by agreement, declined,
expired), plus one request for quotes still open. Everything goes through the services, with
the clock set back for each step (core.demo.demo_clock)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalogue.models import OfferingStatus, PriceKind, ServiceOffering
from core.demo import demo_clock
from orders.models import Order, QuoteRequest
from orders.services import (
    dispute_answer,
    order_place,
    order_transition,
    orders_keep_time,
    quote_accept,
    quote_request_create,
    quote_submit,
    review_submit,
)
from orders.transitions import Action
from organizations.models import Membership, Organization
from organizations.selectors import actor_for

# (how far it goes, days ago it was ordered)
PLAN = [
    ("completed-reviewed", 55),
    ("completed-reviewed", 48),
    ("completed-late", 50),
    ("completed-auto", 30),
    ("revision", 25),
    ("disputed", 28),
    ("cancelled", 21),
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
REVIEWS = {
    "buyer": (5, "响应及时，报告专业，结论对我们的决策很有帮助。"),
    "provider": (4, "资料提供及时，沟通顺畅。"),
}


def _member(organization):
    membership = (
        Membership.objects.filter(organization=organization, status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("role", "id")
        .first()
    )
    return membership.user if membership else None


class _Walk:
    def __init__(self, *, buyer, provider, start, now, rng):
        self.buyer = actor_for(user=_member(buyer))
        self.provider = actor_for(user=_member(provider))
        self.when, self.now, self.rng = start, now, rng
        self.order = None

    def later(self, low, high):
        step = timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(1, 6))
        self.when = max(self.when, min(self.when + step, self.now - timedelta(hours=1)))
        return demo_clock(self.when)

    def step(self, actor, action, note=""):
        self.order = order_transition(actor=actor, order=self.order, action=action, note=note)


def _fixed_offerings():
    return list(
        ServiceOffering.objects.filter(
            status=OfferingStatus.PUBLISHED, price_kind=PriceKind.FIXED
        ).order_by("id")
    )


def _walk(target, *, buyer, offering, start, now, rng) -> Order | None:
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
    if target == "expired":
        return walk.order  # left unaccepted past its window: the timer expires it below
    if target == "declined":
        with walk.later(0, 1):
            walk.step(walk.provider, Action.DECLINE, "本月排期已满，无法按期完成，抱歉。")
        return walk.order
    with walk.later(0, 1):
        walk.step(walk.provider, Action.ACCEPT)
    if target in ("in_progress", "late"):
        return walk.order  # a late one is recorded by the timer below
    if target == "cancelled":
        with walk.later(2, 5):
            walk.step(walk.buyer, Action.CANCEL, "需求调整，双方协商取消。")
            walk.step(walk.provider, Action.CANCEL, "同意取消。")
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
    buyer_actor = actor_for(user=_member(buyer))
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
                        actor=actor_for(user=_member(offering.provider)),
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
    """Create the demo orders once (nothing when orders or requests exist); returns how many
    orders there are."""
    if Order.objects.exists() or QuoteRequest.objects.exists():
        return Order.objects.count()
    offerings = _fixed_offerings()
    buyers = [
        organization
        for organization in Organization.objects.filter(
            kind=Organization.Kind.ENTERPRISE, status=Organization.Status.VERIFIED
        ).order_by("id")
        if _member(organization) is not None
    ]
    if not offerings or not buyers:
        return 0
    rng = random.Random(2026)
    now = timezone.now()
    for index, (target, days_ago) in enumerate(PLAN):
        offering = offerings[index % len(offerings)]
        buyer = next(b for b in buyers[index:] + buyers if b.pk != offering.provider_id)
        start = now - timedelta(days=days_ago, hours=rng.randint(1, 8))
        with transaction.atomic():
            _walk(target, buyer=buyer, offering=offering, start=start, now=now, rng=rng)
    with transaction.atomic():
        _quotes(buyer=buyers[0], now=now)
    # The timers, as beat would have run them: expiry, lateness, deliveries left unchecked.
    orders_keep_time()
    return Order.objects.count()
