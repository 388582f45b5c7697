"""Pages of deals: 我的交易 (the list, with the CAST staff's oversight and registration queue),
a deal's page with its steps, contract, registration, milestones, documents and history, and
the posts that change them. Thin: the services decide; their errors come back on the forms.

A refused step is a 403 for someone who is not a party (the overseeing staff trying a party's
step) and a message for a party (the demand side trying to deliver); anyone who may not read
the deal gets 404 from deal_get, as if it did not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from conversations.models import Conversation
from conversations.selectors import conversation_get
from core.uploads import upload_private_response
from core.web import add_service_errors, error_text
from deals import services
from deals.forms import (
    ActionForm,
    ContractForm,
    DealOpenForm,
    DeliverForm,
    DocumentForm,
    MilestoneForm,
    RegistrationForm,
    ReviewForm,
)
from deals.models import PRE_CONTRACT_STAGES, Contract, DealDocument, Milestone, Stage
from deals.permissions import deal_can_review, deal_party_organization_id
from deals.selectors import (
    confirmations_for,
    contract_for,
    deal_available_actions,
    deal_get,
    deal_list_own,
    deal_list_visible,
    deal_open_for_conversation,
    document_get,
    document_list,
    history_list,
    milestone_list,
)
from deals.transitions import ACTION_LABELS, TRANSITIONS, Action, step_for
from matching.models import Match

# The main path of a deal, as the progress bar shows it.
MAIN_PATH = [
    Stage.LEAD,
    Stage.NDA,
    Stage.NEGOTIATION,
    Stage.SIGNED,
    Stage.REGISTERED,
    Stage.EXECUTING,
    Stage.COMPLETED,
]
STAGE_BADGES = {
    Stage.LEAD: "text-bg-secondary",
    Stage.NDA: "text-bg-info",
    Stage.NEGOTIATION: "text-bg-info",
    Stage.SIGNED: "text-bg-primary",
    Stage.REGISTERED: "text-bg-primary",
    Stage.EXECUTING: "text-bg-warning",
    Stage.COMPLETED: "text-bg-success",
    Stage.LOST: "text-bg-dark",
    Stage.TERMINATED: "text-bg-danger",
    Stage.DORMANT: "text-bg-light border",
}
# Steps shown as their own forms rather than among the actions' buttons.
OWN_FORM_ACTIONS = {Action.REGISTER}
# The staff's steps, offered only while a registration awaits them.
STAFF_CHECK_ACTIONS = {Action.VERIFY_REGISTRATION, Action.REJECT_REGISTRATION}
# Steps a person should think twice about: the button asks first.
CONFIRM_ACTIONS = {Action.LOSE, Action.TERMINATE, Action.SIGN, Action.COMPLETE}
# History rows written by the services besides the table's steps.
HISTORY_LABELS = {
    "open": gettext_lazy("Deal opened"),
    "contract": gettext_lazy("Contract terms or registration recorded"),
    "document": gettext_lazy("Document uploaded"),
    "milestone_delivered": gettext_lazy("Milestone delivered"),
    "milestone_accepted": gettext_lazy("Milestone accepted"),
    "milestone_planned": gettext_lazy("Milestone sent back"),
}


REGISTRATION_STAGES = {Stage.SIGNED, Stage.REGISTERED, Stage.EXECUTING, Stage.COMPLETED}
REGISTRATION_ENTERED = {Contract.Registration.PENDING, Contract.Registration.VERIFIED}
# Shown in the page's own words: the models' "verified" and "accepted" are shared with other
# apps' choices (an organization verified, a request accepted) and read oddly here.
REGISTRATION_LABELS = {
    Contract.Registration.NONE: Contract.Registration.NONE.label,
    Contract.Registration.PENDING: Contract.Registration.PENDING.label,
    Contract.Registration.VERIFIED: gettext_lazy("registration verified"),
    Contract.Registration.REJECTED: Contract.Registration.REJECTED.label,
}
MILESTONE_LABELS = {
    Milestone.Status.PLANNED: Milestone.Status.PLANNED.label,
    Milestone.Status.DELIVERED: Milestone.Status.DELIVERED.label,
    Milestone.Status.ACCEPTED: gettext_lazy("delivery accepted"),
}


def _history_label(action):
    if action in Action._value2member_map_:
        return ACTION_LABELS[Action(action)]
    return HISTORY_LABELS.get(action, action)


def _stage_badge(stage):
    return STAGE_BADGES.get(stage, "text-bg-secondary")


# --- the list ------------------------------------------------------------------------------


def _registration_queue(actor):
    deals = deal_list_visible(actor=actor).filter(
        contract__registration_status=Contract.Registration.PENDING
    )
    if not actor.is_superuser:
        deals = deals.filter(region_id__in=actor.review_region_ids)
    return deals


@login_required
def deal_list(request):
    """我的交易: the deals of one's organizations; the CAST staff also find those of their
    region (?box=oversight) and the registrations awaiting their verification
    (?box=registrations)."""
    actor = request.actor
    box = request.GET.get("box", "")
    if box not in ("oversight", "registrations") or not actor.is_staff_reviewer:
        box = ""
    if box == "oversight":
        deals = (
            deal_list_visible(actor=actor)
            .exclude(demand_party_id__in=actor.organization_ids)
            .exclude(supply_party_id__in=actor.organization_ids)
        )
    elif box == "registrations":
        deals = _registration_queue(actor).order_by("contract__registered_on", "id")
    else:
        deals = deal_list_own(actor=actor)
    stage = request.GET.get("stage", "")
    if stage in Stage.values:
        deals = deals.filter(stage=stage)
    else:
        stage = ""
    rows = []
    for deal in deals.select_related("contract")[:200]:
        own = deal_party_organization_id(actor=actor, deal=deal)
        other, side = None, None
        if own is not None:
            side = "demand" if own == deal.demand_party_id else "supply"
            other = deal.supply_party if side == "demand" else deal.demand_party
        rows.append(
            {
                "deal": deal,
                "other": other,
                "side": side,
                "badge": _stage_badge(deal.stage),
                "contract": getattr(deal, "contract", None),
            }
        )
    return render(
        request,
        "deals/deal_list.html",
        {
            "rows": rows,
            "box": box,
            "stage": stage,
            "stages": Stage.choices,
            "is_reviewer": actor.is_staff_reviewer,
            "pending_registrations": _registration_queue(actor).count()
            if actor.is_staff_reviewer
            else 0,
        },
    )


# --- the deal's page -----------------------------------------------------------------------


def _progress(deal, history):
    """The main path with each stage done, current or to come; a deal off the path (lost,
    terminated, dormant) shows where it stood when it left it."""
    reached = deal.stage
    if deal.stage == Stage.DORMANT:
        reached = deal.stage_before_dormant or Stage.LEAD
    elif deal.stage in (Stage.LOST, Stage.TERMINATED):
        left = [row for row in history if row.to_stage == deal.stage and row.from_stage]
        reached = left[-1].from_stage if left else Stage.LEAD
    index = MAIN_PATH.index(reached) if reached in MAIN_PATH else 0
    on_path = deal.stage in MAIN_PATH
    # Stages passed over (no NDA, registration left for later) are shown as skipped.
    visited = {Stage.LEAD, *(row.to_stage for row in history)}
    steps = []
    for position, stage in enumerate(MAIN_PATH):
        if position < index and stage not in visited:
            state = "skipped"
        elif position < index or (deal.stage == Stage.COMPLETED and position == index):
            state = "done"
        elif position == index:
            state = "current" if on_path else "stopped"
        else:
            state = "todo"
        steps.append({"stage": stage, "label": Stage(stage).label, "state": state})
    return steps


def _action_rows(deal, own, available, bound_action, *, registration_pending):
    """The table's steps the actor may take now, each with its form, and the two-sided ones
    of the stage with who has confirmed."""
    confirmed = confirmations_for(deal=deal)
    rows = []
    for (stage, action), step in TRANSITIONS.items():
        if stage != deal.stage or action in OWN_FORM_ACTIONS:
            continue
        if action in STAFF_CHECK_ACTIONS and not registration_pending:
            continue  # the table allows it from the stage; there is nothing to check yet
        can = action in available
        ours = own is not None and own in confirmed.get(action.value, set())
        if not can and not step.both:
            continue
        form = (
            bound_action
            if bound_action is not None and bound_action.data.get("action") == action.value
            else ActionForm(initial={"action": action.value}, auto_id=f"id_{action.value}_%s")
        )
        parties = confirmed.get(action.value, set())
        rows.append(
            {
                "action": action.value,
                "label": ACTION_LABELS[action],
                "form": form,
                "can": can,
                "needs_input": step.needs_reason or step.needs_note,
                "needs_reason": step.needs_reason,
                "danger": action in (Action.LOSE, Action.TERMINATE, Action.REJECT_REGISTRATION),
                "ask_first": action in CONFIRM_ACTIONS,
                "both": step.both,
                "we_confirmed": ours,
                "demand_confirmed": deal.demand_party_id in parties,
                "supply_confirmed": deal.supply_party_id in parties,
            }
        )
    return rows


def _deal_page(request, deal, *, status=200, **bound):
    """The deal's page; `bound` holds the form that came back with errors (and keeps what was
    typed), the others start empty."""
    actor = request.actor
    own = deal_party_organization_id(actor=actor, deal=deal)
    is_party = own is not None
    can_review = deal_can_review(actor=actor, deal=deal)
    available = deal_available_actions(actor=actor, deal=deal)
    history = list(history_list(deal=deal))
    stage_labels = dict(Stage.choices)
    for row in history:
        row.label = _history_label(row.action)
        row.from_label = stage_labels.get(row.from_stage, "")
    contract = contract_for(deal=deal)
    milestones = list(milestone_list(deal=deal))
    documents = list(document_list(deal=deal))
    terms_open = is_party and deal.stage in PRE_CONTRACT_STAGES
    side = None if own is None else ("demand" if own == deal.demand_party_id else "supply")
    executing = deal.stage == Stage.EXECUTING
    deliver_forms = bound.get("deliver_forms", {})
    review_forms = bound.get("review_forms", {})
    for milestone in milestones:
        milestone.status_label = MILESTONE_LABELS.get(milestone.status, milestone.status)
        milestone.documents_list = [d for d in documents if d.milestone_id == milestone.pk]
        milestone.deliver_form = None
        milestone.review_form = None
        if executing and side == "supply" and milestone.status == Milestone.Status.PLANNED:
            milestone.deliver_form = deliver_forms.get(milestone.pk) or DeliverForm(
                auto_id=f"id_deliver_{milestone.pk}_%s"
            )
        if executing and side == "demand" and milestone.status == Milestone.Status.DELIVERED:
            milestone.review_form = review_forms.get(milestone.pk) or ReviewForm(
                auto_id=f"id_review_{milestone.pk}_%s"
            )
    # The table offers the step while executing too; once entered (awaiting or past
    # verification) there is nothing more to enter.
    can_register = (
        is_party
        and Action.REGISTER in available
        and (contract is None or contract.registration_status not in REGISTRATION_ENTERED)
    )
    bound_action = bound.get("action_form")
    actions = _action_rows(
        deal,
        own,
        available,
        bound_action,
        registration_pending=contract is not None
        and contract.registration_status == Contract.Registration.PENDING,
    )
    confirmed = confirmations_for(deal=deal)
    nda_accepted = set(deal.party_ids) <= confirmed.get(Action.ACCEPT_NDA.value, set())
    context = {
        "deal": deal,
        "own_id": own,
        "is_party": is_party,
        "side": side,
        "can_review": can_review,
        "badge": _stage_badge(deal.stage),
        "progress": _progress(deal, history),
        "off_path": deal.stage not in MAIN_PATH,
        "actions": actions,
        # A step refused that is not among those shown (taken out of order, or no longer
        # possible): its errors head the steps.
        "stray_action_form": bound_action
        if bound_action is not None and not any(row["form"] is bound_action for row in actions)
        else None,
        "contract": contract,
        "contract_form": (
            bound.get("contract_form") or ContractForm(instance=contract, auto_id="id_contract_%s")
        )
        if terms_open
        else None,
        "registration_form": (
            bound.get("registration_form")
            or RegistrationForm(instance=contract, auto_id="id_registration_%s")
        )
        if can_register
        else None,
        "milestones": milestones,
        "milestones_open": terms_open,
        "milestone_form": (bound.get("milestone_form") or MilestoneForm(auto_id="id_milestone_%s"))
        if terms_open
        else None,
        "milestone_total": sum((m.amount or 0) for m in milestones),
        "documents": documents,
        "document_form": (bound.get("document_form") or DocumentForm(auto_id="id_document_%s"))
        if is_party and not deal.is_closed
        else None,
        "show_nda": deal.stage in (Stage.LEAD, Stage.NDA) or nda_accepted,
        "nda_accepted": nda_accepted,
        "nda_version": services.STANDARD_NDA_VERSION,
        "nda_documents": [d for d in documents if d.kind == DealDocument.Kind.NDA],
        "registration_label": REGISTRATION_LABELS.get(contract.registration_status, "")
        if contract is not None
        else "",
        "show_registration": contract is not None
        and (deal.stage in REGISTRATION_STAGES or bool(contract.registration_status)),
        "history": history,
    }
    return render(request, "deals/deal_detail.html", context, status=status)


@login_required
def deal_detail(request, pk):
    """404 for anyone signed in who may not read it: nobody learns that it exists."""
    deal = deal_get(actor=request.actor, pk=pk)
    return _deal_page(request, deal)


def _refused(request, deal, error):
    """A refused step: a party hears why; anyone else is refused outright (403)."""
    if deal_party_organization_id(actor=request.actor, deal=deal) is None:
        raise error
    messages.error(request, error_text(error))
    return redirect(deal)


# --- opening -------------------------------------------------------------------------------


@login_required
@require_POST
def deal_open(request, conversation_pk):
    conversation = conversation_get(actor=request.actor, pk=conversation_pk)
    form = DealOpenForm(request.POST)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    try:
        deal = services.deal_open(actor=request.actor, conversation=conversation, title=title)
    except ValidationError as error:
        messages.error(request, error_text(error))
        existing = deal_open_for_conversation(conversation_id=conversation.pk)
        return redirect(existing or conversation)
    messages.success(request, _("The deal is opened; the other side has been told."))
    return redirect(deal)


@login_required
@require_POST
def deal_open_for_match(request, match_pk):
    match = get_object_or_404(Match, pk=match_pk)
    conversation = Conversation.objects.filter(match=match).first()
    if conversation is None:
        raise Http404
    # Only those who may read the match's conversation learn anything about it.
    conversation_get(actor=request.actor, pk=conversation.pk)
    form = DealOpenForm(request.POST)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    try:
        deal = services.deal_open_for_match(actor=request.actor, match=match, title=title)
    except ValidationError as error:
        messages.error(request, error_text(error))
        existing = deal_open_for_conversation(conversation_id=conversation.pk)
        return redirect(existing or match.get_absolute_url())
    messages.success(request, _("The deal is opened; the other side has been told."))
    return redirect(deal)


# --- the steps -----------------------------------------------------------------------------


@login_required
@require_POST
def deal_act(request, pk):
    deal = deal_get(actor=request.actor, pk=pk)
    form = ActionForm(request.POST, auto_id=f"id_{request.POST.get('action', '')}_%s")
    if form.is_valid():
        action = form.cleaned_data["action"]
        from_stage = deal.stage
        try:
            deal = services.deal_transition(
                actor=request.actor,
                deal=deal,
                action=action,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as error:
            return _refused(request, deal, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            step = step_for(from_stage, action)
            label = ACTION_LABELS[Action(action)]
            if step.both and deal.stage == from_stage:
                text = _("Confirmed: “%(action)s”. Waiting for the other side.") % {"action": label}
            else:
                text = _("Done: “%(action)s”. The deal is now “%(stage)s”.") % {
                    "action": label,
                    "stage": deal.get_stage_display(),
                }
            messages.success(request, text)
            return redirect(deal)
    return _deal_page(request, deal, status=400, action_form=form)


@login_required
@require_POST
def contract_edit(request, pk):
    deal = deal_get(actor=request.actor, pk=pk)
    form = ContractForm(request.POST, instance=contract_for(deal=deal), auto_id="id_contract_%s")
    if form.is_valid():
        try:
            services.contract_save(actor=request.actor, deal=deal, **form.cleaned_data)
        except PermissionDenied as error:
            return _refused(request, deal, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The contract's terms are saved. Both sides confirm the signing once agreed."),
            )
            return redirect(f"{deal.get_absolute_url()}#contract")
    return _deal_page(request, deal, status=400, contract_form=form)


@login_required
@require_POST
def registration_edit(request, pk):
    """The registration's number and date, then the step that sends it for verification."""
    deal = deal_get(actor=request.actor, pk=pk)
    form = RegistrationForm(
        request.POST, instance=contract_for(deal=deal), auto_id="id_registration_%s"
    )
    if form.is_valid():
        try:
            # Saved and sent together, or neither: a registration the step refuses (a date
            # to come) is not left half-entered.
            with transaction.atomic():
                services.contract_save(actor=request.actor, deal=deal, **form.cleaned_data)
                services.deal_transition(actor=request.actor, deal=deal, action=Action.REGISTER)
        except PermissionDenied as error:
            return _refused(request, deal, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The registration is sent to the CAST staff for verification.")
            )
            return redirect(f"{deal.get_absolute_url()}#registration")
    deal.refresh_from_db()
    return _deal_page(request, deal, status=400, registration_form=form)


