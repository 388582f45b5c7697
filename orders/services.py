"""Writes about service orders: placing an order on an offering, requests for quotes and quotes,
every step of the order's table, its milestones, deliveries, disputes, reviews, innovation
vouchers paid on orders, and the timers.

Every write records its fact in the outcome log (order.*, quote.*) in the same transaction,
with a history row on the order; the other party is told in the app and by e-mail (outbox).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from catalogue.models import OfferingStatus, PriceKind, ServiceCategory, ServiceOffering
from core.uploads import upload_check_content, upload_clean_name
from core.web import site_url
from notifications.models import Notification
from notifications.services import Words
from orders.models import (
    ORDER_ACTIVE,
    ORDER_CLOSED,
    REDEMPTION_HOLDING,
    TEXT_MAX_LENGTH,
    Delivery,
    DeliveryFile,
    Dispute,
    Order,
    OrderConfirmation,
    OrderHistory,
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
    ACTION_LABELS,
    MILESTONE_ACTION_LABELS,
    MILESTONE_PLAN_STATUSES,
    MILESTONE_WORK_STATUSES,
    PREVIOUS_STATUS,
    Action,
    MilestoneAction,
    Step,
    Who,
    milestone_step_for,
    step_for,
)
from organizations.models import Organization
from organizations.selectors import Actor
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import Attachment, Listing
from repositories.services import attachment_add
from taxonomy.models import Region
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit

MAX_FILES_PER_DELIVERY = 10
NOTE_MAX_LENGTH = 2000
# _record's amount, unless one is given: the order's price.
_ORDER_PRICE = object()


# --- recording -----------------------------------------------------------------------------


def _record(
    *,
    order: Order,
    event: str,
    action: str,
    from_status: str,
    user=None,
    own=None,
    note: str = "",
    data: dict | None = None,
    amount=_ORDER_PRICE,
) -> None:
    OrderHistory.objects.create(
        order=order,
        action=action,
        from_status=from_status,
        to_status=order.status,
        user=user if user is not None and user.is_authenticated else None,
        organization_id=own,
        note=note,
    )
    acting = own or order.buyer_id
    outcome_record(
        name=event,
        subject_type="order",
        subject_id=order.pk,
        actor=user,
        organization=Organization(pk=acting),
        counterpart=Organization(pk=order.other_party_id(acting)),
        region_id=order.region_id,
        amount=order.price if amount is _ORDER_PRICE else amount,
        data={
            "buyer": order.buyer_id,
            "provider": order.provider_id,
            "category": order.category_id,
            "listing": order.listing_id,
            "deal": order.deal_id,
            "action": action,
            "from": from_status or None,
            "to": order.status,
            "due_on": order.due_on.isoformat(),
            **(data or {}),
        },
    )


def _tell(*, order: Order, title: Words, body: Words = "", skip: int | None = None) -> None:
    for organization_id in order.party_ids:
        if organization_id != skip:
            notify_organization(
                organization=Organization.objects.get(pk=organization_id),
                topic=Notification.Topic.ORDER,
                title=title,
                body=body,
                url=order.get_absolute_url(),
            )


def _payload(order: Order, **extra) -> dict:
    """A webhook's data about an order: the parties' programs fetch the rest from the API."""
    return {
        "order": {
            "id": order.pk,
            "title": order.title,
            "status": order.status,
            "buyer": order.buyer_id,
            "provider": order.provider_id,
            "price": order.price,
            "due_on": order.due_on,
            "url": site_url(order.get_absolute_url()),
        },
        **extra,
    }


def _request_payload(request: QuoteRequest, **extra) -> dict:
    return {
        "request": {
            "id": request.pk,
            "title": request.title,
            "status": request.status,
            "buyer": request.buyer_id,
            "category": request.category.code,
            "budget": request.budget,
            "wanted_by": request.wanted_by,
            "quotes_due_at": request.quotes_due_at,
        },
        **extra,
    }


def _quote_payload(quote: Quote) -> dict:
    return {
        "id": quote.pk,
        "provider": quote.provider_id,
        "price": quote.price,
        "lead_time_days": quote.lead_time_days,
        "status": quote.status,
    }


def _dispute_payload(dispute: Dispute) -> dict:
    return {
        "id": dispute.pk,
        "opened_by": dispute.opened_by_id,
        "statement": dispute.statement,
        "answer": dispute.answer,
        "answer_due_on": dispute.answer_due_on,
        "decision": dispute.decision,
        "decision_note": dispute.decision_note,
    }


def _emit(*, order: Order, event: str, payload: dict, skip: int | None = None) -> None:
    """The parties' (but the one that acted) programs hear of it by webhook."""
    for organization_id in order.party_ids:
        if organization_id != skip:
            webhook_emit(organization=organization_id, event=event, payload=payload)


def _clean_text(value: str, field: str, *, required: bool = True, limit: int = TEXT_MAX_LENGTH):
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("Fill in this field.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it within %(limit)d characters.") % {"limit": limit}})
    return value


def _own_buyer(actor: Actor, buyer: Organization) -> None:
    if buyer.pk not in actor.organization_ids:
        raise PermissionDenied(_("You can order only for your own organization."))
    errors = {}
    if buyer.kind == Organization.Kind.CAST_OFFICE:
        errors["buyer"] = _("A CAST office oversees orders; it does not place them.")
    elif not buyer.is_verified:
        errors["buyer"] = _("Your organization must be verified before it orders services.")
    if errors:
        raise ValidationError(errors)


def _serves(*, listing: Listing | None, buyer: Organization, deal=None) -> None:
    """An order serves the buyer's own listing, or a deal the buyer is a party to."""
    if listing is not None and listing.organization_id != buyer.pk:
        raise ValidationError({"listing": _("Choose one of your organization's listings.")})
    if deal is not None and buyer.pk not in deal.party_ids:
        raise ValidationError({"deal": _("Choose a deal your organization is a party to.")})


# --- ordering an offering ------------------------------------------------------------------


