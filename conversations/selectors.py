"""Reads about contact: conversations the actor may see, their messages and unread counts,
contact requests, what each organization shares, blocks and reports."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from conversations.models import (
    AbuseReport,
    Block,
    ContactRequest,
    Conversation,
    Message,
    MessageAttachment,
    ReadMark,
    SharedContact,
)
from conversations.permissions import conversation_party_organization_id
from organizations.models import Organization
from organizations.selectors import Actor


@dataclass(frozen=True)
class Contact:
    """A named contact person, as one organization shows it to its counterparts."""

    organization_id: int
    organization_name: str
    name: str
    phone: str
    email: str


def shared_contact_for(*, organization: Organization) -> Contact:
    """The contact the organization chose to share, else its profile's contact."""
    chosen = SharedContact.objects.filter(organization=organization).first()
    if chosen is not None:
        return Contact(organization.pk, organization.name, chosen.name, chosen.phone, chosen.email)
    return Contact(
        organization.pk,
        organization.name,
        organization.contact_name,
        organization.contact_phone,
        organization.contact_email,
    )


def conversation_counterpart_contact(*, actor: Actor, conversation: Conversation) -> Contact | None:
    """The other party's shared contact, for a party only; None for anyone else (the
    overseeing staff included)."""
    own = conversation_party_organization_id(actor=actor, conversation=conversation)
    if own is None:
        return None
    other = conversation.party_b if own == conversation.party_a_id else conversation.party_a
    return shared_contact_for(organization=other)


def _visible_q(actor: Actor) -> Q | None:
    """None: everything (superusers)."""
    if actor.is_superuser:
        return None
    visible = _party_q(actor)
    if actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids)
    return visible


def conversation_list_visible(*, actor: Actor) -> QuerySet[Conversation]:
    """The conversations of the actor's organizations, those it takes part in as a technology
    manager, and those its CAST office oversees."""
    if not actor.is_authenticated:
        return Conversation.objects.none()
    visible = _visible_q(actor)
    qs = Conversation.objects.all() if visible is None else Conversation.objects.filter(visible)
    return qs.select_related("party_a", "party_b", "listing", "region", "match")


def _party_q(actor: Actor, prefix: str = "") -> Q:
    """Conversations the actor takes part in: its organizations', and those about a listing a
    party mandated it on (conversation_mandating_party_id says for which party)."""
    party = Q(**{f"{prefix}party_a_id__in": actor.organization_ids}) | Q(
        **{f"{prefix}party_b_id__in": actor.organization_ids}
    )
    if actor.mandated_listings:
        listing_ids = list(actor.mandated_listings)
        mandators = set(actor.mandated_listings.values())
        about = Q(**{f"{prefix}listing_id__in": listing_ids}) | Q(
            **{f"{prefix}match__supply_listing_id__in": listing_ids}
        )
        mandator_is_party = Q(**{f"{prefix}party_a_id__in": mandators}) | Q(
            **{f"{prefix}party_b_id__in": mandators}
        )
        party |= about & mandator_is_party
    return party


def _own_side_ids(actor: Actor) -> set[int]:
    """Organizations whose messages are the actor's own side's, never unread for it."""
    return set(actor.organization_ids) | set(actor.mandated_listings.values())


def _takes_part(actor: Actor) -> bool:
    return bool(actor.organization_ids or actor.mandated_listings)


def _read_mark(user, conversation_ref):
    return Subquery(
        ReadMark.objects.filter(conversation=conversation_ref, user=user).values(
            "last_read_message_id"
        )[:1],
        output_field=IntegerField(),
    )


def conversation_list_with_unread(*, actor: Actor, box: str = "") -> QuerySet[Conversation]:
    """Visible conversations, each annotated with `unread`: the other party's messages the
    actor has not read. `box`: "mine", those the actor takes part in; "oversight", those its
    CAST office only oversees; else both."""
    if not actor.is_authenticated:
        return Conversation.objects.none()
    qs = conversation_list_visible(actor=actor)
    if box == "mine":
        qs = qs.filter(_party_q(actor))
    elif box == "oversight":
        qs = qs.exclude(_party_q(actor))
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), id__gt=OuterRef("read_upto"))
        .exclude(sender_organization_id__in=_own_side_ids(actor))
        .order_by()
        .values("conversation")
        .annotate(count=Count("id"))
        .values("count")
    )
    return qs.annotate(
        read_upto=Coalesce(_read_mark(actor.user, OuterRef("pk")), Value(0)),
        unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
    ).order_by("-last_message_at", "-opened_at", "-id")


def conversation_unread_count(*, actor: Actor) -> int:
    """Messages the other parties wrote that the actor has not read, in all the conversations
    of the actor's organizations (not those it only oversees): the navigation bar's badge."""
    if not actor.is_authenticated or not _takes_part(actor):
        return 0
    return (
        Message.objects.filter(_party_q(actor, prefix="conversation__"))
        .exclude(sender_organization_id__in=_own_side_ids(actor))
        .filter(id__gt=Coalesce(_read_mark(actor.user, OuterRef("conversation_id")), Value(0)))
        .count()
    )


