"""Writes about deals: opening one, every step of its state machine, the contract, milestones and
documents, and the dormancy timer.

Every write records its fact in the outcome log (deal.*) in the same transaction, with a
history row on the deal; the other party is told through the notification centre and by
e-mail, and its programs by webhook (deal.*), all written to the outbox in that transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from conversations.models import Conversation
from conversations.permissions import conversation_party_organization_id
from conversations.services import conversation_open_for_program
from core.uploads import upload_check_content, upload_clean_name
from core.web import site_url
from deals.models import (
    CLOSED_STAGES,
    PRE_CONTRACT_STAGES,
    Confirmation,
    Contract,
    Deal,
    DealDocument,
    DealHistory,
    Milestone,
    Stage,
)
from deals.permissions import deal_can_review, deal_party_organization_id
from deals.transitions import ACTION_LABELS, PREVIOUS_STAGE, Action, Step, Who, step_for
from matching.models import Match
from notifications.models import Notification
from notifications.services import Words
from organizations.models import Organization
from organizations.selectors import Actor
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.reasons import RefusalReason
from outcomes.services import outcome_record
from repositories.models import Listing, ListingKind
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit

NOTE_MAX_LENGTH = 1000
# The version of the platform's click-through confidentiality agreement
# (templates/deals/nda_standard.html); a party's acceptance records which text it accepted.
STANDARD_NDA_VERSION = "techbridge-nda-2026-1"

_STAGE_WEBHOOK = WebhookEvent.DEAL_STAGE_CHANGED


# --- recording -----------------------------------------------------------------------------


def _record(
    *,
    deal: Deal,
    event: str,
    action: str,
    from_stage: str,
    user=None,
    organization_id: int | None = None,
    note: str = "",
    data: dict | None = None,
    amount: Decimal | None = None,
) -> None:
    """The deal's history row and its outcome event, in the change's transaction."""
    DealHistory.objects.create(
        deal=deal,
        action=action,
        from_stage=from_stage,
        to_stage=deal.stage,
        user=user if user is not None and user.is_authenticated else None,
        organization_id=organization_id,
        note=note,
    )
    acting = organization_id or deal.demand_party_id
    outcome_record(
        name=event,
        subject_type="deal",
        subject_id=deal.pk,
        actor=user,
        organization=Organization(pk=acting),
        counterpart=Organization(pk=deal.other_party_id(acting)),
        region_id=deal.region_id,
        field_id=deal.field_id,
        amount=amount,
        data={
            "need": deal.need_id,
            "match": deal.match_id,
            "conversation": deal.conversation_id,
            "demand_party": deal.demand_party_id,
            "supply_party": deal.supply_party_id,
            "action": action,
            "from": from_stage or None,
            "to": deal.stage,
            **(data or {}),
        },
    )


def _payload(deal: Deal, **extra) -> dict:
    return {
        "deal": {
            "id": deal.pk,
            "title": deal.title,
            "stage": deal.stage,
            "demand_party": deal.demand_party_id,
            "supply_party": deal.supply_party_id,
            "url": site_url(deal.get_absolute_url()),
        },
        **extra,
    }


def _tell(
    *,
    deal: Deal,
    title: Words,
    body: Words = "",
    webhook: str | None,
    payload: dict,
    skip_organization_id: int | None = None,
) -> None:
    """The parties (but the one that acted) hear of it in the app, by e-mail and (for a change
    of the deal) by webhook."""
    for organization in (deal.demand_party, deal.supply_party):
        if organization.pk == skip_organization_id:
            continue
        notify_organization(
            organization=organization,
            topic=Notification.Topic.DEAL,
            title=title,
            body=body,
            url=deal.get_absolute_url(),
        )
        if webhook is not None:
            webhook_emit(organization=organization, event=webhook, payload=payload)


def _touch(deal: Deal, *, by_party: bool) -> None:
    """A party acted: the deal is alive again (the dormancy clock restarts)."""
    if by_party:
        deal.last_activity_at = timezone.now()
        deal.nudged_at = None


# --- opening a deal ------------------------------------------------------------------------


def _sides(conversation: Conversation) -> tuple[int, int, int | None]:
    """(demand side, supply side, need) of a conversation: the need's owner is the demand side;
    contact about supply was asked for by the side that seeks it."""
    listing = conversation.listing
    if conversation.match_id is not None:
        return conversation.party_a_id, conversation.party_b_id, conversation.match.need_id
    if listing is not None and listing.kind == ListingKind.NEED:
        owner = listing.organization_id
        other = conversation.other_party_id(owner)
        return owner, other, listing.pk
    if listing is not None:
        owner = listing.organization_id
        return conversation.other_party_id(owner), owner, None
    return conversation.party_a_id, conversation.party_b_id, None


def _talked_about(conversation: Conversation) -> int | None:
    """The listing the deal is about besides the need: of a match, what the supply side
    brings (a mandate on it reaches the deal)."""
    if conversation.match_id is not None and conversation.match.supply_listing_id:
        return conversation.match.supply_listing_id
    return conversation.listing_id


@transaction.atomic
def deal_open(
    *,
    actor: Actor,
    conversation: Conversation,
    title: str = "",
    origin: str = Deal.Origin.CONVERSATION,
) -> Deal:
    """A party turns its conversation into a deal (stage: lead). One live deal per
    conversation; another may follow one that closed."""
    own = conversation_party_organization_id(actor=actor, conversation=conversation)
    if own is None:
        raise PermissionDenied(_("Only the two parties open a deal."))
    title = " ".join((title or conversation.subject).split())[:200]
    if not title:
        raise ValidationError({"title": _("Give the deal a title.")})
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    if (
        Deal.objects.filter(conversation=conversation)
        .exclude(stage__in=list(CLOSED_STAGES))
        .exists()
    ):
        raise ValidationError(_("This conversation already has an open deal."))
    demand_id, supply_id, need_id = _sides(conversation)
    deal = Deal(
        title=title,
        origin=origin,
        demand_party_id=demand_id,
        supply_party_id=supply_id,
        conversation=conversation,
        need_id=need_id,
        listing_id=_talked_about(conversation),
        match_id=conversation.match_id,
        region_id=conversation.region_id,
        field_id=conversation.field_id,
        opened_by=actor.user if actor.is_authenticated else None,
    )
    return _deal_start(deal, user=actor.user, organization_id=own)


def _deal_start(deal: Deal, *, user, organization_id: int | None) -> Deal:
    """Save a new deal, record deal.opened and tell the parties (but the one that opened it)."""
    deal.full_clean(exclude=["conversation", "need", "listing", "match", "region", "field"])
    try:
        with transaction.atomic():
            deal.save()
    except IntegrityError as error:
        raise ValidationError(_("This conversation already has an open deal.")) from error
    need_source = (
        Listing.objects.filter(pk=deal.need_id).values_list("source", flat=True).first()
        if deal.need_id
        else None
    )
    _record(
        deal=deal,
        event=OutcomeEvent.Name.DEAL_OPENED,
        action="open",
        from_stage="",
        user=user,
        organization_id=organization_id,
        # need_source: the funnel counts deals on needs collected by missions as theirs.
        data={"origin": deal.origin, "need_source": need_source},
    )
    _tell(
        deal=deal,
        title=lambda: _("A deal is opened: %(title)s") % {"title": deal.title},
        body=lambda: _("Follow it, its contract and its milestones on the deal's page."),
        webhook=WebhookEvent.DEAL_OPENED,
        payload=_payload(deal),
        skip_organization_id=organization_id,
    )
    return deal


@transaction.atomic
def deal_open_for_program(
    *,
    origin: str,
    demand_party: Organization,
    supply_party: Organization,
    title: str,
    region_id: int,
    need: Listing | None = None,
    listing: Listing | None = None,
    field_id: int | None = None,
    milestones: Sequence[dict] = (),
    user=None,
    opened_by_organization_id: int | None = None,
) -> Deal:
    """A programme's decision opens a deal: a challenge's award (sponsor and winner), a
    roadshow intent the presenter accepted. The caller has checked who may decide.

    The two parties get a conversation of their own, and the deal starts at "lead" with the
    programme's milestones planned (the parties may still change them before signing).
    `milestones` are dicts with title, due_on and optionally amount and acceptance_criteria.
    """
    if origin not in (Deal.Origin.CHALLENGE, Deal.Origin.ROADSHOW):
        raise ValueError(f"not a programme's origin: {origin}")
    title = " ".join(title.split())[:200]
    conversation = conversation_open_for_program(
        demand_party=demand_party,
        supply_party=supply_party,
        subject=title,
        region_id=region_id,
        listing=need or listing,
        field_id=field_id,
        user=user,
    )
    deal = Deal(
        title=title,
        origin=origin,
        demand_party=demand_party,
        supply_party=supply_party,
        conversation=conversation,
        need=need,
        listing=listing,
        region_id=region_id,
        field_id=field_id,
        opened_by=user,
    )
    deal = _deal_start(deal, user=user, organization_id=opened_by_organization_id)
    for values in milestones:
        milestone = Milestone(
            deal=deal,
            title=values["title"],
            due_on=values["due_on"],
            amount=values.get("amount"),
            acceptance_criteria=values.get("acceptance_criteria", ""),
        )
        milestone.full_clean(exclude=["deal"])
        milestone.save()
    return deal


def deal_open_for_match(*, actor: Actor, match: Match, title: str = "") -> Deal:
    """From an approved match: its conversation opens once both sides are interested."""
    conversation = Conversation.objects.filter(match=match).first()
    if match.status != Match.Status.APPROVED or conversation is None:
        raise ValidationError(
            _("A deal opens from a match once both sides have answered that they are interested.")
        )
    return deal_open(actor=actor, conversation=conversation, title=title, origin=Deal.Origin.MATCH)


# --- the state machine ---------------------------------------------------------------------


def _who_acts(actor: Actor | None, deal: Deal, step: Step) -> int | None:
    """The acting party's organization (None for the staff and the system), or refuse."""
    if step.who == Who.SYSTEM:
        if actor is not None:
            raise PermissionDenied(_("This step is taken by the platform's timer."))
        return None
    if actor is None:
        raise PermissionDenied(_("This step is taken by a person."))
    if step.who == Who.STAFF:
        if not deal_can_review(actor=actor, deal=deal):
            raise PermissionDenied(_("Only the CAST staff of the deal's region take this step."))
        return None
    own = deal_party_organization_id(actor=actor, deal=deal)
    if own is None:
        raise PermissionDenied(_("Only the two parties take this step."))
    return own