@transaction.atomic
def order_place(
    *,
    actor: Actor,
    buyer: Organization,
    offering: ServiceOffering,
    scope: str,
    due_on: date,
    listing: Listing | None = None,
    deal=None,
) -> Order:
    """Order a published offering at its price; the provider accepts within ORDER_ACCEPT_HOURS.
    An offering priced on quote is asked for a quote instead."""
    _own_buyer(actor, buyer)
    errors = {}
    if offering.status != OfferingStatus.PUBLISHED:
        errors["offering"] = _("This service is not offered at the moment.")
    elif offering.provider_id == buyer.pk:
        errors["offering"] = _("This is your own organization's service.")
    elif offering.price_kind != PriceKind.FIXED or offering.price_amount is None:
        # "From" a price or on quote: the price depends on the work, so the provider quotes.
        errors["offering"] = _(
            "This service's price depends on the work: ask the provider for a quote."
        )
    if due_on is None:
        errors["due_on"] = _("Enter the date the work is due.")
    elif due_on <= timezone.localdate():
        errors["due_on"] = _("The due date must be after today.")
    if errors:
        raise ValidationError(errors)
    scope = _clean_text(scope, "scope")
    _serves(listing=listing, buyer=buyer, deal=deal)
    order = Order(
        buyer=buyer,
        provider_id=offering.provider_id,
        offering=offering,
        category_id=offering.category_id,
        title=offering.title,
        scope=scope,
        price=offering.price_amount,
        due_on=due_on,
        listing=listing,
        deal=deal,
        region_id=buyer.region_id,
        created_by=actor.user,
        accept_by=timezone.now() + timedelta(hours=settings.ORDER_ACCEPT_HOURS),
    )
    order.full_clean(exclude=["offering", "quote", "category", "listing", "deal", "region"])
    order.save()
    _record(
        order=order,
        event="order.placed",
        action="place",
        from_status="",
        user=actor.user,
        own=buyer.pk,
    )
    _tell(
        order=order,
        title=lambda: (
            _("New order from %(buyer)s: %(title)s") % {"buyer": buyer.name, "title": order.title}
        ),
        body=lambda: (
            _("Accept or decline it within %(hours)d hours.")
            % {"hours": settings.ORDER_ACCEPT_HOURS}
        ),
        skip=buyer.pk,
    )
    _emit(order=order, event=WebhookEvent.ORDER_PLACED, payload=_payload(order), skip=buyer.pk)
    return order


# --- requests for quotes and quotes --------------------------------------------------------


@transaction.atomic
def quote_request_create(
    *,
    actor: Actor,
    buyer: Organization,
    category: ServiceCategory,
    title: str,
    description: str,
    quotes_due_at,
    budget: Decimal | None = None,
    wanted_by: date | None = None,
    invited: Sequence[Organization] = (),
    listing: Listing | None = None,
    deal=None,
) -> QuoteRequest:
    """Ask chosen providers (or every provider of the category when none is chosen)."""
    _own_buyer(actor, buyer)
    errors = {}
    if quotes_due_at is None or quotes_due_at <= timezone.now():
        errors["quotes_due_at"] = _("Quotes must be due at a time in the future.")
    if wanted_by is not None and wanted_by <= timezone.localdate():
        errors["wanted_by"] = _("The date wanted must be after today.")
    if any(provider.pk == buyer.pk for provider in invited):
        errors["invited"] = _("Your own organization cannot quote to you.")
    if errors:
        raise ValidationError(errors)
    _serves(listing=listing, buyer=buyer, deal=deal)
    request = QuoteRequest(
        buyer=buyer,
        category=category,
        title=" ".join((title or "").split()),
        description=_clean_text(description, "description"),
        budget=budget,
        wanted_by=wanted_by,
        quotes_due_at=quotes_due_at,
        listing=listing,
        deal=deal,
        created_by=actor.user,
    )
    request.full_clean(exclude=["category", "listing", "deal"])
    request.save()
    request.invited.set(invited)
    outcome_record(
        name="quote.requested",
        subject_type="quote_request",
        subject_id=request.pk,
        actor=actor.user,
        organization=buyer,
        region_id=buyer.region_id,
        amount=budget,
        data={"category": category.pk, "invited": [p.pk for p in invited]},
    )
    for provider in invited:
        notify_organization(
            organization=provider,
            topic=Notification.Topic.ORDER,
            title=lambda: (
                _("%(buyer)s asks you for a quote: %(title)s")
                % {"buyer": buyer.name, "title": request.title}
            ),
            url=reverse("orders:quote_request", kwargs={"pk": request.pk}),
        )
    audience = [provider.pk for provider in invited] or sorted(
        set(
            ServiceOffering.objects.filter(category=category, status=OfferingStatus.PUBLISHED)
            .exclude(provider_id=buyer.pk)
            .values_list("provider_id", flat=True)
        )
    )
    for provider_id in audience:
        webhook_emit(
            organization=provider_id,
            event=WebhookEvent.QUOTE_REQUESTED,
            payload=_request_payload(request),
        )
    return request


def quote_request_is_open_to(*, request: QuoteRequest, provider_id: int) -> bool:
    """Invited, or (when nobody was) offering a published service of the category."""
    invited = list(request.invited.values_list("pk", flat=True))
    if invited:
        return provider_id in invited
    return ServiceOffering.objects.filter(
        provider_id=provider_id,
        category_id=request.category_id,
        status=OfferingStatus.PUBLISHED,
    ).exists()


@transaction.atomic
def quote_submit(
    *,
    actor: Actor,
    request: QuoteRequest,
    provider: Organization,
    price: Decimal,
    lead_time_days: int,
    note: str,
    offering: ServiceOffering | None = None,
) -> Quote:
    if provider.pk not in actor.organization_ids:
        raise PermissionDenied(_("You can quote only for your own organization."))
    request = QuoteRequest.objects.select_for_update().get(pk=request.pk)
    if provider.pk == request.buyer_id or not quote_request_is_open_to(
        request=request, provider_id=provider.pk
    ):
        raise PermissionDenied(_("This request for quotes is not open to your organization."))
    errors = {}
    if request.status != QuoteRequest.Status.OPEN:
        errors["request"] = _("This request for quotes is closed.")
    elif request.quotes_due_at <= timezone.now():
        errors["request"] = _("Quotes were due by %(due)s; this request no longer takes them.") % {
            "due": timezone.localtime(request.quotes_due_at).strftime("%Y-%m-%d %H:%M")
        }
    if offering is not None and offering.provider_id != provider.pk:
        errors["offering"] = _("Choose one of your organization's offerings.")
    if errors:
        raise ValidationError(errors)
    if Quote.objects.filter(
        request=request, provider=provider, status=Quote.Status.SUBMITTED
    ).exists():
        raise ValidationError(
            {"request": _("Your organization has quoted already; withdraw that quote first.")}
        )
    quote = Quote(
        request=request,
        provider=provider,
        offering=offering,
        price=price,
        lead_time_days=lead_time_days,
        note=_clean_text(note, "note"),
        created_by=actor.user,
    )
    quote.full_clean(exclude=["request", "provider", "offering"])
    quote.save()
    outcome_record(
        name="quote.submitted",
        subject_type="quote",
        subject_id=quote.pk,
        actor=actor.user,
        organization=provider,
        counterpart=request.buyer,
        region_id=request.buyer.region_id,
        amount=quote.price,
        data={"request": request.pk},
    )
    notify_organization(
        organization=request.buyer,
        topic=Notification.Topic.ORDER,
        title=lambda: (
            _("%(provider)s quoted for “%(title)s”")
            % {"provider": provider.name, "title": request.title}
        ),
        url=reverse("orders:quote_request", kwargs={"pk": request.pk}),
    )
    webhook_emit(
        organization=request.buyer_id,
        event=WebhookEvent.QUOTE_SUBMITTED,
        payload=_request_payload(request, quote=_quote_payload(quote)),
    )
    return quote


