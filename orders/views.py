"""Pages of service orders: ordering an offering, requests for quotes and their quotes,
我的订单 (bought, sold, and the CAST staff's disputes and oversight), an order's page with its
steps, milestones, deliveries, voucher payments, dispute, reviews and history, and the
innovation vouchers (创新券): the holder's, the office's issuing and its queue of payments to
verify. Thin: the services decide; their errors come back on the forms.

Anyone who may not read an order gets 404 (order_get), as if it did not exist; a refused step
is a message for a party and a 403 for anyone else (the overseeing staff trying a party's step).
"""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalogue.models import OfferingStatus, PriceKind, ServiceCategory, ServiceOffering
from core.uploads import upload_private_response
from core.web import add_service_errors, error_text
from orders import services
from orders.forms import (
    ActionForm,
    DecisionForm,
    DisputeAnswerForm,
    MilestoneDeliverForm,
    MilestoneForm,
    MilestoneReviewForm,
    OrderPlaceForm,
    QuoteAcceptForm,
    QuoteForm,
    QuoteRequestForm,
    RedemptionDecisionForm,
    ReviewForm,
    VoucherApplyForm,
    VoucherIssueForm,
    VoucherRevokeForm,
    buyer_organizations,
)
from orders.models import (
    ORDER_CLOSED,
    REDEMPTION_HOLDING,
    DeliveryFile,
    Dispute,
    Order,
    OrderConfirmation,
    OrderMilestone,
    OrderStatus,
    Quote,
    QuoteRequest,
    Voucher,
    VoucherRedemption,
)
from orders.permissions import order_party_organization_id
from orders.selectors import (
    milestone_available_actions,
    milestone_list,
    order_available_actions,
    order_get,
    order_list_visible,
    order_redemptions,
    quote_list_for,
    quote_request_list_visible,
    redemption_list_visible,
    review_list_visible,
    voucher_get,
    voucher_list_visible,
    vouchers_with_balance,
)
from orders.transitions import (
    ACTION_LABELS,
    MILESTONE_ACTION_LABELS,
    MILESTONE_PLAN_STATUSES,
    TRANSITIONS,
    Action,
    MilestoneAction,
    Who,
    step_for,
)
from organizations.models import Organization

S = OrderStatus
# The main path of an order, as the progress bar shows it.
MAIN_PATH = [S.AWAITING_ACCEPTANCE, S.IN_PROGRESS, S.DELIVERED, S.COMPLETED]
STATUS_BADGES = {
    S.AWAITING_ACCEPTANCE: "text-bg-info",
    S.IN_PROGRESS: "text-bg-primary",
    S.DELIVERED: "text-bg-warning",
    S.REVISION_REQUESTED: "text-bg-warning",
    S.DISPUTED: "text-bg-danger",
    S.COMPLETED: "text-bg-success",
    S.CANCELLED: "text-bg-dark",
    S.DECLINED: "text-bg-dark",
    S.EXPIRED: "text-bg-secondary",
}
# The staff decide in the dispute's own form, not among the buttons.
DECISION_ACTIONS = {Action.DECIDE_FOR_BUYER, Action.DECIDE_FOR_PROVIDER}
DANGER_ACTIONS = {Action.DECLINE, Action.WITHDRAW, Action.CANCEL, Action.OPEN_DISPUTE}
CONFIRM_ACTIONS = {Action.WITHDRAW, Action.COMPLETE, Action.CANCEL, Action.WITHDRAW_DISPUTE}
NOTE_LABELS = {
    Action.DELIVER: gettext_lazy("what is delivered"),
    Action.DECLINE: gettext_lazy("why you decline"),
    Action.REQUEST_REVISION: gettext_lazy("what should be revised"),
    Action.OPEN_DISPUTE: gettext_lazy("your statement: what is wrong"),
}
# History rows written by the services besides the table's steps.
HISTORY_LABELS = {
    "place": gettext_lazy("Order placed"),
    "accept_quote": gettext_lazy("Quote accepted: order placed"),
    "answer_dispute": gettext_lazy("Dispute answered"),
    "late": gettext_lazy("Past its due date"),
    "milestone_planned": gettext_lazy("Milestone added to the plan"),
    "milestone_changed": gettext_lazy("Milestone changed"),
    "milestone_removed": gettext_lazy("Milestone removed from the plan"),
    "voucher_applied": gettext_lazy("Paid in part with an innovation voucher"),
    "voucher_verified": gettext_lazy("Voucher payment verified by the CAST office"),
    "voucher_rejected": gettext_lazy("Voucher payment rejected by the CAST office"),
}
QUOTE_BADGES = {
    Quote.Status.SUBMITTED: "text-bg-primary",
    Quote.Status.ACCEPTED: "text-bg-success",
    Quote.Status.WITHDRAWN: "text-bg-secondary",
    Quote.Status.DECLINED: "text-bg-light border",
}


def _badge(status):
    return STATUS_BADGES.get(status, "text-bg-secondary")


# --- ordering an offering ------------------------------------------------------------------


