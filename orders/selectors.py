"""Reads about service orders: the orders and requests for quotes the actor may see, the quotes
each side may see, the reviews shown under the double-blind rule, an order's milestones and the
steps each side may take on them, and the innovation vouchers with their balances."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from catalogue.models import OfferingStatus, ServiceOffering
from orders.models import (
    PRICE_MAX_DIGITS,
    REDEMPTION_HOLDING,
    Dispute,
    Order,
    OrderConfirmation,
    OrderMilestone,
    OrderStatus,
    Quote,
    QuoteRequest,
    Review,
    Voucher,
    VoucherRedemption,
)
from orders.permissions import order_can_decide, order_party_organization_id
from orders.transitions import (
    MILESTONE_TRANSITIONS,
    MILESTONE_WORK_STATUSES,
    TRANSITIONS,
    Action,
    MilestoneAction,
    Who,
)
from organizations.selectors import Actor


def order_list_visible(*, actor: Actor) -> QuerySet[Order]:
    """The orders of the actor's organizations and, for the CAST staff, their region's."""
    orders = Order.objects.select_related("buyer", "provider", "category")
    if actor.is_superuser:
        return orders
    if not actor.is_authenticated:
        return orders.none()
    visible = Q(buyer_id__in=actor.organization_ids) | Q(provider_id__in=actor.organization_ids)
    if actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids)
    return orders.filter(visible)


def order_get(*, actor: Actor, pk: int) -> Order:
    order = order_list_visible(actor=actor).filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def quote_request_list_visible(*, actor: Actor) -> QuerySet[QuoteRequest]:
    """The buyer's own requests; for a provider, those it was invited to and the open ones of
    the categories it offers a published service in — never another provider's invitation."""
    if not actor.is_authenticated:
        return QuoteRequest.objects.none()
    offers_category = ServiceOffering.objects.filter(
        provider_id__in=actor.organization_ids,
        category_id=OuterRef("category_id"),
        status=OfferingStatus.PUBLISHED,
    )
    nobody_invited = ~Exists(
        QuoteRequest.invited.through.objects.filter(quoterequest_id=OuterRef("pk"))
    )
    return (
        QuoteRequest.objects.select_related("buyer", "category")
        .filter(
            Q(buyer_id__in=actor.organization_ids)
            | Q(invited__in=actor.organization_ids)
            # Those it quoted on, whatever became of them.
            | Q(quotes__provider_id__in=actor.organization_ids)
            | (Q(status=QuoteRequest.Status.OPEN) & nobody_invited & Exists(offers_category))
        )
        .distinct()
    )


def quote_list_for(*, actor: Actor, request: QuoteRequest) -> QuerySet[Quote]:
    """The buyer sees every quote; a provider only its own."""
    quotes = Quote.objects.filter(request=request).select_related("provider", "offering")
    if request.buyer_id in actor.organization_ids:
        return quotes
    return quotes.filter(provider_id__in=actor.organization_ids)


def review_list_visible(*, actor: Actor, order: Order) -> list[Review]:
    """Double-blind: a party sees its own review at once, the other's only when both are in or
    the review window has closed; everyone else (the staff, the provider's public page) only
    then."""
    reviews = list(Review.objects.filter(order=order).select_related("reviewer", "reviewee"))
    window_closed = (
        order.status == OrderStatus.COMPLETED
        and order.completed_at is not None
        and (
            timezone.now() > order.completed_at + timedelta(days=settings.ORDER_REVIEW_WINDOW_DAYS)
        )
    )
    if len(reviews) == 2 or window_closed:
        return reviews
    return [review for review in reviews if review.reviewer_id in actor.organization_ids]