@transaction.atomic
def quote_withdraw(*, actor: Actor, quote: Quote) -> Quote:
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.provider_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the provider withdraws its quote."))
    if quote.status != Quote.Status.SUBMITTED:
        raise ValidationError({"status": _("Only a quote awaiting the buyer can be withdrawn.")})
    quote.status = Quote.Status.WITHDRAWN
    quote.save(update_fields=["status"])
    return quote


@transaction.atomic
def quote_accept(*, actor: Actor, quote: Quote, due_on: date | None = None) -> Order:
    """The buyer accepts a quote: it becomes an order already accepted by the provider (who
    committed to it by quoting), due after the quoted lead time unless a date is given."""
    request = QuoteRequest.objects.select_for_update().get(pk=quote.request_id)
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if request.buyer_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the buyer accepts a quote."))
    errors = {}
    if request.status != QuoteRequest.Status.OPEN:
        errors["request"] = _("This request for quotes is closed.")
    if quote.status != Quote.Status.SUBMITTED:
        errors["quote"] = _("This quote is no longer on offer.")
    due_on = due_on or timezone.localdate() + timedelta(days=quote.lead_time_days)
    if due_on <= timezone.localdate():
        errors["due_on"] = _("The due date must be after today.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    order = Order.objects.create(
        buyer_id=request.buyer_id,
        provider_id=quote.provider_id,
        offering=quote.offering,
        quote=quote,
        category_id=request.category_id,
        title=request.title,
        scope=f"{request.description}\n\n{quote.note}",
        price=quote.price,
        due_on=due_on,
        listing=request.listing,
        deal=request.deal,
        region_id=request.buyer.region_id,
        status=OrderStatus.IN_PROGRESS,
        created_by=actor.user,
        accept_by=now,
        accepted_at=now,
    )
    quote.status = Quote.Status.ACCEPTED
    quote.save(update_fields=["status"])
    request.quotes.filter(status=Quote.Status.SUBMITTED).update(status=Quote.Status.DECLINED)
    request.status = QuoteRequest.Status.AWARDED
    request.save(update_fields=["status"])
    _record(
        order=order,
        event="order.placed",
        action="accept_quote",
        from_status="",
        user=actor.user,
        own=request.buyer_id,
        data={"quote": quote.pk, "request": request.pk},
    )
    _tell(
        order=order,
        title=lambda: _("Your quote was accepted: %(title)s") % {"title": order.title},
        body=lambda: _("The order is in progress, due on %(due)s.") % {"due": due_on.isoformat()},
        skip=request.buyer_id,
    )
    _emit(
        order=order,
        event=WebhookEvent.QUOTE_ACCEPTED,
        payload=_payload(order, quote=_quote_payload(quote), request=request.pk),
        skip=request.buyer_id,
    )
    return order


# --- the order's table ---------------------------------------------------------------------


def _who_acts(actor: Actor | None, order: Order, step: Step) -> int | None:
    if step.who == Who.SYSTEM:
        if actor is not None:
            raise PermissionDenied(_("This step is taken by the platform's timer."))
        return None
    if actor is None:
        raise PermissionDenied(_("This step is taken by a person."))
    if step.who == Who.STAFF:
        if not order_can_decide(actor=actor, order=order):
            raise PermissionDenied(
                _("Only the CAST staff of the buyer's region decide this order's dispute.")
            )
        return None
    own = order_party_organization_id(actor=actor, order=order)
    wanted = {Who.BUYER: order.buyer_id, Who.PROVIDER: order.provider_id}.get(step.who)
    if own is None or (wanted is not None and own != wanted):
        side = {Who.BUYER: _("the buyer"), Who.PROVIDER: _("the provider")}.get(
            step.who, _("the two parties")
        )
        raise PermissionDenied(_("Only %(side)s takes this step.") % {"side": side})
    return own


def _add_working_days(start: date, days: int) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