def order_box_context(request, offering):
    """What the offering's page shows a would-be buyer: the order form (fixed price), a link to
    ask for a quote (a price from, or on quote), or why not."""
    actor = request.actor
    box = {"offering": offering, "request": request, "reason": "", "form": None, "quote": False}
    if offering.status != OfferingStatus.PUBLISHED:
        box["hidden"] = True
        return box
    if not actor.is_authenticated:
        box["reason"] = "login"
        return box
    if offering.provider_id in actor.organization_ids:
        box["hidden"] = True
        return box
    buyers = list(buyer_organizations(actor))
    if not buyers:
        box["reason"] = "cast" if actor.organization_ids else "no_organization"
    elif not any(buyer.is_verified for buyer in buyers):
        box["reason"] = "unverified"
    elif offering.price_kind == PriceKind.FIXED and offering.price_amount is not None:
        box["form"] = OrderPlaceForm(actor=actor, auto_id="id_order_%s")
    else:
        box["quote"] = True
    return box


@login_required
def order_place(request, offering_pk):
    """The order form: on the offering's page, and here again with its errors."""
    offering = get_object_or_404(
        ServiceOffering.objects.select_related("provider", "category"),
        pk=offering_pk,
        status=OfferingStatus.PUBLISHED,
    )
    form = OrderPlaceForm(request.POST or None, actor=request.actor, auto_id="id_order_%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                order = services.order_place(
                    actor=request.actor, offering=offering, **form.cleaned_data
                )
            except PermissionDenied as error:
                raise PermissionDenied(error_text(error)) from error
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Order placed: the provider has been asked to accept it.")
                )
                return redirect(order)
        status = 400
    return render(
        request,
        "orders/order_place.html",
        {"offering": offering, "form": form},
        status=status,
    )


# --- 我的订单 -------------------------------------------------------------------------------

BOXES = ("bought", "sold", "disputes", "oversight")


@login_required
def order_list(request):
    """我的订单: what one's organizations bought and sold; the CAST staff also find the orders
    of their region in dispute (?box=disputes) and all of them (?box=oversight)."""
    actor = request.actor
    box = request.GET.get("box", "bought")
    if box not in BOXES or (box in ("disputes", "oversight") and not actor.is_staff_reviewer):
        box = "bought"
    orders = order_list_visible(actor=actor)
    if box == "bought":
        orders = orders.filter(buyer_id__in=actor.organization_ids)
    elif box == "sold":
        orders = orders.filter(provider_id__in=actor.organization_ids)
    else:
        if not actor.is_superuser:
            orders = orders.filter(region_id__in=actor.review_region_ids)
        if box == "disputes":
            orders = orders.filter(status=S.DISPUTED)
    status = request.GET.get("status", "")
    if status in S.values:
        orders = orders.filter(status=status)
    else:
        status = ""
    rows = [{"order": order, "badge": _badge(order.status)} for order in orders[:200]]
    disputes = 0
    if actor.is_staff_reviewer:
        staff_orders = order_list_visible(actor=actor).filter(status=S.DISPUTED)
        if not actor.is_superuser:
            staff_orders = staff_orders.filter(region_id__in=actor.review_region_ids)
        disputes = staff_orders.count()
    return render(
        request,
        "orders/order_list.html",
        {
            "rows": rows,
            "box": box,
            "status": status,
            "statuses": S.choices,
            "open_disputes": disputes,
            "today": timezone.localdate(),
        },
    )


# --- the order's page ----------------------------------------------------------------------


def _progress(order, history):
    """The main path with each status done, current or to come; an order off the path shows
    where it stood when it left it."""
    reached = order.status
    if order.status == S.REVISION_REQUESTED:
        reached = S.IN_PROGRESS
    elif order.status not in MAIN_PATH:
        left = [row for row in history if row.to_status == order.status and row.from_status]
        reached = left[-1].from_status if left else S.AWAITING_ACCEPTANCE
        if reached == S.REVISION_REQUESTED:
            reached = S.IN_PROGRESS
        elif reached == S.DISPUTED:
            reached = order.status_before_dispute or S.IN_PROGRESS
    index = MAIN_PATH.index(reached) if reached in MAIN_PATH else 0
    on_path = order.status in MAIN_PATH or order.status == S.REVISION_REQUESTED
    steps = []
    for position, status in enumerate(MAIN_PATH):
        if position < index or (order.status == S.COMPLETED and position == index):
            state = "done"
        elif position == index:
            state = "current" if on_path else "stopped"
        else:
            state = "todo"
        steps.append({"label": S(status).label, "state": state})
    return steps


