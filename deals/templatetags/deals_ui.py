"""Deals on the pages of the apps below (a conversation, a match), without those apps importing
this one: the live deal's link, or the button that opens one."""

from django import template
from django.http import Http404

from conversations.models import Conversation
from conversations.permissions import conversation_party_organization_id
from deals.forms import DealOpenForm
from deals.selectors import deal_get, deal_open_for_conversation
from matching.models import Match

register = template.Library()


def _box(context, conversation, *, match=None):
    request = context["request"]
    actor = request.actor
    result = {"request": request, "csrf_token": context.get("csrf_token")}
    if conversation is None:
        return result
    is_party = conversation_party_organization_id(actor=actor, conversation=conversation)
    deal = deal_open_for_conversation(conversation_id=conversation.pk)
    if deal is not None:
        # Shown only to those who may read it (the parties, the region's staff).
        try:
            return {**result, "deal": deal_get(actor=actor, pk=deal.pk)}
        except Http404:
            return result
    if is_party is None:
        return result
    return {
        **result,
        "conversation": conversation,
        "match": match,
        "form": DealOpenForm(initial={"title": conversation.subject}, auto_id="id_deal_open_%s"),
    }


@register.inclusion_tag("deals/_conversation_deal.html", takes_context=True)
def conversation_deal(context, conversation):
    """On a conversation's page: the live deal, or (for a party) “Open a deal”."""
    return _box(context, conversation)


@register.inclusion_tag("deals/_conversation_deal.html", takes_context=True)
def match_deal(context, match):
    """On an approved match's page, once its conversation exists: the same box."""
    if match.status != Match.Status.APPROVED:
        return {}
    conversation = Conversation.objects.filter(match=match).first()
    return _box(context, conversation, match=match)
