"""Who may do what to an organization, read from the Actor."""

from organizations.selectors import Actor


def organization_can_administer(*, actor: Actor, organization_id: int) -> bool:
    """Its profile, members and API tokens: an administrator in person, never a token."""
    return actor.is_person and organization_id in actor.admin_organization_ids