def _action_rows(order, own, available, bound):
    confirmed = {}
    for action, organization_id in OrderConfirmation.objects.filter(order=order).values_list(
        "action", "organization_id"
    ):
        confirmed.setdefault(action, set()).add(organization_id)
    rows = []
    for (status, action), step in TRANSITIONS.items():
        if status != order.status or action in DECISION_ACTIONS or step.who == Who.SYSTEM:
            continue
        can = action in available
        parties = confirmed.get(action.value, set())
        ours = own is not None and own in parties
        if not can and not (step.both and own is not None):
            continue
        form = (
            bound
            if bound is not None and bound.data.get("action") == action.value
            else ActionForm(initial={"action": action.value}, auto_id=f"id_{action.value}_%s")
        )
        if action in NOTE_LABELS:
            # The bound field keeps the label it was made with: change both.
            form.fields["note"].label = form["note"].label = NOTE_LABELS[action]
        rows.append(
            {
                "action": action.value,
                "label": ACTION_LABELS[action],
                "form": form,
                "can": can,
                "needs_note": step.needs_note or action == Action.DELIVER,
                "files": action == Action.DELIVER,
                "danger": action in DANGER_ACTIONS,
                "ask_first": action in CONFIRM_ACTIONS,
                "both": step.both,
                "we_confirmed": ours,
                "buyer_confirmed": order.buyer_id in parties,
                "provider_confirmed": order.provider_id in parties,
            }
        )
    return rows


def _history_label(action):
    if action in Action._value2member_map_:
        return ACTION_LABELS[Action(action)]
    step = action.removeprefix("milestone_")
    if step != action and step in MilestoneAction._value2member_map_:
        return MILESTONE_ACTION_LABELS[MilestoneAction(step)]
    return HISTORY_LABELS.get(action, action)


def _order_page(request, order, *, status=200, **bound):
    """The order's page; `bound` holds the form that came back with errors (and keeps what
    was typed), the others start empty."""
    actor = request.actor
    own = order_party_organization_id(actor=actor, order=order)
    side = None if own is None else ("buyer" if own == order.buyer_id else "provider")
    available = order_available_actions(actor=actor, order=order, own=own)
    history = list(order.history.select_related("user", "organization"))
    labels = dict(S.choices)
    for row in history:
        row.label = _history_label(row.action)
        row.from_label = labels.get(row.from_status, "")
        row.to_label = labels.get(row.to_status, "")
    deliveries = list(order.deliveries.select_related("milestone").prefetch_related("files"))
    disputes = list(order.disputes.select_related("opened_by"))
    dispute = disputes[0] if disputes and not disputes[0].decision else None
    past_disputes = [d for d in disputes if d is not dispute]
    can_decide = dispute is not None and Action.DECIDE_FOR_BUYER in available
    can_answer = (
        dispute is not None
        and own is not None
        and own != dispute.opened_by_id
        and not dispute.answered_at
    )
    reviews = review_list_visible(actor=actor, order=order)
    own_reviewed = (
        own is not None and order.reviews.filter(reviewer_id=own).exists()  # hidden or not
    )
    review_open = (
        own is not None
        and order.status == S.COMPLETED
        and not own_reviewed
        and order.completed_at is not None
        and (timezone.now() - order.completed_at).days < settings.ORDER_REVIEW_WINDOW_DAYS
    )
    bound_action = bound.get("action_form")
    actions = _action_rows(order, own, available, bound_action)
    today = timezone.localdate()
    context = {
        "order": order,
        "own_id": own,
        "side": side,
        "is_party": own is not None,
        "badge": _badge(order.status),
        "progress": _progress(order, history),
        "off_path": order.status not in MAIN_PATH,
        "actions": actions,
        "stray_action_form": bound_action
        if bound_action is not None and not any(row["form"] is bound_action for row in actions)
        else None,
        "deliveries": deliveries,
        "dispute": dispute,
        "past_disputes": past_disputes,
        "answer_form": (bound.get("answer_form") or DisputeAnswerForm(auto_id="id_answer_%s"))
        if can_answer
        else None,
        "decision_form": (bound.get("decision_form") or DecisionForm(auto_id="id_decision_%s"))
        if can_decide
        else None,
        "reviews": reviews,
        "own_reviewed": own_reviewed,
        "review_form": (bound.get("review_form") or ReviewForm(auto_id="id_review_%s"))
        if review_open
        else None,
        "is_late": order.late_since is not None
        or (order.status not in ORDER_CLOSED and order.due_on < today),
        "history": history,
        "quote_request": order.quote.request if order.quote_id else None,
        # What was delivered can go on the listing the order served, once it is completed.
        "can_attach": side == "buyer" and order.listing_id and order.status == S.COMPLETED,
        **_milestone_rows(request, order, own, side, bound),
        **_voucher_rows(request, order, side, bound),
    }
    return render(request, "orders/order_detail.html", context, status=status)


@login_required
def order_detail(request, pk):
    order = order_get(actor=request.actor, pk=pk)
    return _order_page(request, order)


def _refused(request, order, error):
    """A refused step: a party hears why; anyone else is refused outright (403)."""
    if order_party_organization_id(actor=request.actor, order=order) is None:
        raise error
    messages.error(request, error_text(error))
    return redirect(order)


