"""Who may do what about technology managers and mandates, read from the Actor."""

from managers.models import ManagerProfile
from organizations.models import Mandate, Organization
from organizations.selectors import Actor


def manager_can_review(*, actor: Actor, profile: ManagerProfile) -> bool:
    """A certificate is verified by the CAST staff of the manager's region (or the platform)."""
    return actor.is_authenticated and actor.can_review_region(profile.region_id)


def mandate_can_offer(*, actor: Actor, organization: Organization) -> bool:
    """Mandates are given, widened and narrowed by the organization's administrators, in person."""
    return actor.is_person and organization.pk in actor.admin_organization_ids


def mandate_can_read(*, actor: Actor, mandate: Mandate) -> bool:
    """The manager, the organization's members, and the CAST staff of its region."""
    if not actor.is_authenticated:
        return False
    return (
        (actor.is_person and mandate.manager_id == actor.user.pk)
        or mandate.organization_id in actor.organization_ids
        or actor.can_review_region(mandate.organization.region_id)
    )


def mandate_can_end(*, actor: Actor, mandate: Mandate) -> bool:
    return actor.is_person and (
        mandate.manager_id == actor.user.pk
        or mandate.organization_id in actor.admin_organization_ids
    )