def _clean_input(step: Step, reason: str, note: str) -> tuple[str, str]:
    errors = {}
    note = (note or "").strip()
    if step.needs_reason and reason not in RefusalReason.values:
        errors["reason"] = _("Choose the reason from the list.")
    if step.needs_note and not note:
        errors["note"] = _("Say why, in a sentence or two.")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("Keep the note within %(limit)d characters.") % {
            "limit": NOTE_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    return (reason if step.needs_reason else ""), note


def _contract_terms(deal: Deal) -> dict:
    contract = Contract.objects.filter(deal=deal).first()
    if contract is None:
        return {}
    return {
        "contract_type": contract.contract_type,
        "total_amount": str(contract.total_amount),
        "technical_amount": str(contract.technical_amount),
        "payment_terms": contract.payment_terms,
        "signed_on": contract.signed_on.isoformat() if contract.signed_on else None,
        "milestones": [
            {"title": title, "due_on": due_on.isoformat(), "amount": str(amount or "")}
            for title, due_on, amount in Milestone.objects.filter(deal=deal).values_list(
                "title", "due_on", "amount"
            )
        ],
    }


@transaction.atomic
def deal_transition(
    *, actor: Actor | None, deal: Deal, action: str, reason: str = "", note: str = ""
) -> Deal:
    """Take one step of the deal's table (deals.transitions). `actor` None: the system.

    Refuses a step the stage does not allow (a field error on "stage"), one the actor may not
    take (PermissionDenied) and one whose checks fail (field errors). A step both parties must
    take waits for the second one; the stage then moves.
    """
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("demand_party", "supply_party")
        .get(pk=deal.pk)
    )
    step = step_for(deal.stage, action)
    if step is None:
        raise ValidationError(
            {
                "stage": _("“%(action)s” is not possible while the deal is at “%(stage)s”.")
                % {
                    "action": ACTION_LABELS.get(Action(action), action)
                    if action in Action._value2member_map_
                    else action,
                    "stage": deal.get_stage_display(),
                }
            }
        )
    own = _who_acts(actor, deal, step)
    reason, note = _clean_input(step, reason, note)
    errors = {}
    for check in step.checks:
        errors.update(check(deal))
    if errors:
        raise ValidationError(errors)
    user = actor.user if actor is not None else None
    from_stage = deal.stage
    label = ACTION_LABELS[Action(action)]
    if step.both:
        terms = _contract_terms(deal) if action == Action.SIGN else {}
        if action == Action.ACCEPT_NDA:
            # What was accepted: the agreement a party uploaded, else the platform's own text.
            uploaded = (
                DealDocument.objects.filter(deal=deal, kind=DealDocument.Kind.NDA)
                .order_by("-id")
                .first()
            )
            terms = (
                {"nda_document": uploaded.pk, "name": uploaded.name}
                if uploaded
                else {"nda": STANDARD_NDA_VERSION}
            )
        _created = Confirmation.objects.get_or_create(
            deal=deal,
            action=action,
            organization_id=own,
            defaults={"user": user, "terms": terms},
        )[1]
        if not _created:
            raise ValidationError(
                {"stage": _("Your side has already confirmed; the other side has not yet.")}
            )
        confirmed = set(
            Confirmation.objects.filter(deal=deal, action=action).values_list(
                "organization_id", flat=True
            )
        )
        if not set(deal.party_ids) <= confirmed:
            _touch(deal, by_party=True)
            deal.save(update_fields=["last_activity_at", "nudged_at"])
            _record(
                deal=deal,
                event=OutcomeEvent.Name.DEAL_CONFIRMED,
                action=action,
                from_stage=from_stage,
                user=user,
                organization_id=own,
                note=note,
            )
            acting_name = (
                deal.demand_party.name if own == deal.demand_party_id else deal.supply_party.name
            )
            _tell(
                deal=deal,
                title=lambda: (
                    _(
                        "%(organization)s confirmed “%(action)s” for %(title)s; "
                        "your side's confirmation is awaited"
                    )
                    % {"organization": acting_name, "action": label, "title": deal.title}
                ),
                webhook=WebhookEvent.DEAL_CONFIRMED,
                payload=_payload(deal, action=action),
                skip_organization_id=own,
            )
            return deal
    to_stage = deal.stage_before_dormant if step.to == PREVIOUS_STAGE else (step.to or deal.stage)
    amount, data = None, {}
    contract = Contract.objects.filter(deal=deal).first()
    if action == Action.REGISTER:
        contract.registration_status = Contract.Registration.PENDING
        contract.registration_note = ""
        contract.save(update_fields=["registration_status", "registration_note", "updated_at"])
    elif action in (Action.VERIFY_REGISTRATION, Action.REJECT_REGISTRATION):
        contract.registration_status = (
            Contract.Registration.VERIFIED
            if action == Action.VERIFY_REGISTRATION
            else Contract.Registration.REJECTED
        )
        contract.registration_note = note
        contract.registration_checked_by = user
        contract.registration_checked_at = timezone.now()
        contract.save(
            update_fields=[
                "registration_status",
                "registration_note",
                "registration_checked_by",
                "registration_checked_at",
                "updated_at",
            ]
        )
    if contract is not None and action in (
        Action.SIGN,
        Action.REGISTER,
        Action.VERIFY_REGISTRATION,
        Action.COMPLETE,
    ):
        amount = contract.technical_amount
        data = {
            "contract_type": contract.contract_type,
            "total_amount": str(contract.total_amount),
            "registration_number": contract.registration_number,
        }
    if action in (Action.LOSE, Action.TERMINATE):
        deal.end_reason, deal.end_note = reason, note
        data["reason"] = reason
    if action == Action.GO_DORMANT:
        deal.stage_before_dormant = from_stage
    elif action == Action.RESUME:
        deal.stage_before_dormant = ""
    if to_stage != from_stage:
        deal.stage = to_stage
        deal.stage_changed_at = timezone.now()
    _touch(deal, by_party=step.who == Who.PARTY)
    deal.save()
    _record(
        deal=deal,
        event=step.event,
        action=action,
        from_stage=from_stage,
        user=user,
        organization_id=own,
        note=note,
        data=data,
        amount=amount,
    )
    checked = action in (Action.VERIFY_REGISTRATION, Action.REJECT_REGISTRATION)
    _tell(
        deal=deal,
        title=lambda: (
            _("%(title)s: %(action)s — now “%(stage)s”")
            % {"title": deal.title, "action": label, "stage": deal.get_stage_display()}
        ),
        body=note,
        webhook=WebhookEvent.DEAL_REGISTRATION_CHECKED if checked else _STAGE_WEBHOOK,
        payload=_payload(deal, action=action, from_stage=from_stage, reason=reason),
        skip_organization_id=own,
    )
    return deal


