"""Webhooks listen to the outcome log: the events an organization's endpoints may take."""

from django.dispatch import receiver

from core.web import site_url
from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded
from repositories.models import Listing
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit


@receiver(outcome_recorded)
def emit_listing_published(*, event, **kwargs):
    """In the publishing transaction: the deliveries and their outbox messages commit with it."""
    if event.name != OutcomeEvent.Name.LISTING_PUBLISHED:
        return
    listing = Listing.objects.filter(pk=event.subject_id).select_related("field", "region").first()
    if listing is None:
        return
    webhook_emit(
        organization=event.organization_id,
        event=WebhookEvent.LISTING_PUBLISHED,
        payload={
            "listing": {
                "id": listing.pk,
                "kind": listing.kind,
                "title": listing.title,
                "field": listing.field.code if listing.field else None,
                "region": listing.region.code,
                "published_at": listing.published_at,
                "expires_at": listing.expires_at,
                "url": site_url(listing.get_absolute_url()),
            }
        },
    )
