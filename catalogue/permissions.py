"""Who may do what to a service offering, read from the Actor: the web pages, the API and the
services decide alike.

- A provider: any active member of a verified organization whose kind provides services
  (catalogue.models.PROVIDER_KINDS, or a kind the category admits) writes its offerings — as
  a member writes its organization's listings. A token needs the `write` scope (api layer).
- The CAST staff of the provider's region (its city's office, or its province's) review them,
  as they review the provider's listings; superusers anywhere.
- Everyone reads published offerings; the provider reads its own in every state, the staff
  of its region every state but draft. For anyone else an offering does not exist.
"""

from __future__ import annotations

from catalogue.models import (
    EDITABLE_STATUSES,
    PROVIDER,
    PROVIDER_KINDS,
    STAFF,
    TRANSITIONS,
    OfferingStatus,
    ServiceOffering,
)
from organizations.models import Organization
from organizations.selectors import Actor


def offering_can_provide_for(*, actor: Actor, organization: Organization) -> bool:
    """Writing offerings in the organization's name: its members, if it provides services
    (of any kind named anywhere: the category narrows it further, see may_be_offered_by)."""
    return organization.id in actor.organization_ids and provider_kind_allowed(organization)


def offering_is_own(*, actor: Actor, offering: ServiceOffering) -> bool:
    return offering.provider_id in actor.organization_ids


def offering_can_edit(*, actor: Actor, offering: ServiceOffering) -> bool:
    return offering_is_own(actor=actor, offering=offering) and offering.status in EDITABLE_STATUSES


def offering_can_review(*, actor: Actor, offering: ServiceOffering) -> bool:
    return offering.status == OfferingStatus.PENDING and actor.can_review_region(
        offering.provider.region_id
    )


def offering_can_follow_review(*, actor: Actor, offering: ServiceOffering) -> bool:
    """The review note and state: the provider and the staff of its region."""
    return offering_is_own(actor=actor, offering=offering) or (
        offering.status != OfferingStatus.DRAFT
        and actor.can_review_region(offering.provider.region_id)
    )


def offering_may_take(*, actor: Actor, offering: ServiceOffering, action: str) -> bool:
    """The transition table allows `action` now, and the actor is who may take it."""
    step = TRANSITIONS.get((offering.status, action))
    if step is None:
        return False
    who = step[1]
    if who == PROVIDER:
        return offering_is_own(actor=actor, offering=offering)
    if who == STAFF:
        return actor.can_review_region(offering.provider.region_id)
    return False


def provider_kind_allowed(organization: Organization) -> bool:
    """A kind that offers services in some category (enterprises and investors only in those
    that admit them)."""
    return organization.kind in PROVIDER_KINDS or organization.kind in (
        Organization.Kind.ENTERPRISE,
        Organization.Kind.INVESTOR,
    )