# --- milestones ----------------------------------------------------------------------------


def _milestone_of(deal, milestone_pk):
    return get_object_or_404(Milestone, pk=milestone_pk, deal=deal)


@login_required
@require_POST
def milestone_add(request, pk):
    deal = deal_get(actor=request.actor, pk=pk)
    form = MilestoneForm(request.POST, auto_id="id_milestone_%s")
    if form.is_valid():
        try:
            services.milestone_save(actor=request.actor, deal=deal, **form.cleaned_data)
        except PermissionDenied as error:
            return _refused(request, deal, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Milestone added."))
            return redirect(f"{deal.get_absolute_url()}#milestones")
    return _deal_page(request, deal, status=400, milestone_form=form)


@login_required
def milestone_edit(request, pk, milestone_pk):
    deal = deal_get(actor=request.actor, pk=pk)
    milestone = _milestone_of(deal, milestone_pk)
    if deal_party_organization_id(actor=request.actor, deal=deal) is None:
        raise PermissionDenied(_("Only the two parties change the deal."))
    form = MilestoneForm(request.POST or None, instance=milestone)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.milestone_save(
                    actor=request.actor,
                    deal=deal,
                    milestone=_milestone_of(deal, milestone_pk),
                    **form.cleaned_data,
                )
            except PermissionDenied as error:
                return _refused(request, deal, error)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Milestone saved."))
                return redirect(f"{deal.get_absolute_url()}#milestones")
        status = 400
    return render(
        request,
        "deals/milestone_form.html",
        {"deal": deal, "milestone": milestone, "form": form},
        status=status,
    )


@login_required
@require_POST
def milestone_delete(request, pk, milestone_pk):
    deal = deal_get(actor=request.actor, pk=pk)
    milestone = _milestone_of(deal, milestone_pk)
    try:
        services.milestone_delete(actor=request.actor, milestone=milestone)
    except PermissionDenied as error:
        return _refused(request, deal, error)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Milestone deleted."))
    return redirect(f"{deal.get_absolute_url()}#milestones")


@login_required
@require_POST
def milestone_deliver(request, pk, milestone_pk):
    """The supply side delivers: its documents go up first (kind delivery), then the step."""
    deal = deal_get(actor=request.actor, pk=pk)
    milestone = _milestone_of(deal, milestone_pk)
    form = DeliverForm(request.POST, request.FILES, auto_id=f"id_deliver_{milestone.pk}_%s")
    if form.is_valid():
        try:
            # The documents and the step together, or neither: a refused delivery leaves no
            # stray document on the deal.
            with transaction.atomic():
                for upload in form.cleaned_data["files"]:
                    services.document_upload(
                        actor=request.actor,
                        deal=deal,
                        file=upload,
                        kind=DealDocument.Kind.DELIVERY,
                        milestone=milestone,
                    )
                services.milestone_deliver(
                    actor=request.actor, milestone=milestone, note=form.cleaned_data["note"]
                )
        except PermissionDenied as error:
            return _refused(request, deal, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Delivered; the demand side has been asked to accept."))
            return redirect(f"{deal.get_absolute_url()}#milestone-{milestone.pk}")
    return _deal_page(request, deal, status=400, deliver_forms={milestone.pk: form})


@login_required
@require_POST
def milestone_review(request, pk, milestone_pk):
    deal = deal_get(actor=request.actor, pk=pk)
    milestone = _milestone_of(deal, milestone_pk)
    form = ReviewForm(request.POST, auto_id=f"id_review_{milestone.pk}_%s")
    if form.is_valid():
        accept = form.cleaned_data["decision"] == ReviewForm.ACCEPT
        try:
            services.milestone_review(
                actor=request.actor,
                milestone=milestone,
                accept=accept,
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as error:
            return _refused(request, deal, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Milestone accepted.") if accept else _("Sent back to the supply side."),
            )
            return redirect(f"{deal.get_absolute_url()}#milestone-{milestone.pk}")
    return _deal_page(request, deal, status=400, review_forms={milestone.pk: form})


# --- documents -----------------------------------------------------------------------------


@login_required
@require_POST
def document_upload(request, pk):
    deal = deal_get(actor=request.actor, pk=pk)
    form = DocumentForm(request.POST, request.FILES, auto_id="id_document_%s")
    if form.is_valid():
        try:
            services.document_upload(
                actor=request.actor,
                deal=deal,
                file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except PermissionDenied as error:
            return _refused(request, deal, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Document uploaded."))
            return redirect(f"{deal.get_absolute_url()}#documents")
    return _deal_page(request, deal, status=400, document_form=form)


@login_required
def document_download(request, pk):
    """Through this check only, never a public folder: 404 for anyone who may not read the
    deal."""
    document = document_get(actor=request.actor, pk=pk)
    return upload_private_response(document.file, filename=document.name)