UNREAD_CACHE_SECONDS = 60


def unread_cache_key(user_id: int) -> str:
    return f"conversations:unread:{user_id}"


def conversation_unread_count_cached(*, actor: Actor) -> int:
    """conversation_unread_count, kept in the cache for a minute: every page's navigation bar
    shows it. Sending a message and reading clear the counts concerned (services)."""
    if not actor.is_authenticated:
        return 0
    key = unread_cache_key(actor.user.pk)
    count = cache.get(key)
    if count is None:
        count = conversation_unread_count(actor=actor)
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def conversation_get(*, actor: Actor, pk: int) -> Conversation:
    """A conversation the actor may read; 404 otherwise, as if it did not exist."""
    conversation = conversation_list_visible(actor=actor).filter(pk=pk).first()
    if conversation is None:
        raise Http404
    return conversation


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("sender", "sender_organization")
        .prefetch_related("attachments")
        .order_by("id")
    )


def message_attachment_get(*, actor: Actor, pk: int, conversation_id: int | None = None):
    """An attachment of a conversation the actor may read; 404 otherwise."""
    attachment = (
        MessageAttachment.objects.select_related("message").filter(pk=pk).first()
        if conversation_id is None
        else MessageAttachment.objects.select_related("message")
        .filter(pk=pk, message__conversation_id=conversation_id)
        .first()
    )
    if attachment is None:
        raise Http404
    conversation_get(actor=actor, pk=attachment.message.conversation_id)
    return attachment


def read_upto_by_other_party(*, conversation: Conversation, organization_id: int) -> int:
    """The last message the other party has read (any of its people): "read" marks."""
    other = conversation.other_party_id(organization_id)
    marks = ReadMark.objects.filter(conversation=conversation, organization_id=other)
    return max(marks.values_list("last_read_message_id", flat=True), default=0)


def contact_request_received_q(actor: Actor) -> Q:
    """Requests to the actor's organizations, and about the listings it is mandated on (for
    the organization that mandated it)."""
    received = Q(owner_id__in=actor.organization_ids)
    for listing_id, organization_id in actor.mandated_listings.items():
        received |= Q(listing_id=listing_id, owner_id=organization_id)
    return received


def contact_request_list_visible(*, actor: Actor) -> QuerySet[ContactRequest]:
    """Requests the actor's organizations sent or received, and those about its mandates."""
    if not actor.is_authenticated:
        return ContactRequest.objects.none()
    return ContactRequest.objects.filter(
        Q(organization_id__in=actor.organization_ids) | contact_request_received_q(actor)
    ).select_related("listing", "organization", "owner", "requested_by")


def contact_request_list_incoming(*, actor: Actor) -> QuerySet[ContactRequest]:
    return contact_request_list_visible(actor=actor).filter(contact_request_received_q(actor))


def contact_request_list_sent(*, actor: Actor) -> QuerySet[ContactRequest]:
    return contact_request_list_visible(actor=actor).filter(
        organization_id__in=actor.organization_ids
    )


def contact_request_pending_count(*, actor: Actor) -> int:
    if not _takes_part(actor):
        return 0
    return ContactRequest.objects.filter(
        contact_request_received_q(actor), status=ContactRequest.Status.PENDING
    ).count()


def contact_request_get(*, actor: Actor, pk: int) -> ContactRequest:
    request = contact_request_list_visible(actor=actor).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def block_exists_between(*, organization_id: int, other_id: int) -> bool:
    return Block.objects.filter(
        Q(organization_id=organization_id, blocked_id=other_id)
        | Q(organization_id=other_id, blocked_id=organization_id)
    ).exists()


def block_list(*, actor: Actor) -> QuerySet[Block]:
    return Block.objects.filter(organization_id__in=actor.organization_ids).select_related(
        "organization", "blocked"
    )


def abuse_report_list_for_staff(*, actor: Actor, status: str | None = None):
    """Reports in the regions the actor's CAST office covers (all, for superusers)."""
    qs = AbuseReport.objects.select_related(
        "reporter_organization", "reported_organization", "region", "conversation", "reporter"
    )
    if not actor.is_superuser:
        qs = qs.filter(region_id__in=actor.review_region_ids)
    if status:
        qs = qs.filter(status=status)
    return qs


def block_by(*, organization_id: int, other_id: int) -> bool:
    """The organization itself blocked the other (it may lift the block)."""
    return Block.objects.filter(organization_id=organization_id, blocked_id=other_id).exists()


def read_upto_for(*, conversation: Conversation, user) -> int:
    """The last message the person has read in the conversation (0: none)."""
    mark = ReadMark.objects.filter(conversation=conversation, user=user).first()
    return mark.last_read_message_id if mark else 0


def shared_contact_chosen(*, organization: Organization) -> SharedContact | None:
    """The contact the organization chose, if it chose one."""
    return SharedContact.objects.filter(organization=organization).first()