@transaction.atomic
def order_transition(
    *,
    actor: Actor | None,
    order: Order,
    action: str,
    note: str = "",
    files: Sequence[File] = (),
) -> Order:
    """Take one step of the order's table (orders.transitions). `actor` None: the system.

    Refuses a step the status does not allow (a field error on "status"), one the actor may
    not take (PermissionDenied) and one whose checks fail. Cancelling by agreement waits for
    the second party's yes. A delivery carries its note and files; a dispute its statement.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    step = step_for(order.status, action)
    if step is None:
        raise ValidationError(
            {
                "status": _("“%(action)s” is not possible while the order is “%(status)s”.")
                % {
                    "action": ACTION_LABELS.get(Action(action), action)
                    if action in Action._value2member_map_
                    else action,
                    "status": order.get_status_display(),
                }
            }
        )
    own = _who_acts(actor, order, step)
    note = _clean_text(
        note,
        "note",
        required=step.needs_note or action == Action.DELIVER,
        limit=NOTE_MAX_LENGTH if action != Action.DELIVER else TEXT_MAX_LENGTH,
    )
    errors = {}
    for check in step.checks:
        errors.update(check(order))
    if errors:
        raise ValidationError(errors)
    if action == Action.DELIVER:
        _check_files(files)
    user = actor.user if actor is not None else None
    from_status = order.status
    if step.both:
        created = OrderConfirmation.objects.get_or_create(
            order=order, action=action, organization_id=own, defaults={"user": user}
        )[1]
        if not created:
            raise ValidationError(
                {"status": _("Your side has already agreed; the other side has not yet.")}
            )
        agreed = set(
            OrderConfirmation.objects.filter(order=order, action=action).values_list(
                "organization_id", flat=True
            )
        )
        if not set(order.party_ids) <= agreed:
            _record(
                order=order,
                event="order.cancel_proposed",
                action=action,
                from_status=from_status,
                user=user,
                own=own,
                note=note,
            )
            _tell(
                order=order,
                title=lambda: (
                    _("%(title)s: the other side proposes to cancel by agreement")
                    % {"title": order.title}
                ),
                body=note,
                skip=own,
            )
            _emit(
                order=order,
                event=WebhookEvent.ORDER_UPDATED,
                payload=_payload(order, action=action, from_status=from_status, note=note),
                skip=own,
            )
            return order
    now = timezone.now()
    data = {}
    if action == Action.DELIVER:
        delivery = Delivery.objects.create(order=order, note=note, delivered_by=user)
        for file in files:
            DeliveryFile.objects.create(
                delivery=delivery, file=file, name=upload_clean_name(file.name), size=file.size
            )
        order.delivered_at = now
        data["delivery"] = delivery.pk
    elif action == Action.ACCEPT:
        order.accepted_at = now
    elif action in (Action.COMPLETE, Action.AUTO_COMPLETE, Action.DECIDE_FOR_PROVIDER):
        order.completed_at = now
        data["late"] = order.late_since is not None or order.due_on < timezone.localdate()
    if action == Action.OPEN_DISPUTE:
        order.status_before_dispute = from_status
        dispute = Dispute.objects.create(
            order=order,
            opened_by_id=own,
            statement=note,
            answer_due_on=_add_working_days(
                timezone.localdate(), settings.DISPUTE_ANSWER_WORKING_DAYS
            ),
        )
        data["dispute"] = dispute.pk
    elif action in (Action.WITHDRAW_DISPUTE, Action.DECIDE_FOR_BUYER, Action.DECIDE_FOR_PROVIDER):
        dispute = Dispute.objects.select_for_update().get(order=order, decision="")
        if action == Action.WITHDRAW_DISPUTE and dispute.opened_by_id != own:
            raise PermissionDenied(_("Only the side that opened the dispute withdraws it."))
        dispute.decision = {
            Action.WITHDRAW_DISPUTE: Dispute.Decision.WITHDRAWN,
            Action.DECIDE_FOR_BUYER: Dispute.Decision.FOR_BUYER,
            Action.DECIDE_FOR_PROVIDER: Dispute.Decision.FOR_PROVIDER,
        }[Action(action)]
        dispute.decision_note = note
        dispute.decided_by = user
        dispute.decided_at = now
        dispute.save()
        data.update(dispute=dispute.pk, decision=dispute.decision, opened_by=dispute.opened_by_id)
    if action in (Action.DECLINE,):
        order.end_note = note
    order.status = order.status_before_dispute if step.to == PREVIOUS_STATUS else step.to
    if step.to == PREVIOUS_STATUS:
        order.status_before_dispute = ""
    order.save()
    if order.status in ORDER_CLOSED and order.status != OrderStatus.COMPLETED:
        _redemptions_release(order=order, user=user)
    _record(
        order=order,
        event=step.event,
        action=action,
        from_status=from_status,
        user=user,
        own=own,
        note=note,
        data=data,
    )
    _tell(
        order=order,
        title=lambda: (
            _("%(title)s: %(action)s — now “%(status)s”")
            % {
                "title": order.title,
                "action": ACTION_LABELS[Action(action)],
                "status": order.get_status_display(),
            }
        ),
        body=note,
        skip=own,
    )
    _emit(
        order=order,
        event=WebhookEvent.ORDER_UPDATED,
        payload=_payload(order, action=action, from_status=from_status, note=note, **data),
        skip=own,
    )
    if action == Action.OPEN_DISPUTE:
        _emit(
            order=order,
            event=WebhookEvent.DISPUTE_OPENED,
            payload=_payload(order, dispute=_dispute_payload(dispute)),
        )
    elif action in (Action.WITHDRAW_DISPUTE, Action.DECIDE_FOR_BUYER, Action.DECIDE_FOR_PROVIDER):
        _emit(
            order=order,
            event=WebhookEvent.DISPUTE_DECIDED,
            payload=_payload(order, dispute=_dispute_payload(dispute)),
        )
    return order


def _redemptions_release(*, order: Order, user) -> None:
    """An order that ends without completion (cancelled, declined, expired) pays nobody: what
    vouchers were to pay for it goes back to their balances at once, without waiting for the
    issuing office to reject it. Vouchers are locked before their payments, as voucher_apply
    and redemption_decide do."""
    pending = VoucherRedemption.objects.filter(order=order, status=VoucherRedemption.Status.PENDING)
    voucher_ids = sorted(set(pending.values_list("voucher_id", flat=True)))
    if not voucher_ids:
        return
    list(Voucher.objects.select_for_update().filter(pk__in=voucher_ids).order_by("pk"))

    def ended_note():
        return _("The order ended “%(status)s”: the amount returns to the voucher.") % {
            "status": order.get_status_display()
        }

    note = ended_note()
    for redemption in pending.select_related("voucher__issued_by").select_for_update(of=("self",)):
        redemption.status = VoucherRedemption.Status.REJECTED
        redemption.decided_at = timezone.now()
        redemption.decision_note = note
        redemption.save(update_fields=["status", "decided_at", "decision_note"])
        voucher = redemption.voucher
        outcome_record(
            name=OutcomeEvent.Name.VOUCHER_REDEMPTION_REJECTED,
            subject_type="voucher",
            subject_id=voucher.pk,
            actor=user,
            organization=voucher.issued_by,
            counterpart=Organization(pk=order.buyer_id),
            region_id=order.region_id,
            amount=redemption.amount,
            data={
                "voucher": voucher.pk,
                "redemption": redemption.pk,
                "order": order.pk,
                "office": voucher.issued_by_id,
                "buyer": order.buyer_id,
                "provider": order.provider_id,
                "category": order.category_id,
                "released": order.status,
            },
        )
        notify_organization(
            organization=voucher.issued_by,
            topic=Notification.Topic.VOUCHER,
            title=lambda redemption=redemption, voucher=voucher: (
                _("Voucher %(number)s: %(amount)s yuan returned, the order ended")
                % {"number": voucher.number, "amount": _yuan(redemption.amount)}
            ),
            body=lambda: f"{order.title}: {ended_note()}",
            url=reverse("orders:redemptions"),
        )


def _check_files(files: Sequence[File]) -> None:
    if len(files) > MAX_FILES_PER_DELIVERY:
        raise ValidationError(
            {
                "files": _("At most %(count)d files per delivery.")
                % {"count": MAX_FILES_PER_DELIVERY}
            }
        )
    limit = settings.ORDER_DELIVERY_MAX_MB
    label = capfirst(DeliveryFile._meta.get_field("file").verbose_name)
    for file in files:
        if file.size > limit * 1024 * 1024:
            raise ValidationError(
                {
                    "files": _("%(name)s is larger than %(size)d MB.")
                    % {"name": upload_clean_name(file.name), "size": limit}
                }
            )
        probe = DeliveryFile(file=file, name=upload_clean_name(file.name))
        try:
            probe.clean_fields(exclude=["delivery", "name", "size"])
        except ValidationError as error:
            raise ValidationError(
                {"files": error.message_dict.get("file", error.messages)}
            ) from error
        upload_check_content(file, field="files", label=label)


@transaction.atomic
def dispute_answer(*, actor: Actor, dispute: Dispute, answer: str) -> Dispute:
    """The other side answers the statement (once) before the staff decide."""
    dispute = Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)
    own = order_party_organization_id(actor=actor, order=dispute.order)
    if own is None or own == dispute.opened_by_id:
        raise PermissionDenied(_("The other side answers the dispute."))
    if dispute.decision or dispute.answered_at:
        raise ValidationError({"answer": _("The dispute has been answered or decided.")})
    dispute.answer = _clean_text(answer, "answer")
    dispute.answered_at = timezone.now()
    dispute.save(update_fields=["answer", "answered_at"])
    order = dispute.order
    _record(
        order=order,
        event="order.dispute_answered",
        action="answer_dispute",
        from_status=order.status,
        user=actor.user,
        own=own,
        data={"dispute": dispute.pk, "on_time": timezone.localdate() <= dispute.answer_due_on},
    )
    _tell(
        order=order,
        title=lambda: _("%(title)s: the dispute was answered") % {"title": order.title},
        body=dispute.answer,
        skip=own,
    )
    _emit(
        order=order,
        event=WebhookEvent.DISPUTE_ANSWERED,
        payload=_payload(order, dispute=_dispute_payload(dispute)),
    )
    return dispute


# --- reviews -------------------------------------------------------------------------------


@transaction.atomic
def delivery_file_attach(
    *, actor: Actor, delivered: DeliveryFile, is_confidential: bool = True
) -> Attachment:
    """The buyer puts a delivered file on the listing the order served (an evaluation report
    on its achievement, a search report on its need), once the order is completed. A copy:
    the order keeps its own."""
    order = delivered.delivery.order
    if order_party_organization_id(actor=actor, order=order) != order.buyer_id:
        raise PermissionDenied(_("Only the buyer attaches what was delivered to its listing."))
    if order.listing_id is None:
        raise ValidationError(_("This order does not serve a listing."))
    if order.status != OrderStatus.COMPLETED:
        raise ValidationError(
            _("A delivered file is attached to the listing once the order is completed.")
        )
    listing = order.listing
    if listing.attachments.filter(file__endswith=f"/{delivered.name}").exists():
        raise ValidationError(
            _("%(name)s is already attached to the listing.") % {"name": delivered.name}
        )
    with delivered.file.open("rb") as stored:
        copy = ContentFile(stored.read(), name=delivered.name)
    return attachment_add(listing=listing, actor=actor, file=copy, is_confidential=is_confidential)


@transaction.atomic
def review_submit(*, actor: Actor, order: Order, rating: int, comment: str = "") -> Review:
    """A party reviews the other once the order is completed, within the review window."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    own = order_party_organization_id(actor=actor, order=order)
    if own is None:
        raise PermissionDenied(_("Only the two parties review an order."))
    errors = {}
    if order.status != OrderStatus.COMPLETED:
        errors["rating"] = _("An order is reviewed once it is completed.")
    elif timezone.now() > order.completed_at + timedelta(days=settings.ORDER_REVIEW_WINDOW_DAYS):
        errors["rating"] = _("The time to review this order has passed.")
    if Review.objects.filter(order=order, reviewer_id=own).exists():
        errors["rating"] = _("Your side has reviewed this order already.")
    if errors:
        raise ValidationError(errors)
    review = Review(
        order=order,
        reviewer_id=own,
        reviewee_id=order.other_party_id(own),
        rating=rating,
        comment=_clean_text(comment, "comment", required=False, limit=2000),
        created_by=actor.user,
    )
    review.full_clean(exclude=["order", "reviewer", "reviewee"])
    review.save()
    outcome_record(
        name="order.reviewed",
        subject_type="order",
        subject_id=order.pk,
        actor=actor.user,
        organization=Organization(pk=own),
        counterpart=Organization(pk=review.reviewee_id),
        region_id=order.region_id,
        data={"rating": rating, "review": review.pk},
    )
    return review


