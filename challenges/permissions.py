"""Who may see and act on a challenge, read from the Actor.

The sponsor's members (or its API token) edit, submit, close and answer; the CAST staff of the
sponsor's region vet it — for a government list (the sponsor is a CAST office) the office above
(its province's), or the platform's administrators where there is none; an applicant sees its
own application. A hidden sponsor's name is seen only by the sponsor and the vetting staff.
"""

from django.utils.translation import gettext as _

from challenges.models import CHALLENGE_PUBLIC, Application, Challenge
from organizations.models import Organization
from organizations.selectors import Actor, region_office


def challenge_is_sponsor(*, actor: Actor, challenge: Challenge) -> bool:
    return challenge.sponsor_id in actor.organization_ids


def challenge_vetting_region_id(
    *, challenge: Challenge, staffed_region_ids: frozenset[int] | None = None
) -> int | None:
    """The region whose staff vet: the sponsor's; for a government list the region above,
    None when no staffed office oversees it (the platform's administrators vet).

    `staffed_region_ids`: the regions with a staffed office, read once for a whole page
    (challenges.selectors.staffed_office_regions) instead of one query per challenge."""
    if not challenge.government_list:
        return challenge.region_id
    parent = challenge.region.parent
    if parent is None:
        return None
    if staffed_region_ids is not None:
        staffed = parent.pk in staffed_region_ids or parent.parent_id in staffed_region_ids
    else:
        staffed = region_office(region=parent) is not None
    return parent.pk if staffed else None


def challenge_can_vet(
    *, actor: Actor, challenge: Challenge, staffed_region_ids: frozenset[int] | None = None
) -> bool:
    if not actor.is_authenticated:
        return False
    if challenge.government_list:
        if challenge_is_sponsor(actor=actor, challenge=challenge) and not actor.is_superuser:
            return False
        if not actor.is_staff_reviewer:
            return False
        region_id = challenge_vetting_region_id(
            challenge=challenge, staffed_region_ids=staffed_region_ids
        )
        return actor.is_superuser if region_id is None else actor.can_review_region(region_id)
    return actor.can_review_region(challenge.region_id)


def challenge_sees_sponsor(
    *, actor: Actor, challenge: Challenge, staffed_region_ids: frozenset[int] | None = None
) -> bool:
    """Whether the actor may learn who sponsors the challenge."""
    return (
        not challenge.hide_sponsor
        or challenge_is_sponsor(actor=actor, challenge=challenge)
        or challenge_can_vet(
            actor=actor, challenge=challenge, staffed_region_ids=staffed_region_ids
        )
    )


def challenge_can_read(*, actor: Actor, challenge: Challenge) -> bool:
    return (
        challenge.status in CHALLENGE_PUBLIC
        or challenge_is_sponsor(actor=actor, challenge=challenge)
        or (challenge.status != "draft" and challenge_can_vet(actor=actor, challenge=challenge))
    )


def challenge_sees_applications(*, actor: Actor, challenge: Challenge) -> bool:
    return challenge_is_sponsor(actor=actor, challenge=challenge) or challenge_can_vet(
        actor=actor, challenge=challenge
    )


def challenge_sees_annex(*, actor: Actor, challenge: Challenge, accepted: bool) -> bool:
    """The annex: the sponsor, the vetting staff, and organizations that accepted the NDA."""
    return (
        challenge_is_sponsor(actor=actor, challenge=challenge)
        or challenge_can_vet(actor=actor, challenge=challenge)
        or accepted
    )


def challenge_is_sponsor_admin(*, actor: Actor, challenge: Challenge) -> bool:
    """The sponsor's administrators seat the panel and assign the applications."""
    return challenge.sponsor_id in actor.admin_organization_ids


def challenge_sees_ranking(*, actor: Actor, challenge: Challenge) -> bool:
    """The panel's scores and ranking: the sponsor and the vetting staff only."""
    return challenge_sees_applications(actor=actor, challenge=challenge)


def application_can_read(*, actor: Actor, application: Application) -> bool:
    return application.applicant_id in actor.organization_ids or challenge_sees_applications(
        actor=actor, challenge=application.challenge
    )


def sponsor_label(challenge: Challenge) -> str:
    """What the public reads instead of a hidden sponsor's name."""
    if challenge.government_list:
        return _("A CAST office")
    return _("An enterprise")


def can_sponsor(organization: Organization) -> bool:
    return organization.is_verified and organization.kind in (
        Organization.Kind.ENTERPRISE,
        Organization.Kind.CAST_OFFICE,
    )
