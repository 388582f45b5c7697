"""Who may do what in a conversation or with a contact request, read from the Actor.

The two parties' members (or a party's API token) read and write; the CAST staff of the
conversation's region (the need's) read it for oversight but are not parties; nobody else
learns that it exists (404).
"""

from conversations.models import AbuseReport, ContactRequest, Conversation
from organizations.selectors import Actor


def conversation_party_organization_id(*, actor: Actor, conversation: Conversation) -> int | None:
    """The actor's organization among the two parties, or None."""
    for organization_id in conversation.party_ids:
        if organization_id in actor.organization_ids:
            return organization_id
    return None


def conversation_can_read(*, actor: Actor, conversation: Conversation) -> bool:
    return conversation_party_organization_id(
        actor=actor, conversation=conversation
    ) is not None or actor.can_review_region(conversation.region_id)


def conversation_can_write(*, actor: Actor, conversation: Conversation) -> bool:
    """The parties only: the overseeing staff read, they do not take part."""
    return conversation_party_organization_id(actor=actor, conversation=conversation) is not None


def contact_request_can_decide(*, actor: Actor, contact_request: ContactRequest) -> bool:
    """The listing's owner decides, while the request is pending."""
    return (
        contact_request.owner_id in actor.organization_ids
        and contact_request.status == ContactRequest.Status.PENDING
    )


def contact_request_can_read(*, actor: Actor, contact_request: ContactRequest) -> bool:
    return (
        contact_request.owner_id in actor.organization_ids
        or contact_request.organization_id in actor.organization_ids
    )


def shared_contact_can_set(*, actor: Actor, organization_id: int) -> bool:
    """What an organization shows its counterparts: its administrators, in person."""
    return actor.is_person and organization_id in actor.admin_organization_ids


def abuse_report_can_resolve(*, actor: Actor, report: AbuseReport) -> bool:
    return actor.is_person and actor.can_review_region(report.region_id)