# --- timers --------------------------------------------------------------------------------


def orders_keep_time() -> dict[str, int]:
    """Expire orders not accepted in time, record late ones once, complete deliveries the buyer
    left unchecked. Safe to run twice: each step checks its condition again under a lock, and a
    late order is recorded once."""
    now = timezone.now()
    today = timezone.localdate()
    counts = {"expired": 0, "late": 0, "completed": 0}
    due = (
        (
            Action.EXPIRE,
            "expired",
            Order.objects.filter(status=OrderStatus.AWAITING_ACCEPTANCE, accept_by__lte=now),
        ),
        (
            Action.AUTO_COMPLETE,
            "completed",
            Order.objects.filter(
                status=OrderStatus.DELIVERED,
                delivered_at__lte=now - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS),
            ),
        ),
    )
    for action, key, orders in due:
        for order_id in orders.values_list("pk", flat=True):
            try:
                order_transition(actor=None, order=Order(pk=order_id), action=action)
                counts[key] += 1
            except ValidationError:
                continue  # someone acted in between, or another run got there first
    late = Order.objects.filter(
        status__in=[OrderStatus.IN_PROGRESS, OrderStatus.REVISION_REQUESTED],
        due_on__lt=today,
        late_since__isnull=True,
    )
    for order_id in late.values_list("pk", flat=True):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update()
                .filter(pk=order_id, late_since__isnull=True, status__in=list(ORDER_ACTIVE))
                .first()
            )
            if order is None:
                continue
            order.late_since = order.due_on + timedelta(days=1)
            order.save(update_fields=["late_since", "updated_at"])
            _record(order=order, event="order.late", action="late", from_status=order.status)
            _tell(
                order=order,
                title=lambda order=order: (
                    _("%(title)s is late: it was due on %(due)s")
                    % {"title": order.title, "due": order.due_on.isoformat()}
                ),
            )
            _emit(
                order=order,
                event=WebhookEvent.ORDER_UPDATED,
                payload=_payload(order, action="late", from_status=order.status),
            )
            counts["late"] += 1
    return counts


# --- milestones ----------------------------------------------------------------------------


def _milestone_payload(milestone: OrderMilestone) -> dict:
    return {
        "id": milestone.pk,
        "position": milestone.position,
        "title": milestone.title,
        "amount": milestone.amount,
        "due_on": milestone.due_on,
        "status": milestone.status,
    }


def _milestone_planned(
    *, order: Order, milestone: OrderMilestone, action: str, own: int, user
) -> None:
    """A plan edit: a history row, the other side told (its programs by webhook); no outcome
    event, as nothing has been done yet."""
    OrderHistory.objects.create(
        order=order,
        action=action,
        from_status=order.status,
        to_status=order.status,
        user=user if user is not None and user.is_authenticated else None,
        organization_id=own,
        note=milestone.title,
    )
    _tell(
        order=order,
        title=lambda: (
            _("%(title)s: the other side changed the milestones") % {"title": order.title}
        ),
        body=milestone.title,
        skip=own,
    )
    _emit(
        order=order,
        event=WebhookEvent.ORDER_MILESTONE_UPDATED,
        payload=_payload(order, action=action, milestone=_milestone_payload(milestone)),
        skip=own,
    )


def _milestones_plannable(actor: Actor, order: Order) -> int:
    own = order_party_organization_id(actor=actor, order=order)
    if own is None:
        raise PermissionDenied(_("Only the two parties plan the order's milestones."))
    if order.status not in MILESTONE_PLAN_STATUSES:
        raise ValidationError(
            {
                "title": _(
                    "Milestones are planned while the order awaits acceptance or is in "
                    "progress; it is “%(status)s”."
                )
                % {"status": order.get_status_display()}
            }
        )
    if order.milestones.exclude(status=OrderMilestone.Status.PENDING).exists():
        raise ValidationError(
            {"title": _("A milestone has been delivered: the plan is fixed now.")}
        )
    return own