@login_required
@require_POST
def order_act(request, pk):
    order = order_get(actor=request.actor, pk=pk)
    form = ActionForm(
        request.POST, request.FILES, auto_id=f"id_{request.POST.get('action', '')}_%s"
    )
    if form.is_valid():
        action = form.cleaned_data["action"]
        from_status = order.status
        try:
            order = services.order_transition(
                actor=request.actor,
                order=order,
                action=action,
                note=form.cleaned_data["note"],
                files=form.cleaned_data["files"] if action == Action.DELIVER else (),
            )
        except PermissionDenied as error:
            return _refused(request, order, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            step = step_for(from_status, action)
            label = ACTION_LABELS[Action(action)]
            if step.both and order.status == from_status:
                text = _("Agreed: “%(action)s”. Waiting for the other side.") % {"action": label}
            else:
                text = _("Done: “%(action)s”. The order is now “%(status)s”.") % {
                    "action": label,
                    "status": order.get_status_display(),
                }
            messages.success(request, text)
            return redirect(order)
    order.refresh_from_db()
    return _order_page(request, order, status=400, action_form=form)


@login_required
@require_POST
def dispute_decide(request, pk):
    order = order_get(actor=request.actor, pk=pk)
    form = DecisionForm(request.POST, auto_id="id_decision_%s")
    if form.is_valid():
        try:
            order = services.order_transition(
                actor=request.actor,
                order=order,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as error:
            return _refused(request, order, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Decided. The order is now “%(status)s”.")
                % {"status": order.get_status_display()},
            )
            return redirect(order)
    return _order_page(request, order, status=400, decision_form=form)


@login_required
@require_POST
def dispute_answer(request, pk):
    order = order_get(actor=request.actor, pk=pk)
    dispute = Dispute.objects.filter(order=order, decision="").first()
    if dispute is None:
        messages.error(request, _("There is no open dispute to answer."))
        return redirect(order)
    form = DisputeAnswerForm(request.POST, auto_id="id_answer_%s")
    if form.is_valid():
        try:
            services.dispute_answer(
                actor=request.actor, dispute=dispute, answer=form.cleaned_data["answer"]
            )
        except PermissionDenied as error:
            return _refused(request, order, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your answer is recorded; the CAST staff will decide."))
            return redirect(f"{order.get_absolute_url()}#dispute")
    return _order_page(request, order, status=400, answer_form=form)


@login_required
@require_POST
def review_submit(request, pk):
    order = order_get(actor=request.actor, pk=pk)
    form = ReviewForm(request.POST, auto_id="id_review_%s")
    if form.is_valid():
        try:
            services.review_submit(actor=request.actor, order=order, **form.cleaned_data)
        except PermissionDenied as error:
            return _refused(request, order, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Thank you. The other side sees your review once both are in or the time to "
                    "review is over."
                ),
            )
            return redirect(f"{order.get_absolute_url()}#reviews")
    return _order_page(request, order, status=400, review_form=form)


@login_required
def delivery_file_download(request, pk):
    """Through this check only, never a public folder: 404 for anyone who may not read the
    order."""
    delivered = DeliveryFile.objects.filter(pk=pk).select_related("delivery").first()
    if delivered is None:
        raise Http404
    order_get(actor=request.actor, pk=delivered.delivery.order_id)
    return upload_private_response(delivered.file, filename=delivered.name)


@login_required
@require_POST
def delivery_file_attach(request, pk):
    """The buyer copies a delivered file onto the listing the completed order served."""
    delivered = DeliveryFile.objects.filter(pk=pk).select_related("delivery").first()
    if delivered is None:
        raise Http404
    order = order_get(actor=request.actor, pk=delivered.delivery.order_id)
    try:
        services.delivery_file_attach(
            actor=request.actor,
            delivered=delivered,
            is_confidential=request.POST.get("visibility") != "public",
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, order, error)
    messages.success(
        request,
        _("%(name)s is attached to %(listing)s.")
        % {"name": delivered.name, "listing": order.listing.title},
    )
    return redirect(order)


# --- requests for quotes -------------------------------------------------------------------


def _request_get(actor, pk) -> QuoteRequest:
    request = quote_request_list_visible(actor=actor).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


@login_required
def quote_request_list(request):
    """The buyer's requests for quotes (?box=mine) and a provider's inbox of those open to it
    (?box=inbox)."""
    actor = request.actor
    box = request.GET.get("box", "mine")
    if box not in ("mine", "inbox"):
        box = "mine"
    visible = quote_request_list_visible(actor=actor)
    if box == "mine":
        requests = visible.filter(buyer_id__in=actor.organization_ids)
    else:
        requests = visible.exclude(buyer_id__in=actor.organization_ids)
    requests = list(requests.prefetch_related("quotes")[:200])
    now = timezone.now()
    for item in requests:
        quotes = list(item.quotes.all())
        item.live_quotes = sum(1 for q in quotes if q.status == Quote.Status.SUBMITTED)
        item.our_quote = next(
            (
                q
                for q in quotes
                if q.provider_id in actor.organization_ids and q.status != Quote.Status.WITHDRAWN
            ),
            None,
        )
        item.taking_quotes = item.status == QuoteRequest.Status.OPEN and item.quotes_due_at > now
    return render(
        request,
        "orders/quote_request_list.html",
        {"requests": requests, "box": box, "can_ask": buyer_organizations(actor).exists()},
    )


@login_required
def quote_request_create(request):
    """A request for quotes; ?offering=<id> invites that offering's provider to quote."""
    actor = request.actor
    initial = {}
    offering = None
    offering_pk = request.GET.get("offering", "")
    if offering_pk.isdigit():
        offering = ServiceOffering.objects.filter(
            pk=int(offering_pk), status=OfferingStatus.PUBLISHED
        ).first()
    if offering is not None:
        initial = {
            "category": offering.category_id,
            "title": offering.title,
            "invited": [offering.provider_id],
        }
    elif request.GET.get("category"):
        category = ServiceCategory.objects.filter(code=request.GET["category"]).first()
        if category is not None:
            initial["category"] = category.pk
    form = QuoteRequestForm(request.POST or None, actor=actor, initial=initial, auto_id="id_rfq_%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["invited"] = list(data["invited"])
            try:
                created = services.quote_request_create(actor=actor, **data)
            except PermissionDenied as error:
                form.add_error(None, error_text(error))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Your request for quotes is sent. Quotes appear here as they come in."),
                )
                return redirect("orders:quote_request", pk=created.pk)
        status = 400
    return render(
        request,
        "orders/quote_request_form.html",
        {"form": form, "offering": offering, "can_ask": buyer_organizations(actor).exists()},
        status=status,
    )


def _quote_request_page(request, quote_request, *, status=200, **bound):
    actor = request.actor
    is_buyer = quote_request.buyer_id in actor.organization_ids
    quotes = list(quote_list_for(actor=actor, request=quote_request))
    for quote in quotes:
        quote.badge = QUOTE_BADGES.get(quote.status, "text-bg-secondary")
    now = timezone.now()
    taking = quote_request.status == QuoteRequest.Status.OPEN and quote_request.quotes_due_at > now
    quote_form = None
    if not is_buyer and taking:
        live = any(q.status == Quote.Status.SUBMITTED for q in quotes)
        providers = [
            pk
            for pk in actor.organization_ids
            if services.quote_request_is_open_to(request=quote_request, provider_id=pk)
        ]
        if providers and not live:
            quote_form = bound.get("quote_form") or QuoteForm(
                request=quote_request, provider_ids=providers, auto_id="id_quote_%s"
            )
    accept_forms = bound.get("accept_forms", {})
    for quote in quotes:
        quote.accept_form = None
        if is_buyer and quote.status == Quote.Status.SUBMITTED:
            quote.accept_form = accept_forms.get(quote.pk) or QuoteAcceptForm(
                auto_id=f"id_accept_{quote.pk}_%s"
            )
    order = Order.objects.filter(quote__request=quote_request).first()
    return render(
        request,
        "orders/quote_request_detail.html",
        {
            "quote_request": quote_request,
            "is_buyer": is_buyer,
            "quotes": quotes,
            "quote_form": quote_form,
            "taking": taking,
            "invited": list(quote_request.invited.all()),
            "order": order,
            "can_read_order": order is not None
            and order_party_organization_id(actor=actor, order=order) is not None,
        },
        status=status,
    )


@login_required
def quote_request_detail(request, pk):
    return _quote_request_page(request, _request_get(request.actor, pk))


def _own_provider(actor, quote_request):
    for pk in sorted(actor.organization_ids):
        if pk != quote_request.buyer_id and services.quote_request_is_open_to(
            request=quote_request, provider_id=pk
        ):
            return pk
    return None


@login_required
@require_POST
def quote_submit(request, pk):
    actor = request.actor
    quote_request = _request_get(actor, pk)
    provider_id = _own_provider(actor, quote_request)
    if provider_id is None:
        raise PermissionDenied(_("This request for quotes is not open to your organization."))
    form = QuoteForm(
        request.POST, request=quote_request, provider_ids=[provider_id], auto_id="id_quote_%s"
    )
    if form.is_valid():
        try:
            services.quote_submit(
                actor=actor,
                request=quote_request,
                provider=Organization.objects.get(pk=provider_id),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your quote is sent to the buyer."))
            return redirect("orders:quote_request", pk=quote_request.pk)
    return _quote_request_page(request, quote_request, status=400, quote_form=form)


def _quote_of(actor, pk) -> Quote:
    quote = Quote.objects.filter(pk=pk).select_related("request").first()
    if quote is None:
        raise Http404
    _request_get(actor, quote.request_id)
    if (
        quote.provider_id not in actor.organization_ids
        and quote.request.buyer_id not in actor.organization_ids
    ):
        raise Http404
    return quote


@login_required
@require_POST
def quote_withdraw(request, pk):
    quote = _quote_of(request.actor, pk)
    try:
        services.quote_withdraw(actor=request.actor, quote=quote)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Your quote is withdrawn."))
    return redirect("orders:quote_request", pk=quote.request_id)


@login_required
@require_POST
def quote_accept(request, pk):
    quote = _quote_of(request.actor, pk)
    form = QuoteAcceptForm(request.POST, auto_id=f"id_accept_{quote.pk}_%s")
    if form.is_valid():
        try:
            order = services.quote_accept(
                actor=request.actor, quote=quote, due_on=form.cleaned_data["due_on"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Quote accepted: the order is in progress."))
            return redirect(order)
    return _quote_request_page(request, quote.request, status=400, accept_forms={quote.pk: form})


# --- milestones ----------------------------------------------------------------------------

MILESTONE_BADGES = {
    OrderMilestone.Status.PENDING: "text-bg-secondary",
    OrderMilestone.Status.DELIVERED: "text-bg-warning",
    OrderMilestone.Status.ACCEPTED: "text-bg-success",
    OrderMilestone.Status.SENT_BACK: "text-bg-danger",
}


def _milestone_of(order, pk) -> OrderMilestone:
    milestone = OrderMilestone.objects.filter(pk=pk, order=order).first()
    if milestone is None:
        raise Http404
    return milestone


def _milestone_rows(request, order, own, side, bound):
    """The order's milestones, each with the form its side may use now (the bound one that came
    back with errors, else an empty one)."""
    deliver_forms = bound.get("deliver_forms", {})
    review_forms = bound.get("milestone_review_forms", {})
    rows = list(milestone_list(order=order).prefetch_related("deliveries__files"))
    for milestone in rows:
        milestone.badge = MILESTONE_BADGES.get(milestone.status, "text-bg-secondary")
        milestone.delivery_list = list(milestone.deliveries.all())
        actions = milestone_available_actions(
            actor=request.actor, order=order, milestone=milestone, own=own
        )
        milestone.deliver_form = None
        milestone.review_form = None
        if MilestoneAction.DELIVER in actions:
            milestone.deliver_form = deliver_forms.get(milestone.pk) or MilestoneDeliverForm(
                auto_id=f"id_deliver_{milestone.pk}_%s"
            )
        if MilestoneAction.ACCEPT in actions:
            milestone.review_form = review_forms.get(milestone.pk) or MilestoneReviewForm(
                auto_id=f"id_msreview_{milestone.pk}_%s"
            )
    plannable = (
        own is not None
        and order.status in MILESTONE_PLAN_STATUSES
        and all(m.status == OrderMilestone.Status.PENDING for m in rows)
    )
    total = sum((m.amount for m in rows if m.amount is not None), Decimal("0"))
    return {
        "milestones": rows,
        "milestones_plannable": plannable,
        "milestone_form": (bound.get("milestone_form") or MilestoneForm(auto_id="id_milestone_%s"))
        if plannable
        else None,
        "milestone_total": total,
        "milestones_open": sum(1 for m in rows if m.status != OrderMilestone.Status.ACCEPTED),
    }


@login_required
@require_POST
def milestone_add(request, pk):
    order = order_get(actor=request.actor, pk=pk)
    form = MilestoneForm(request.POST, auto_id="id_milestone_%s")
    if form.is_valid():
        try:
            services.milestone_save(actor=request.actor, order=order, **form.cleaned_data)
        except PermissionDenied as error:
            return _refused(request, order, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Milestone added."))
            return redirect(f"{order.get_absolute_url()}#milestones")
    return _order_page(request, order, status=400, milestone_form=form)


@login_required
def milestone_edit(request, pk, milestone_pk):
    order = order_get(actor=request.actor, pk=pk)
    milestone = _milestone_of(order, milestone_pk)
    if order_party_organization_id(actor=request.actor, order=order) is None:
        raise PermissionDenied(_("Only the two parties plan the order's milestones."))
    form = MilestoneForm(request.POST or None, instance=milestone)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.milestone_save(
                    actor=request.actor,
                    order=order,
                    milestone=_milestone_of(order, milestone_pk),
                    **form.cleaned_data,
                )
            except PermissionDenied as error:
                return _refused(request, order, error)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Milestone saved."))
                return redirect(f"{order.get_absolute_url()}#milestones")
        status = 400
    return render(
        request,
        "orders/milestone_form.html",
        {"order": order, "milestone": milestone, "form": form},
        status=status,
    )


@login_required
@require_POST
def milestone_delete(request, pk, milestone_pk):
    order = order_get(actor=request.actor, pk=pk)
    milestone = _milestone_of(order, milestone_pk)
    try:
        services.milestone_delete(actor=request.actor, milestone=milestone)
    except PermissionDenied as error:
        return _refused(request, order, error)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Milestone deleted."))
    return redirect(f"{order.get_absolute_url()}#milestones")


@login_required
@require_POST
def milestone_deliver(request, pk, milestone_pk):
    order = order_get(actor=request.actor, pk=pk)
    milestone = _milestone_of(order, milestone_pk)
    form = MilestoneDeliverForm(
        request.POST, request.FILES, auto_id=f"id_deliver_{milestone.pk}_%s"
    )
    if form.is_valid():
        try:
            services.milestone_step(
                actor=request.actor,
                milestone=milestone,
                action=MilestoneAction.DELIVER,
                note=form.cleaned_data["note"],
                files=form.cleaned_data["files"],
            )
        except PermissionDenied as error:
            return _refused(request, order, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Delivered; the buyer has been asked to accept it."))
            return redirect(f"{order.get_absolute_url()}#milestone-{milestone.pk}")
    order.refresh_from_db()
    return _order_page(request, order, status=400, deliver_forms={milestone.pk: form})


@login_required
@require_POST
def milestone_review(request, pk, milestone_pk):
    order = order_get(actor=request.actor, pk=pk)
    milestone = _milestone_of(order, milestone_pk)
    form = MilestoneReviewForm(request.POST, auto_id=f"id_msreview_{milestone.pk}_%s")
    if form.is_valid():
        accept = form.cleaned_data["decision"] == MilestoneReviewForm.ACCEPT
        try:
            services.milestone_step(
                actor=request.actor,
                milestone=milestone,
                action=MilestoneAction.ACCEPT if accept else MilestoneAction.SEND_BACK,
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as error:
            return _refused(request, order, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Milestone accepted.") if accept else _("Sent back to the provider."),
            )
            return redirect(f"{order.get_absolute_url()}#milestone-{milestone.pk}")
    order.refresh_from_db()
    return _order_page(request, order, status=400, milestone_review_forms={milestone.pk: form})


# --- innovation vouchers: paying an order with one -----------------------------------------

REDEMPTION_BADGES = {
    VoucherRedemption.Status.PENDING: "text-bg-warning",
    VoucherRedemption.Status.VERIFIED: "text-bg-success",
    VoucherRedemption.Status.REJECTED: "text-bg-secondary",
}


def _voucher_rows(request, order, side, bound):
    redemptions = list(order_redemptions(order=order))
    for redemption in redemptions:
        redemption.badge = REDEMPTION_BADGES.get(redemption.status, "text-bg-secondary")
    held = [r for r in redemptions if r.status in REDEMPTION_HOLDING]
    covered = sum((r.amount for r in held), Decimal("0"))
    form = None
    if side == "buyer" and order.status not in ORDER_CLOSED:
        vouchers = _buyer_vouchers(order)
        if vouchers.exists() or bound.get("voucher_form") is not None:
            form = bound.get("voucher_form") or VoucherApplyForm(
                vouchers=vouchers, auto_id="id_voucher_%s"
            )
    return {
        "redemptions": redemptions,
        "voucher_covered": covered,
        "voucher_rest": order.price - covered,
        "voucher_form": form,
    }


def _buyer_vouchers(order):
    return vouchers_with_balance(
        Voucher.objects.filter(holder_id=order.buyer_id).order_by("valid_until", "id")
    )


@login_required
@require_POST
def voucher_apply(request, pk):
    order = order_get(actor=request.actor, pk=pk)
    if order_party_organization_id(actor=request.actor, order=order) != order.buyer_id:
        raise PermissionDenied(_("Only the buyer pays its order with a voucher."))
    form = VoucherApplyForm(request.POST, vouchers=_buyer_vouchers(order), auto_id="id_voucher_%s")
    if form.is_valid():
        try:
            redemption = services.voucher_apply(
                actor=request.actor,
                order=order,
                voucher=form.cleaned_data["voucher"],
                amount=form.cleaned_data["amount"],
            )
        except PermissionDenied as error:
            return _refused(request, order, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Recorded: voucher %(number)s pays %(amount)s yuan of this order, once the "
                    "CAST office verifies it. No money moves on the platform."
                )
                % {"number": redemption.voucher.number, "amount": f"{redemption.amount:,.2f}"},
            )
            return redirect(f"{order.get_absolute_url()}#vouchers")
    order.refresh_from_db()
    return _order_page(request, order, status=400, voucher_form=form)


# --- innovation vouchers: the office's and the holder's pages ------------------------------


def _issuing_offices(actor):
    return Organization.objects.filter(
        pk__in=actor.organization_ids,
        kind=Organization.Kind.CAST_OFFICE,
        status=Organization.Status.VERIFIED,
        region_id__in=actor.review_region_ids,
    ).order_by("name")


def _holders_for(offices):
    regions = set()
    for office in offices:
        regions |= services.office_region_ids(office)
    return Organization.objects.filter(
        kind=Organization.Kind.ENTERPRISE,
        status=Organization.Status.VERIFIED,
        region_id__in=regions,
    ).order_by("name")


VOUCHER_BOXES = ("held", "issued")


@login_required
def voucher_list(request):
    """创新券: the vouchers one's enterprise holds (?box=held), with what is left of each, and
    for a CAST office those it issued (?box=issued)."""
    actor = request.actor
    offices = list(_issuing_offices(actor))
    box = request.GET.get("box", "issued" if offices else "held")
    if box not in VOUCHER_BOXES or (box == "issued" and not offices):
        box = "held"
    vouchers = voucher_list_visible(actor=actor).prefetch_related("categories")
    if box == "held":
        vouchers = vouchers.filter(holder_id__in=actor.organization_ids)
    else:
        vouchers = vouchers.filter(issued_by_id__in=[office.pk for office in offices])
    rows = list(vouchers.order_by("-created_at", "-id")[:200])
    today = timezone.localdate()
    for voucher in rows:
        voucher.expired = voucher.is_expired(today)
    pending = 0
    if offices:
        pending = VoucherRedemption.objects.filter(
            voucher__issued_by__in=offices, status=VoucherRedemption.Status.PENDING
        ).count()
    return render(
        request,
        "orders/voucher_list.html",
        {"rows": rows, "box": box, "is_office": bool(offices), "pending": pending},
    )


@login_required
def voucher_issue(request):
    actor = request.actor
    offices = _issuing_offices(actor)
    if not offices.exists():
        raise PermissionDenied(_("Innovation vouchers are issued by the members of a CAST office."))
    form = VoucherIssueForm(
        request.POST or None,
        offices=offices,
        holders=_holders_for(offices),
        auto_id="id_voucher_%s",
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                voucher = services.voucher_issue(
                    actor=actor,
                    office=data.pop("office"),
                    categories=list(data.pop("categories")),
                    **data,
                )
            except PermissionDenied as error:
                raise PermissionDenied(error_text(error)) from error
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Voucher %(number)s issued; %(holder)s has been told.")
                    % {"number": voucher.number, "holder": voucher.holder.name},
                )
                return redirect(voucher)
        status = 400
    return render(request, "orders/voucher_form.html", {"form": form}, status=status)


def _voucher_page(request, voucher, *, status=200, **bound):
    actor = request.actor
    is_office = services.voucher_office_acts(actor=actor, office=voucher.issued_by)
    redemptions = list(
        voucher.redemptions.select_related("order__buyer", "order__provider").order_by(
            "-created_at", "-id"
        )
    )
    decision_forms = bound.get("decision_forms", {})
    for redemption in redemptions:
        redemption.badge = REDEMPTION_BADGES.get(redemption.status, "text-bg-secondary")
        redemption.decision_form = None
        if is_office and redemption.status == VoucherRedemption.Status.PENDING:
            redemption.decision_form = decision_forms.get(redemption.pk) or RedemptionDecisionForm(
                auto_id=f"id_decide_{redemption.pk}_%s"
            )
    revoke_form = None
    if is_office and voucher.status == Voucher.Status.ACTIVE:
        revoke_form = bound.get("revoke_form") or VoucherRevokeForm(auto_id="id_revoke_%s")
    return render(
        request,
        "orders/voucher_detail.html",
        {
            "voucher": voucher,
            "expired": voucher.is_expired(),
            "categories": list(voucher.categories.all()),
            "redemptions": redemptions,
            "is_office": is_office,
            "is_holder": voucher.holder_id in actor.organization_ids,
            "revoke_form": revoke_form,
        },
        status=status,
    )


@login_required
def voucher_detail(request, pk):
    return _voucher_page(request, voucher_get(actor=request.actor, pk=pk))


@login_required
@require_POST
def voucher_revoke(request, pk):
    voucher = voucher_get(actor=request.actor, pk=pk)
    form = VoucherRevokeForm(request.POST, auto_id="id_revoke_%s")
    if form.is_valid():
        try:
            services.voucher_revoke(
                actor=request.actor, voucher=voucher, note=form.cleaned_data["note"]
            )
        except PermissionDenied as error:
            raise PermissionDenied(error_text(error)) from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The voucher is revoked; the holder has been told."))
            return redirect(voucher)
    return _voucher_page(request, voucher, status=400, revoke_form=form)


@login_required
def redemption_list(request):
    """The office's queue: payments with its vouchers to verify once the order is completed
    (pending first), and those decided."""
    actor = request.actor
    offices = list(_issuing_offices(actor))
    if not offices:
        raise PermissionDenied(
            _("The payments with innovation vouchers are verified by the CAST office.")
        )
    state = request.GET.get("status", VoucherRedemption.Status.PENDING)
    if state not in VoucherRedemption.Status.values:
        state = VoucherRedemption.Status.PENDING
    redemptions = list(
        redemption_list_visible(actor=actor)
        .filter(voucher__issued_by__in=offices, status=state)
        .order_by("created_at", "id")[:200]
    )
    for redemption in redemptions:
        redemption.badge = REDEMPTION_BADGES.get(redemption.status, "text-bg-secondary")
        redemption.decision_form = None
        if redemption.status == VoucherRedemption.Status.PENDING:
            redemption.decision_form = RedemptionDecisionForm(
                auto_id=f"id_decide_{redemption.pk}_%s"
            )
    return render(
        request,
        "orders/redemption_list.html",
        {
            "redemptions": redemptions,
            "state": state,
            "states": VoucherRedemption.Status.choices,
            "box": "redemptions",
        },
    )


@login_required
@require_POST
def redemption_decide(request, pk):
    redemption = redemption_list_visible(actor=request.actor).filter(pk=pk).first()
    if redemption is None:
        raise Http404
    form = RedemptionDecisionForm(request.POST, auto_id=f"id_decide_{redemption.pk}_%s")
    if form.is_valid():
        verify = form.cleaned_data["decision"] == RedemptionDecisionForm.VERIFY
        try:
            services.redemption_decide(
                actor=request.actor,
                redemption=redemption,
                verify=verify,
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as error:
            raise PermissionDenied(error_text(error)) from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Verified: the payment is recorded as made with the voucher.")
                if verify
                else _("Rejected: the amount returns to the voucher."),
            )
            if request.POST.get("next") == "voucher":
                return redirect(redemption.voucher)
            return redirect("orders:redemptions")
    return _voucher_page(
        request, redemption.voucher, status=400, decision_forms={redemption.pk: form}
    )
