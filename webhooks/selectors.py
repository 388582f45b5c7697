"""Reads about webhook endpoints and deliveries, scoped to what an actor administers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from webhooks.models import WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from organizations.models import Organization
    from organizations.selectors import Actor

# The safety net leaves a just-due delivery to the task already scheduled for it.
DUE_GRACE = timedelta(seconds=60)


def webhook_endpoint_list(
    *, actor: Actor, organization: Organization | None = None
) -> QuerySet[WebhookEndpoint]:
    """The endpoints of the organizations the actor administers (or of one of them)."""
    queryset = WebhookEndpoint.objects.filter(organization_id__in=actor.admin_organization_ids)
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset.select_related("organization", "created_by")


def webhook_delivery_list(
    *, actor: Actor, organization: Organization | None = None
) -> QuerySet[WebhookDelivery]:
    """The deliveries to endpoints of the organizations the actor administers, newest first."""
    queryset = WebhookDelivery.objects.filter(
        endpoint__organization_id__in=actor.admin_organization_ids
    )
    if organization is not None:
        queryset = queryset.filter(endpoint__organization=organization)
    return queryset.select_related("endpoint")


def webhook_deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
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