@transaction.atomic
def milestone_save(
    *, actor: Actor, order: Order, milestone: OrderMilestone | None = None, **values
) -> OrderMilestone:
    """Add a milestone to the order's plan, or change one: either party, while the order awaits
    acceptance or is in progress and no milestone has been delivered. The amounts together stay
    within the order's price; each milestone is due by the order's due date."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    own = _milestones_plannable(actor, order)
    if milestone is None:
        if order.milestones.count() >= settings.ORDER_MAX_MILESTONES:
            raise ValidationError(
                {
                    "title": _("An order has at most %(count)d milestones.")
                    % {"count": settings.ORDER_MAX_MILESTONES}
                }
            )
        last = order.milestones.order_by("-position").values_list("position", flat=True).first()
        milestone = OrderMilestone(order=order, position=(last or 0) + 1, created_by=actor.user)
    else:
        milestone = OrderMilestone.objects.select_for_update().get(pk=milestone.pk)
        if milestone.order_id != order.pk:
            raise PermissionDenied(_("This milestone belongs to another order."))
    adding = milestone._state.adding
    old_due = milestone.due_on
    if "title" in values:
        values["title"] = " ".join((values["title"] or "").split())
    for name in ("title", "due_on", "amount"):
        if name in values:
            setattr(milestone, name, values[name])
    errors = {}
    today = timezone.localdate()
    if not milestone.title:
        errors["title"] = _("Say what the milestone delivers.")
    if milestone.due_on is None:
        errors["due_on"] = _("Enter the date the milestone is due.")
    elif (adding or milestone.due_on != old_due) and milestone.due_on < today:
        errors["due_on"] = _("A milestone cannot be due before today.")
    elif milestone.due_on > order.due_on:
        errors["due_on"] = _("A milestone is due by the order's due date, %(due)s.") % {
            "due": order.due_on.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    milestone.full_clean(exclude=["order", "accepted_by", "created_by"])
    others = order.milestones.exclude(pk=milestone.pk).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal("0")
    total = others + (milestone.amount or Decimal("0"))
    if total > order.price:
        raise ValidationError(
            {
                "amount": _(
                    "The milestones' amounts would add up to %(total)s yuan, more than the "
                    "order's price of %(price)s yuan."
                )
                % {"total": _yuan(total), "price": _yuan(order.price)}
            }
        )
    milestone.save()
    _milestone_planned(
        order=order,
        milestone=milestone,
        action="milestone_planned" if adding else "milestone_changed",
        own=own,
        user=actor.user,
    )
    return milestone


@transaction.atomic
def milestone_delete(*, actor: Actor, milestone: OrderMilestone) -> None:
    order = Order.objects.select_for_update().get(pk=milestone.order_id)
    own = _milestones_plannable(actor, order)
    milestone = OrderMilestone.objects.select_for_update().get(pk=milestone.pk)
    milestone.delete()
    _milestone_planned(
        order=order, milestone=milestone, action="milestone_removed", own=own, user=actor.user
    )


@transaction.atomic
def milestone_step(
    *,
    actor: Actor | None,
    milestone: OrderMilestone,
    action: str,
    note: str = "",
    files: Sequence[File] = (),
) -> OrderMilestone:
    """Take one step of a milestone (orders.transitions.MILESTONE_TRANSITIONS) while the order's
    work is under way: the provider delivers it (with a note and files), the buyer accepts it or
    sends it back saying what is missing. A step the milestone's status does not allow is a
    field error on "status"; one taken by the wrong side, PermissionDenied."""
    order = Order.objects.select_for_update().get(pk=milestone.order_id)
    milestone = OrderMilestone.objects.select_for_update().get(pk=milestone.pk)
    if order.status not in MILESTONE_WORK_STATUSES:
        raise ValidationError(
            {
                "status": _(
                    "Milestones are delivered and accepted while the order is in progress; it "
                    "is “%(status)s”."
                )
                % {"status": order.get_status_display()}
            }
        )
    step = milestone_step_for(milestone.status, action)
    if step is None:
        known = action in MilestoneAction._value2member_map_
        raise ValidationError(
            {
                "status": _("“%(action)s” is not possible while the milestone is “%(status)s”.")
                % {
                    "action": MILESTONE_ACTION_LABELS[MilestoneAction(action)] if known else action,
                    "status": milestone.get_status_display(),
                }
            }
        )
    own = _who_acts(actor, order, step)
    note = _clean_text(
        note,
        "note",
        required=step.needs_note,
        limit=TEXT_MAX_LENGTH if action == MilestoneAction.DELIVER else NOTE_MAX_LENGTH,
    )
    user = actor.user
    now = timezone.now()
    data = {"milestone": milestone.pk, "milestone_from": milestone.status}
    if action == MilestoneAction.DELIVER:
        _check_files(files)
        delivery = Delivery.objects.create(
            order=order, milestone=milestone, note=note, delivered_by=user
        )
        for file in files:
            DeliveryFile.objects.create(
                delivery=delivery, file=file, name=upload_clean_name(file.name), size=file.size
            )
        milestone.delivered_at = now
        data["delivery"] = delivery.pk
    elif action == MilestoneAction.ACCEPT:
        milestone.accepted_at = now
        milestone.accepted_by = user
    else:
        milestone.sent_back_note = note
    milestone.status = step.to
    milestone.save()
    data.update(milestone_to=milestone.status, milestone_title=milestone.title)
    _record(
        order=order,
        event=step.event,
        action=f"milestone_{action}",
        from_status=order.status,
        user=user,
        own=own,
        note=note,
        data=data,
        amount=milestone.amount,
    )
    _tell(
        order=order,
        title=lambda: (
            _("%(title)s: milestone “%(milestone)s” is now “%(status)s”")
            % {
                "title": order.title,
                "milestone": milestone.title,
                "status": milestone.get_status_display(),
            }
        ),
        body=note,
        skip=own,
    )
    _emit(
        order=order,
        event=WebhookEvent.ORDER_MILESTONE_UPDATED,
        payload=_payload(order, action=action, note=note, milestone=_milestone_payload(milestone)),
        skip=own,
    )
    return milestone


# --- innovation vouchers (创新券) ------------------------------------------------------------


def _voucher_payload(voucher: Voucher) -> dict:
    return {
        "id": voucher.pk,
        "number": voucher.number,
        "issued_by": voucher.issued_by_id,
        "holder": voucher.holder_id,
        "amount": voucher.amount,
        "valid_until": voucher.valid_until,
    }


def _redemption_payload(redemption: VoucherRedemption) -> dict:
    return {
        "id": redemption.pk,
        "amount": redemption.amount,
        "status": redemption.status,
        "decision_note": redemption.decision_note,
        "voucher": _voucher_payload(redemption.voucher),
    }


def office_region_ids(office: Organization) -> set[int]:
    """The office's region and the cities below it: where its vouchers' holders are."""
    return {
        office.region_id,
        *Region.objects.filter(parent_id=office.region_id).values_list("pk", flat=True),
    }


def voucher_office_acts(*, actor: Actor, office: Organization) -> bool:
    """A member of the verified CAST office (or its API token with the `review` scope) acts for
    it: issues its vouchers and decides their redemptions."""
    return (
        office.pk in actor.organization_ids
        and office.kind == Organization.Kind.CAST_OFFICE
        and office.is_verified
        and office.region_id in actor.review_region_ids
    )


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


@transaction.atomic
def voucher_issue(
    *,
    actor: Actor,
    office: Organization,
    holder: Organization,
    amount: Decimal,
    valid_until: date,
    valid_from: date | None = None,
    categories: Sequence[ServiceCategory] = (),
    number: str = "",
    note: str = "",
) -> Voucher:
    """A CAST office grants an enterprise of its region (or a city below it) an innovation
    voucher. Its number is the office's (a paper voucher's) or made up here."""
    if not voucher_office_acts(actor=actor, office=office):
        raise PermissionDenied(
            _(
                "Innovation vouchers are issued by the members of a verified CAST office (an API "
                "token needs the review scope)."
            )
        )
    today = timezone.localdate()
    valid_from = valid_from or today
    errors = {}
    if holder.kind != Organization.Kind.ENTERPRISE:
        errors["holder"] = _(
            "Innovation vouchers are issued to enterprises; %(name)s is not one."
        ) % {"name": holder.name}
    elif not holder.is_verified:
        errors["holder"] = _("%(name)s is not verified yet.") % {"name": holder.name}
    elif holder.region_id not in office_region_ids(office):
        errors["holder"] = _("%(name)s is not in the region of %(office)s.") % {
            "name": holder.name,
            "office": office.name,
        }
    if amount is None or amount <= 0:
        errors["amount"] = _("Enter an amount above zero.")
    elif amount > settings.VOUCHER_MAX_AMOUNT:
        errors["amount"] = _("A voucher is worth at most %(max)s yuan.") % {
            "max": _yuan(Decimal(settings.VOUCHER_MAX_AMOUNT))
        }
    if valid_until is None:
        errors["valid_until"] = _("Enter the last day the voucher is valid.")
    elif valid_until < today:
        errors["valid_until"] = _("The voucher must be valid until today or later.")
    elif valid_until < valid_from:
        errors["valid_until"] = _("The last valid day comes after the first.")
    elif (valid_until - valid_from).days > settings.VOUCHER_MAX_VALID_DAYS:
        errors["valid_until"] = _("A voucher is valid for at most %(days)d days.") % {
            "days": settings.VOUCHER_MAX_VALID_DAYS
        }
    number = " ".join((number or "").split()).upper()
    if number and Voucher.objects.filter(number=number).exists():
        errors["number"] = _("Another voucher already has the number %(number)s.") % {
            "number": number
        }
    if errors:
        raise ValidationError(errors)
    while not number:
        candidate = f"CXQ-{today:%Y}-{office.region.code}-{secrets.token_hex(3).upper()}"
        if not Voucher.objects.filter(number=candidate).exists():
            number = candidate
    voucher = Voucher(
        number=number,
        issued_by=office,
        holder=holder,
        amount=amount,
        valid_from=valid_from,
        valid_until=valid_until,
        note=_clean_text(note, "note", required=False, limit=2000),
        created_by=actor.user,
    )
    voucher.full_clean(exclude=["issued_by", "holder", "created_by"])
    voucher.save()
    voucher.categories.set(categories)
    outcome_record(
        name=OutcomeEvent.Name.VOUCHER_ISSUED,
        subject_type="voucher",
        subject_id=voucher.pk,
        actor=actor.user,
        organization=office,
        counterpart=holder,
        region_id=holder.region_id,
        amount=voucher.amount,
        data={
            "voucher": voucher.pk,
            "number": voucher.number,
            "office": office.pk,
            "holder": holder.pk,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "categories": [category.pk for category in categories],
        },
    )
    notify_organization(
        organization=holder,
        topic=Notification.Topic.ORDER,
        title=lambda: (
            _("%(office)s granted you an innovation voucher of %(amount)s yuan")
            % {"office": office.name, "amount": _yuan(voucher.amount)}
        ),
        body=lambda: (
            _("Valid until %(until)s. Pay service orders with it on the order's page.")
            % {"until": valid_until.isoformat()}
        ),
        url=voucher.get_absolute_url(),
    )
    return voucher


@transaction.atomic
def voucher_revoke(*, actor: Actor, voucher: Voucher, note: str) -> Voucher:
    """The office withdraws a voucher: it pays for nothing more; redemptions already applied
    are still verified or rejected by the office."""
    voucher = Voucher.objects.select_for_update().select_related("issued_by").get(pk=voucher.pk)
    if not voucher_office_acts(actor=actor, office=voucher.issued_by):
        raise PermissionDenied(_("Only the CAST office that issued the voucher revokes it."))
    if voucher.status != Voucher.Status.ACTIVE:
        raise ValidationError({"status": _("This voucher was revoked already.")})
    voucher.revoke_note = _clean_text(note, "note", limit=2000)
    voucher.status = Voucher.Status.REVOKED
    voucher.revoked_at = timezone.now()
    voucher.save(update_fields=["status", "revoked_at", "revoke_note"])
    notify_organization(
        organization=voucher.holder,
        topic=Notification.Topic.ORDER,
        title=lambda: _("Innovation voucher %(number)s was revoked") % {"number": voucher.number},
        body=voucher.revoke_note,
        url=voucher.get_absolute_url(),
    )
    return voucher


@transaction.atomic
def voucher_apply(
    *, actor: Actor, order: Order, voucher: Voucher, amount: Decimal
) -> VoucherRedemption:
    """The buyer pays part of its order with a voucher it holds. The voucher's row is locked
    first, so two orders paid at once cannot together spend more than its balance: the second
    sees what the first holds."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    own = order_party_organization_id(actor=actor, order=order)
    if own != order.buyer_id:
        raise PermissionDenied(_("Only the buyer pays its order with a voucher."))
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    today = timezone.localdate()
    errors = {}
    if order.status in ORDER_CLOSED:
        errors["voucher"] = _(
            "The order is “%(status)s”: a voucher pays for an order that is still open."
        ) % {"status": order.get_status_display()}
    elif voucher.holder_id != order.buyer_id:
        errors["voucher"] = _("Choose a voucher the buyer holds.")
    elif voucher.status != Voucher.Status.ACTIVE:
        errors["voucher"] = _("Voucher %(number)s was revoked.") % {"number": voucher.number}
    elif voucher.valid_from > today:
        errors["voucher"] = _("Voucher %(number)s is valid from %(date)s.") % {
            "number": voucher.number,
            "date": voucher.valid_from.isoformat(),
        }
    elif voucher.is_expired(today):
        errors["voucher"] = _("Voucher %(number)s expired on %(date)s.") % {
            "number": voucher.number,
            "date": voucher.valid_until.isoformat(),
        }
    else:
        allowed = list(voucher.categories.all())
        if allowed and order.category_id not in {category.pk for category in allowed}:
            errors["voucher"] = _("Voucher %(number)s pays only for: %(categories)s.") % {
                "number": voucher.number,
                "categories": "、".join(str(category) for category in allowed),
            }
        elif VoucherRedemption.objects.filter(
            voucher=voucher, order=order, status__in=REDEMPTION_HOLDING
        ).exists():
            errors["voucher"] = _("Voucher %(number)s is already paying for this order.") % {
                "number": voucher.number
            }
    if errors:
        raise ValidationError(errors)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    held = VoucherRedemption.objects.filter(voucher=voucher, status__in=REDEMPTION_HOLDING)
    balance = voucher.amount - (held.aggregate(total=Sum("amount"))["total"] or Decimal("0"))
    if amount > balance:
        raise ValidationError(
            {
                "amount": _(
                    "%(amount)s yuan is more than voucher %(number)s has left: %(balance)s yuan."
                )
                % {"amount": _yuan(amount), "number": voucher.number, "balance": _yuan(balance)}
            }
        )
    covered = VoucherRedemption.objects.filter(
        order=order, status__in=REDEMPTION_HOLDING
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if covered + amount > order.price:
        raise ValidationError(
            {
                "amount": _(
                    "Vouchers would pay %(total)s yuan of the order's price of %(price)s yuan; "
                    "at most %(left)s yuan more."
                )
                % {
                    "total": _yuan(covered + amount),
                    "price": _yuan(order.price),
                    "left": _yuan(order.price - covered),
                }
            }
        )
    redemption = VoucherRedemption(
        voucher=voucher, order=order, amount=amount, applied_by=actor.user
    )
    redemption.full_clean(exclude=["voucher", "order", "applied_by", "decided_by"])
    redemption.save()

    def note():
        return _("Voucher %(number)s pays %(amount)s yuan") % {
            "number": voucher.number,
            "amount": _yuan(amount),
        }

    OrderHistory.objects.create(
        order=order,
        action="voucher_applied",
        from_status=order.status,
        to_status=order.status,
        user=actor.user,
        organization_id=own,
        note=note(),
    )
    outcome_record(
        name=OutcomeEvent.Name.VOUCHER_APPLIED,
        subject_type="voucher",
        subject_id=voucher.pk,
        actor=actor.user,
        organization=Organization(pk=order.buyer_id),
        counterpart=Organization(pk=order.provider_id),
        region_id=order.region_id,
        amount=amount,
        data={
            "voucher": voucher.pk,
            "redemption": redemption.pk,
            "order": order.pk,
            "office": voucher.issued_by_id,
            "buyer": order.buyer_id,
            "provider": order.provider_id,
            "category": order.category_id,
        },
    )
    _tell(order=order, title=lambda: f"{order.title}: {note()}", skip=own)
    notify_organization(
        organization=Organization.objects.get(pk=voucher.issued_by_id),
        topic=Notification.Topic.ORDER,
        title=lambda: (
            _("Voucher %(number)s applied to an order: %(amount)s yuan to verify")
            % {"number": voucher.number, "amount": _yuan(amount)}
        ),
        body=order.title,
        url=reverse("orders:redemptions"),
    )
    _emit(
        order=order,
        event=WebhookEvent.ORDER_UPDATED,
        payload=_payload(
            order, action="voucher_applied", redemption=_redemption_payload(redemption)
        ),
        skip=own,
    )
    return redemption


@transaction.atomic
def redemption_decide(
    *, actor: Actor, redemption: VoucherRedemption, verify: bool, note: str = ""
) -> VoucherRedemption:
    """The issuing office verifies a payment once the order is completed, or rejects it with
    its reasons: the amount returns to the voucher's balance."""
    redemption = VoucherRedemption.objects.select_related("voucher__issued_by").get(
        pk=redemption.pk
    )
    # The voucher first, as voucher_apply locks it: its balance is read under the same lock.
    Voucher.objects.select_for_update().get(pk=redemption.voucher_id)
    redemption = (
        VoucherRedemption.objects.select_for_update(of=("self",))
        .select_related("voucher__issued_by", "order")
        .get(pk=redemption.pk)
    )
    voucher, order = redemption.voucher, redemption.order
    if not voucher_office_acts(actor=actor, office=voucher.issued_by):
        raise PermissionDenied(
            _("Only the CAST office that issued the voucher verifies what is paid with it.")
        )
    if redemption.status != VoucherRedemption.Status.PENDING:
        raise ValidationError(
            {
                "status": _("This payment was %(status)s already.")
                % {"status": redemption.get_status_display()}
            }
        )
    note = _clean_text(note, "note", required=not verify, limit=NOTE_MAX_LENGTH)
    if verify and order.status != OrderStatus.COMPLETED:
        raise ValidationError(
            {
                "status": _(
                    "A payment is verified once the order is completed; it is “%(status)s”."
                )
                % {"status": order.get_status_display()}
            }
        )
    redemption.status = (
        VoucherRedemption.Status.VERIFIED if verify else VoucherRedemption.Status.REJECTED
    )
    redemption.decided_by = actor.user
    redemption.decided_at = timezone.now()
    redemption.decision_note = note
    redemption.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])

    def label():
        return (
            _("Voucher %(number)s: %(amount)s yuan verified by %(office)s")
            if verify
            else _("Voucher %(number)s: %(amount)s yuan rejected by %(office)s")
        ) % {
            "number": voucher.number,
            "amount": _yuan(redemption.amount),
            "office": voucher.issued_by.name,
        }

    OrderHistory.objects.create(
        order=order,
        action="voucher_verified" if verify else "voucher_rejected",
        from_status=order.status,
        to_status=order.status,
        user=actor.user,
        note=note or label(),
    )
    outcome_record(
        name=OutcomeEvent.Name.VOUCHER_REDEMPTION_VERIFIED
        if verify
        else OutcomeEvent.Name.VOUCHER_REDEMPTION_REJECTED,
        subject_type="voucher",
        subject_id=voucher.pk,
        actor=actor.user,
        organization=voucher.issued_by,
        counterpart=Organization(pk=order.buyer_id),
        region_id=order.region_id,
        amount=redemption.amount,
        data={
            "voucher": voucher.pk,
            "redemption": redemption.pk,
            "order": order.pk,
            "office": voucher.issued_by_id,
            "buyer": order.buyer_id,
            "provider": order.provider_id,
            "category": order.category_id,
        },
    )
    _tell(order=order, title=label, body=note)
    _emit(
        order=order,
        event=WebhookEvent.VOUCHER_REDEMPTION_DECIDED,
        payload=_payload(order, redemption=_redemption_payload(redemption)),
    )
    return redemption
