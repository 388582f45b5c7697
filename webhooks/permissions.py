"""Who may manage an organization's webhooks, read from the Actor."""

from __future__ import annotations

from organizations.selectors import Actor


def webhook_can_manage(*, actor: Actor, organization_id: int) -> bool:
    """An administrator of the organization, or a token one of them created."""
    return organization_id in actor.admin_organization_ids


def webhook_can_manage_any(*, actor: Actor) -> bool:
    """Whether the actor administers an organization, so has webhooks to manage at all."""
    return bool(actor.admin_organization_ids)
