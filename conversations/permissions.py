"""Who may do what in a conversation or with a contact request, read from the Actor.

The two parties' members (or a party's API token) read and write, and so does a technology
manager a party mandated on the listing the conversation is about; the CAST staff of the
conversation's region (the need's) read it for oversight but are not parties; nobody else
learns that it exists (404).
"""

from conversations.models import AbuseReport, ContactRequest, Conversation
from organizations.selectors import Actor


def conversation_party_organization_id(*, actor: Actor, conversation: Conversation) -> int | None:
    """The actor's organization among the two parties, or None. A technology manager acts for
    the party that mandated it on the conversation's listing."""
    member_of = conversation_member_party_id(actor=actor, conversation=conversation)
    if member_of is not None:
        return member_of
    return conversation_mandating_party_id(actor=actor, conversation=conversation)


def conversation_member_party_id(*, actor: Actor, conversation: Conversation) -> int | None:
    """The party the actor belongs to (or whose token it is), or None. What concerns the whole
    organization beyond one listing, blocking the other, is theirs alone."""
    for organization_id in conversation.party_ids:
        if organization_id in actor.organization_ids:
            return organization_id
    return None


def conversation_mandating_party_id(*, actor: Actor, conversation: Conversation) -> int | None:
    """The party the actor speaks for as its technology manager, or None."""
    for listing_id in conversation.listing_ids:
        organization_id = actor.mandated_listings.get(listing_id)
        if organization_id in conversation.party_ids:
            return organization_id
    return None


def conversation_can_read(*, actor: Actor, conversation: Conversation) -> bool:
    return conversation_party_organization_id(
        actor=actor, conversation=conversation
    ) is not None or actor.can_review_region(conversation.region_id)


def conversation_can_write(*, actor: Actor, conversation: Conversation) -> bool:
    """The parties only: the overseeing staff read, they do not take part."""
    return conversation_party_organization_id(actor=actor, conversation=conversation) is not None


def contact_request_acts_for_owner(*, actor: Actor, contact_request: ContactRequest) -> bool:
    """A member of the listing's owner, or the manager it mandated on the listing."""
    return (
        contact_request.owner_id in actor.organization_ids
        or actor.mandated_listings.get(contact_request.listing_id) == contact_request.owner_id
    )


def contact_request_can_decide(*, actor: Actor, contact_request: ContactRequest) -> bool:
    """The listing's owner decides, while the request is pending."""
    return (
        contact_request_acts_for_owner(actor=actor, contact_request=contact_request)
        and contact_request.status == ContactRequest.Status.PENDING
    )


def contact_request_can_read(*, actor: Actor, contact_request: ContactRequest) -> bool:
    return (
        contact_request_acts_for_owner(actor=actor, contact_request=contact_request)
        or contact_request.organization_id in actor.organization_ids
    )


def shared_contact_can_set(*, actor: Actor, organization_id: int) -> bool:
    """What an organization shows its counterparts: its administrators, in person."""
    return actor.is_person and organization_id in actor.admin_organization_ids


def abuse_report_can_resolve(*, actor: Actor, report: AbuseReport) -> bool:
    return actor.is_person and actor.can_review_region(report.region_id)
