"""Reads about deals: those the actor may see, a deal's contract, milestones, documents and
history, and what the actor may do next."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from deals.models import Confirmation, Contract, Deal, DealDocument, DealHistory, Milestone
from deals.permissions import deal_can_review, deal_party_organization_id
from deals.transitions import TRANSITIONS, Action, Who
from organizations.selectors import Actor


def deal_list_visible(*, actor: Actor) -> QuerySet[Deal]:
    """The deals of the actor's organizations and, for the CAST staff, those of their region."""
    deals = Deal.objects.select_related("demand_party", "supply_party", "region")
    if actor.is_superuser:
        return deals
    if not actor.is_authenticated:
        return deals.none()
    visible = Q(demand_party_id__in=actor.organization_ids) | Q(
        supply_party_id__in=actor.organization_ids
    )
    if actor.mandated_listings:
        visible |= _mandated_q(actor)
    if actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids)
    return deals.filter(visible)


def _mandated_q(actor: Actor) -> Q:
    """Deals about the listings of a technology manager's mandates (deal_party_organization_id
    checks the mandating organization is a party)."""
    listing_ids = list(actor.mandated_listings)
    return Q(need_id__in=listing_ids) | Q(listing_id__in=listing_ids)


def deal_list_own(*, actor: Actor) -> QuerySet[Deal]:
    """The deals the actor's organizations are parties to, and those it handles by mandate."""
    own = Q(demand_party_id__in=actor.organization_ids) | Q(
        supply_party_id__in=actor.organization_ids
    )
    if actor.mandated_listings:
        own |= _mandated_q(actor)
    return deal_list_visible(actor=actor).filter(own)


def deal_get(*, actor: Actor, pk: int) -> Deal:
    """A deal the actor may read; 404 otherwise, as if it did not exist."""
    deal = deal_list_visible(actor=actor).filter(pk=pk).first()
    if deal is None:
        raise Http404
    return deal


def deal_open_for_conversation(*, conversation_id: int) -> Deal | None:
    return (
        Deal.objects.filter(conversation_id=conversation_id)
        .exclude(stage__in=["completed", "lost", "terminated"])
        .first()
    )


def contract_for(*, deal: Deal) -> Contract | None:
    return Contract.objects.filter(deal=deal).first()


def milestone_list(*, deal: Deal) -> QuerySet[Milestone]:
    return Milestone.objects.filter(deal=deal).order_by("due_on", "id")


def document_list(*, deal: Deal) -> QuerySet[DealDocument]:
    return DealDocument.objects.filter(deal=deal).select_related("organization", "milestone")


def document_get(*, actor: Actor, pk: int) -> DealDocument:
    """A document of a deal the actor may read; 404 otherwise."""
    document = DealDocument.objects.filter(pk=pk).first()
    if document is None:
        raise Http404
    deal_get(actor=actor, pk=document.deal_id)
    return document


def history_list(*, deal: Deal) -> QuerySet[DealHistory]:
    return DealHistory.objects.filter(deal=deal).select_related("user", "organization")


def confirmations_for(*, deal: Deal) -> dict[str, set[int]]:
    """Which parties have confirmed each two-sided action of the current stage."""
    confirmed: dict[str, set[int]] = {}
    for action, organization_id in Confirmation.objects.filter(deal=deal).values_list(
        "action", "organization_id"
    ):
        confirmed.setdefault(action, set()).add(organization_id)
    return confirmed


def deal_available_actions(*, actor: Actor, deal: Deal) -> list[Action]:
    """The steps the actor may take now (the checks still run when one is taken)."""
    own = deal_party_organization_id(actor=actor, deal=deal)
    confirmed = confirmations_for(deal=deal)
    actions = []
    for (stage, action), step in TRANSITIONS.items():
        if stage != deal.stage:
            continue
        if step.who == Who.PARTY and own is not None:
            if step.both and own in confirmed.get(action.value, set()):
                continue
            actions.append(action)
        elif step.who == Who.STAFF and deal_can_review(actor=actor, deal=deal):
            actions.append(action)
    return actions
