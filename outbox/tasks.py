from celery import shared_task

from outbox.services import outbox_prune, outbox_relay


@shared_task(acks_late=True, ignore_result=True)
def relay_outbox():
    """Every minute (beat): send what the broker did not take when its transaction committed,
    then delete what was relayed long ago. Safe to run twice, or two at once: each message is
    claimed before it is sent."""
    relayed = outbox_relay()
    outbox_prune()
    return relayed
