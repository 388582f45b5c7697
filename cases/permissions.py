"""Who may see and act on feedback, cases and surveys, read from the Actor.

A published case is public. A case still in draft or in review is read by the two parties and
the CAST staff of the deal's region only (404 for anyone else); the parties edit it, each party's
administrators consent to it, and the region's staff review it. Feedback and surveys are
answered by their party; survey answers are read by both parties and the region's staff.
"""

from cases.models import Case, Feedback, Survey
from organizations.selectors import Actor


def case_party_organization_id(*, actor: Actor, case: Case) -> int | None:
    """The actor's organization among the case's two parties, or None."""
    for organization_id in case.party_ids:
        if organization_id in actor.organization_ids:
            return organization_id
    return None


def case_can_review(*, actor: Actor, case: Case) -> bool:
    return actor.is_authenticated and actor.can_review_region(case.region_id)


def case_can_read(*, actor: Actor, case: Case) -> bool:
    return (
        case.is_published
        or case_party_organization_id(actor=actor, case=case) is not None
        or case_can_review(actor=actor, case=case)
    )


def case_can_edit(*, actor: Actor, case: Case) -> bool:
    return (
        actor.is_person
        and case.is_editable
        and case_party_organization_id(actor=actor, case=case) is not None
    )


def case_consenting_organization_id(*, actor: Actor, case: Case) -> int | None:
    """The party whose consent the actor may give or withdraw: as its administrator, in person."""
    if not actor.is_person:
        return None
    for organization_id in case.party_ids:
        if organization_id in actor.admin_organization_ids:
            return organization_id
    return None


def feedback_can_answer(*, actor: Actor, feedback: Feedback) -> bool:
    return actor.is_person and feedback.organization_id in actor.organization_ids


def survey_can_answer(*, actor: Actor, survey: Survey) -> bool:
    return actor.is_person and survey.organization_id in actor.organization_ids


def survey_can_read(*, actor: Actor, survey: Survey) -> bool:
    """The deal's two parties and the CAST staff of its region."""
    deal = survey.deal
    return bool(set(deal.party_ids) & actor.organization_ids) or (
        actor.is_authenticated and actor.can_review_region(deal.region_id)
    )
