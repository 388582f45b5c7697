from celery import shared_task

from webhooks.selectors import webhook_deliveries_due
from webhooks.services import webhook_attempt_delivery


@shared_task(bind=True, acks_late=True, ignore_result=True)
def deliver_webhook(self, delivery_id):
    """One attempt at a delivery; a failed attempt schedules the next one with a countdown.

    Its first run is relayed from the outbox, maybe twice. Running it twice is harmless: the
    service claims the delivery before sending, and a delivery that succeeded, is in flight or
    is not yet due is left alone.

    When tasks run eagerly (no broker: the embedded default, and the tests) the next attempt is
    not scheduled here, since a countdown would be ignored and the retries would run back to back
    in the caller's process; retry_due_webhooks (or `manage.py webhooks_retry_due`) sends it
    once it is due.
    """
    outcome = webhook_attempt_delivery(delivery_id=delivery_id)
    if outcome.retry and not self.request.is_eager:
        deliver_webhook.apply_async(args=[delivery_id], countdown=outcome.countdown)
    return None


@shared_task(acks_late=True, ignore_result=True)
def retry_due_webhooks():
    """Celery beat's safety net: enqueue pending deliveries whose attempt is overdue.

    A delivery is overdue when its task was lost (a worker died, a broker restarted); the claim
    in deliver_webhook keeps a delivery from being sent twice if its own task turns up after all.
    """
    delivery_ids = webhook_deliveries_due()
    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)
    return len(delivery_ids)
