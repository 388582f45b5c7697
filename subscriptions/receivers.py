"""Subscriptions listen to the outcome log and enqueue their pushes (never more)."""

from django.dispatch import receiver

from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded
from subscriptions.tasks import push_new_listing


@receiver(outcome_recorded)
def push_published_listing(*, event, **kwargs):
    if event.name == OutcomeEvent.Name.LISTING_PUBLISHED:
        push_new_listing.delay(event.subject_id)
