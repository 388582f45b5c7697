from celery import shared_task

from subscriptions.services import subscription_push_listing, subscription_send_digests


@shared_task(acks_late=True, ignore_result=True)
def push_new_listing(listing_id):
    """Sent through the outbox when a listing is published: record hits, push to instant
    subscribers.

    Safe to run twice: hits are unique per (subscription, listing) and claimed before sending.
    """
    return subscription_push_listing(listing_id=listing_id)


@shared_task(acks_late=True, ignore_result=True)
def send_subscription_digests(frequency):
    """Celery beat: the "daily" digests every morning, the "weekly" ones on Monday morning."""
    return subscription_send_digests(frequency=frequency)