def order_available_actions(*, actor: Actor, order: Order, own: int | None = None) -> list[Action]:
    """The table's steps the actor may take now (the service still checks when one is taken):
    a side's own steps, not a two-sided one it agreed to already, the withdrawal of a dispute
    only by the side that opened it, the decision only by the staff who decide."""
    if own is None:
        own = order_party_organization_id(actor=actor, order=order)
    agreed = set(
        OrderConfirmation.objects.filter(order=order, organization_id=own).values_list(
            "action", flat=True
        )
    )
    opener = None
    if order.status == OrderStatus.DISPUTED:
        opener = (
            Dispute.objects.filter(order=order, decision="")
            .values_list("opened_by_id", flat=True)
            .first()
        )
    sides = {Who.BUYER: order.buyer_id, Who.PROVIDER: order.provider_id}
    actions = []
    for (status, action), step in TRANSITIONS.items():
        if status != order.status or step.who == Who.SYSTEM:
            continue
        if step.who == Who.STAFF:
            if order_can_decide(actor=actor, order=order):
                actions.append(action)
            continue
        if own is None or (step.who in sides and own != sides[step.who]):
            continue
        if (step.both and action.value in agreed) or (
            action == Action.WITHDRAW_DISPUTE and own != opener
        ):
            continue
        actions.append(action)
    return actions


# --- milestones ----------------------------------------------------------------------------


def milestone_list(*, order: Order) -> QuerySet[OrderMilestone]:
    return OrderMilestone.objects.filter(order=order).order_by("position", "id")


def milestone_available_actions(
    *, actor: Actor, order: Order, milestone: OrderMilestone, own: int | None = None
) -> list[MilestoneAction]:
    """The milestone's steps the actor's side may take now (the service checks again)."""
    if order.status not in MILESTONE_WORK_STATUSES:
        return []
    if own is None:
        own = order_party_organization_id(actor=actor, order=order)
    sides = {Who.BUYER: order.buyer_id, Who.PROVIDER: order.provider_id}
    return [
        action
        for (status, action), step in MILESTONE_TRANSITIONS.items()
        if status == milestone.status and own is not None and sides.get(step.who) == own
    ]


# --- innovation vouchers -------------------------------------------------------------------

_ZERO = Value(0, output_field=DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=2))


def vouchers_with_balance(vouchers: QuerySet[Voucher]) -> QuerySet[Voucher]:
    """Each voucher with `held` (what its pending and verified redemptions hold) and `balance`
    (what is left to pay with)."""
    return vouchers.annotate(
        held=Coalesce(
            Sum("redemptions__amount", filter=Q(redemptions__status__in=REDEMPTION_HOLDING)),
            _ZERO,
        ),
    ).annotate(balance=F("amount") - F("held"))


def voucher_list_visible(*, actor: Actor) -> QuerySet[Voucher]:
    """The vouchers an organization of the actor issued (a CAST office) or holds."""
    vouchers = Voucher.objects.select_related("issued_by", "holder")
    if actor.is_superuser:
        return vouchers_with_balance(vouchers)
    if not actor.is_authenticated:
        return vouchers.none()
    return vouchers_with_balance(
        vouchers.filter(
            Q(issued_by_id__in=actor.organization_ids) | Q(holder_id__in=actor.organization_ids)
        )
    )


def voucher_get(*, actor: Actor, pk: int) -> Voucher:
    voucher = voucher_list_visible(actor=actor).filter(pk=pk).first()
    if voucher is None:
        raise Http404
    return voucher


def redemption_list_visible(*, actor: Actor) -> QuerySet[VoucherRedemption]:
    """Payments with vouchers: those on the vouchers the actor's office issued or its
    organization holds, and those on the orders it provides."""
    redemptions = VoucherRedemption.objects.select_related(
        "voucher__issued_by", "voucher__holder", "order__buyer", "order__provider"
    )
    if actor.is_superuser:
        return redemptions
    if not actor.is_authenticated:
        return redemptions.none()
    own = actor.organization_ids
    return redemptions.filter(
        Q(voucher__issued_by_id__in=own)
        | Q(voucher__holder_id__in=own)
        | Q(order__provider_id__in=own)
    )


def order_redemptions(*, order: Order) -> QuerySet[VoucherRedemption]:
    """What vouchers pay of an order (for those who may read the order)."""
    return VoucherRedemption.objects.filter(order=order).select_related("voucher__issued_by")
