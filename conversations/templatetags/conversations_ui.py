"""Contact on other apps' pages, without those apps importing this one: the “Ask for contact”
box of a listing's page and the contact box of a match's page."""

from django import template
from django.db.models import Q

from conversations.forms import ContactRequestForm
from conversations.models import ContactRequest, Conversation
from conversations.selectors import conversation_counterpart_contact
from organizations.models import Organization
from repositories.models import Listing

register = template.Library()


@register.inclusion_tag("conversations/_listing_contact_box.html", takes_context=True)
def listing_contact(context, listing):
    request = context["request"]
    actor = request.actor
    result = {"listing": listing, "request": request, "csrf_token": context.get("csrf_token")}
    if listing.organization_id in actor.organization_ids:
        return result
    if not Listing.objects.live().filter(pk=listing.pk).exists():
        return result
    if not actor.is_authenticated:
        return {**result, "show_login": True}
    organizations = (
        Organization.objects.filter(
            id__in=actor.organization_ids, status=Organization.Status.VERIFIED
        )
        .exclude(kind=Organization.Kind.CAST_OFFICE)
        .exclude(pk=listing.organization_id)
        .order_by("name_sort_key")
    )
    if not organizations.exists():
        return result
    conversation = (
        Conversation.objects.filter(listing=listing)
        .filter(Q(party_a__in=organizations) | Q(party_b__in=organizations))
        .first()
    )
    pending = ContactRequest.objects.filter(
        listing=listing, organization__in=organizations, status=ContactRequest.Status.PENDING
    ).first()
    return {
        **result,
        "conversation": conversation,
        "pending": pending,
        "form": ContactRequestForm(organizations=organizations, auto_id="id_contact_%s")
        if conversation is None and pending is None
        else None,
    }


@register.inclusion_tag("conversations/_match_contact_box.html", takes_context=True)
def match_contact(context, match):
    """On a match's page, for its parties: the conversation and the other side's contact
    once both asked for contact."""
    actor = context["request"].actor
    conversation = Conversation.objects.filter(match=match).first()
    contact = (
        conversation_counterpart_contact(actor=actor, conversation=conversation)
        if conversation
        else None
    )
    return {"conversation": conversation if contact else None, "contact": contact}