# --- the contract and its milestones -------------------------------------------------------


def _party_or_refuse(actor: Actor, deal: Deal) -> int:
    own = deal_party_organization_id(actor=actor, deal=deal)
    if own is None:
        raise PermissionDenied(_("Only the two parties change the deal."))
    return own


CONTRACT_FIELDS = (
    "contract_type",
    "equity_contribution",
    "total_amount",
    "non_technical_amount",
    "payment_terms",
    "payment_note",
    "signed_on",
    "ends_on",
)
REGISTRATION_FIELDS = ("registration_number", "registered_on")


@transaction.atomic
def contract_save(*, actor: Actor, deal: Deal, **values) -> Contract:
    """Record or change the contract's terms (while negotiating) or its registration (once
    signed, until the staff verify it). Changing the terms withdraws both sides' signature
    confirmations: each confirms what it signs."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    own = _party_or_refuse(actor, deal)
    contract = Contract.objects.filter(deal=deal).first() or Contract(deal=deal)
    terms = {name: values[name] for name in CONTRACT_FIELDS if name in values}
    registration = {name: values[name] for name in REGISTRATION_FIELDS if name in values}
    if terms and deal.stage not in (Stage.LEAD, Stage.NDA, Stage.NEGOTIATION):
        raise ValidationError(
            {
                "contract_type": _(
                    "The terms are fixed once signed; record a new deal to change them."
                )
            }
        )
    if registration:
        if deal.stage not in (Stage.SIGNED, Stage.EXECUTING, Stage.COMPLETED) or (
            contract.registration_status
            in (Contract.Registration.PENDING, Contract.Registration.VERIFIED)
        ):
            raise ValidationError(
                {
                    "registration_number": _(
                        "The registration is entered once signed, and cannot be changed while "
                        "it awaits or has passed verification."
                    )
                }
            )
    for name, value in {**terms, **registration}.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(contract, name, value)
    if contract.non_technical_amount is None:
        contract.non_technical_amount = Decimal("0")
    contract.updated_by = actor.user
    contract.full_clean(exclude=["deal"])
    contract.save()
    if terms:
        Confirmation.objects.filter(deal=deal, action=Action.SIGN).delete()
    deal.last_activity_at, deal.nudged_at = timezone.now(), None
    deal.save(update_fields=["last_activity_at", "nudged_at"])
    DealHistory.objects.create(
        deal=deal,
        action="contract",
        from_stage=deal.stage,
        to_stage=deal.stage,
        user=actor.user,
        organization_id=own,
    )
    return contract


def _milestone_editable(actor: Actor, deal: Deal) -> int:
    own = _party_or_refuse(actor, deal)
    if deal.stage not in (Stage.LEAD, Stage.NDA, Stage.NEGOTIATION):
        raise ValidationError(
            {"title": _("Milestones are agreed before signing; they are fixed once signed.")}
        )
    return own


@transaction.atomic
def milestone_save(
    *, actor: Actor, deal: Deal, milestone: Milestone | None = None, **values
) -> Milestone:
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    _milestone_editable(actor, deal)
    milestone = milestone or Milestone(deal=deal)
    if milestone.deal_id != deal.pk:
        raise PermissionDenied(_("This milestone belongs to another deal."))
    for name in ("title", "due_on", "amount", "acceptance_criteria"):
        if name in values:
            value = values[name]
            setattr(milestone, name, value.strip() if isinstance(value, str) else value)
    milestone.full_clean(exclude=["deal"])
    milestone.save()
    Confirmation.objects.filter(deal=deal, action=Action.SIGN).delete()
    return milestone


@transaction.atomic
def milestone_delete(*, actor: Actor, milestone: Milestone) -> None:
    deal = Deal.objects.select_for_update().get(pk=milestone.deal_id)
    _milestone_editable(actor, deal)
    milestone.delete()
    Confirmation.objects.filter(deal=deal, action=Action.SIGN).delete()


def _milestone_step(
    *, actor: Actor, milestone: Milestone, side: str, allowed_from: str, event: str, note: str
) -> tuple[Deal, int, str]:
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("demand_party", "supply_party")
        .get(pk=milestone.deal_id)
    )
    own = _party_or_refuse(actor, deal)
    if own != getattr(deal, f"{side}_party_id"):
        raise PermissionDenied(
            _("The supply side delivers a milestone; the demand side accepts it.")
        )
    if deal.stage != Stage.EXECUTING:
        raise ValidationError(
            {"status": _("Milestones are delivered while the contract executes.")}
        )
    if milestone.status != allowed_from:
        raise ValidationError(
            {
                "status": _("The milestone is “%(status)s”.")
                % {"status": milestone.get_status_display()}
            }
        )
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError(
            {"note": _("Keep the note within %(limit)d characters.") % {"limit": 2000}}
        )
    return deal, own, note


def _milestone_told(
    deal: Deal, milestone: Milestone, own: int, event: str, user, note: str
) -> None:
    _touch(deal, by_party=True)
    deal.save(update_fields=["last_activity_at", "nudged_at"])
    _record(
        deal=deal,
        event=event,
        action=f"milestone_{milestone.status}",
        from_stage=deal.stage,
        user=user,
        organization_id=own,
        note=note,
        data={"milestone": milestone.pk, "due_on": milestone.due_on.isoformat()},
        amount=milestone.amount,
    )
    _tell(
        deal=deal,
        title=lambda: (
            _("%(title)s: milestone “%(milestone)s” is %(status)s")
            % {
                "title": deal.title,
                "milestone": milestone.title,
                "status": milestone.get_status_display(),
            }
        ),
        body=note,
        webhook=WebhookEvent.DEAL_MILESTONE_UPDATED,
        payload=_payload(
            deal,
            milestone={"id": milestone.pk, "title": milestone.title, "status": milestone.status},
        ),
        skip_organization_id=own,
    )


@transaction.atomic
def milestone_deliver(*, actor: Actor, milestone: Milestone, note: str = "") -> Milestone:
    """The supply side delivers (documents go up as deal documents of kind delivery)."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    deal, own, note = _milestone_step(
        actor=actor,
        milestone=milestone,
        side="supply",
        allowed_from=Milestone.Status.PLANNED,
        event=OutcomeEvent.Name.DEAL_MILESTONE_DELIVERED,
        note=note,
    )
    if not note and not milestone.documents.exists():
        raise ValidationError({"note": _("Say what was delivered, or attach the delivery.")})
    milestone.status = Milestone.Status.DELIVERED
    milestone.delivery_note = note
    milestone.delivered_at = timezone.now()
    milestone.save(update_fields=["status", "delivery_note", "delivered_at"])
    _milestone_told(
        deal, milestone, own, OutcomeEvent.Name.DEAL_MILESTONE_DELIVERED, actor.user, note
    )
    return milestone


