"""Reads about webhook endpoints and deliveries, scoped to what an actor administers."""

from dataclasses import replace
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from organizations.models import Membership
from organizations.selectors import actor_for
from webhooks.models import WebhookDelivery, WebhookEndpoint

# The safety net leaves a just-due delivery to the task already scheduled for it.
DUE_GRACE = timedelta(seconds=60)


def webhook_actor_for(*, user, token=None):
    """The Actor for managing webhooks.

    A signed-in user manages the webhooks of the organizations they administer. A program's
    token manages its organization's webhooks while the token's creator is still an active
    administrator there (a token acts for its creator).
    """
    actor = actor_for(user=user, token=token)
    if token is not None:
        creator_is_admin = Membership.objects.filter(
            user_id=token.created_by_id,
            organization_id=token.organization_id,
            role=Membership.Role.ADMIN,
            status=Membership.Status.ACTIVE,
        ).exists()
        actor = replace(
            actor,
            admin_organization_ids=(
                frozenset([token.organization_id]) if creator_is_admin else frozenset()
            ),
        )
    return actor


def webhook_can_manage(*, actor, organization_id):
    return organization_id in actor.admin_organization_ids


def webhook_endpoint_list(*, actor, organization=None):
    """The endpoints of the organizations the actor administers (or of one of them)."""
    queryset = WebhookEndpoint.objects.filter(organization_id__in=actor.admin_organization_ids)
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset.select_related("organization", "created_by")


def webhook_delivery_list(*, actor, organization=None):
    """The deliveries to endpoints of the organizations the actor administers, newest first."""
    queryset = WebhookDelivery.objects.filter(
        endpoint__organization_id__in=actor.admin_organization_ids
    )
    if organization is not None:
        queryset = queryset.filter(endpoint__organization=organization)
    return queryset.select_related("endpoint")


def webhook_deliveries_due(*, now=None, limit=500):
    """Ids of pending deliveries whose attempt is overdue and that no worker holds."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - DUE_GRACE
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
