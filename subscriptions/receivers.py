"""Subscriptions listen to the outcome log and record their pushes in the outbox (never more)."""

from django.dispatch import receiver

from outbox.services import outbox_enqueue
from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded
from subscriptions.tasks import push_new_listing


@receiver(outcome_recorded)
def push_published_listing(*, event, **kwargs):
    """In the publishing transaction: the push is sent once it commits, or later by the outbox's
    relay if the broker is out (push_new_listing is safe to run twice)."""
    if event.name == OutcomeEvent.Name.LISTING_PUBLISHED:
        outbox_enqueue(push_new_listing, event.subject_id)