@transaction.atomic
def milestone_review(
    *, actor: Actor, milestone: Milestone, accept: bool, note: str = ""
) -> Milestone:
    """The demand side accepts a delivered milestone, or sends it back with what is missing."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    deal, own, note = _milestone_step(
        actor=actor,
        milestone=milestone,
        side="demand",
        allowed_from=Milestone.Status.DELIVERED,
        event=OutcomeEvent.Name.DEAL_MILESTONE_ACCEPTED,
        note=note,
    )
    if not accept and not note:
        raise ValidationError(
            {"note": _("Say what is missing, so that it can be delivered again.")}
        )
    milestone.review_note = note
    if accept:
        milestone.status = Milestone.Status.ACCEPTED
        milestone.accepted_at = timezone.now()
        milestone.accepted_by = actor.user
        event = OutcomeEvent.Name.DEAL_MILESTONE_ACCEPTED
    else:
        milestone.status = Milestone.Status.PLANNED
        event = OutcomeEvent.Name.DEAL_MILESTONE_REJECTED
    milestone.save(update_fields=["status", "review_note", "accepted_at", "accepted_by"])
    _milestone_told(deal, milestone, own, event, actor.user, note)
    return milestone


# --- documents -----------------------------------------------------------------------------


@transaction.atomic
def document_upload(
    *,
    actor: Actor,
    deal: Deal,
    file: File,
    kind: str,
    milestone: Milestone | None = None,
) -> DealDocument:
    """A confidential document, seen by the parties and the overseeing staff only."""
    own = _party_or_refuse(actor, deal)
    if deal.stage in CLOSED_STAGES:
        raise ValidationError({"file": _("The deal is closed.")})
    if kind not in DealDocument.Kind.values:
        raise ValidationError({"kind": _("Choose what the document is.")})
    if milestone is not None and milestone.deal_id != deal.pk:
        raise PermissionDenied(_("This milestone belongs to another deal."))
    limit = settings.DEAL_DOCUMENT_MAX_MB
    if file.size > limit * 1024 * 1024:
        raise ValidationError(
            {
                "file": _("%(name)s is larger than %(size)d MB.")
                % {"name": upload_clean_name(file.name), "size": limit}
            }
        )
    document = DealDocument(
        deal=deal,
        kind=kind,
        milestone=milestone,
        file=file,
        name=upload_clean_name(file.name),
        size=file.size,
        organization_id=own,
        uploaded_by=actor.user,
    )
    document.full_clean(exclude=["deal", "organization", "milestone", "uploaded_by"])
    label = capfirst(DealDocument._meta.get_field("file").verbose_name)
    upload_check_content(file, field="file", label=label)
    document.save()
    Deal.objects.filter(pk=deal.pk).update(last_activity_at=timezone.now(), nudged_at=None)
    DealHistory.objects.create(
        deal=deal,
        action="document",
        from_stage=deal.stage,
        to_stage=deal.stage,
        user=actor.user,
        organization_id=own,
        note=document.name,
    )
    return document


# --- timers --------------------------------------------------------------------------------


def deals_keep_alive(*, now=None) -> dict[str, int]:
    """Nudge the parties of deals gone quiet before signing, and mark dormant those still quiet
    after DEAL_DORMANT_AFTER_DAYS. Safe to run twice: a deal is nudged once per quiet spell
    and falls dormant once (the system's step checks the quiet again under a lock)."""
    now = now or timezone.now()
    dormant_before = now - timedelta(days=settings.DEAL_DORMANT_AFTER_DAYS)
    nudge_before = dormant_before + timedelta(days=settings.DEAL_NUDGE_DAYS_BEFORE_DORMANT)
    pre_contract = Deal.objects.filter(stage__in=list(PRE_CONTRACT_STAGES))
    nudged = dormant = 0

    def quiet_since(moment):
        """No step, document or message since `moment`."""
        return pre_contract.filter(last_activity_at__lte=moment).filter(
            Q(conversation__last_message_at__isnull=True)
            | Q(conversation__last_message_at__lte=moment)
        )

    for deal_id in quiet_since(dormant_before).values_list("pk", flat=True):
        try:
            deal_transition(actor=None, deal=Deal(pk=deal_id), action=Action.GO_DORMANT)
            dormant += 1
        except ValidationError:
            continue  # someone acted in between, or another run got there first
    for deal_id in (
        quiet_since(nudge_before).filter(nudged_at__isnull=True).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update(of=("self",))
                .select_related("demand_party", "supply_party")
                .filter(pk=deal_id, nudged_at__isnull=True, stage__in=list(PRE_CONTRACT_STAGES))
                .first()
            )
            if deal is None:
                continue
            deal.nudged_at = now
            deal.save(update_fields=["nudged_at"])
            _tell(
                deal=deal,
                title=lambda deal=deal: (
                    _("%(title)s has been quiet; it becomes dormant in %(days)d days")
                    % {"title": deal.title, "days": settings.DEAL_NUDGE_DAYS_BEFORE_DORMANT}
                ),
                body=lambda: _("Write to the other side, take the next step, or close it as lost."),
                webhook=None,
                payload={},
            )
            nudged += 1
    return {"nudged": nudged, "dormant": dormant}
