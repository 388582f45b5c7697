from celery import shared_task

from deals.services import deals_keep_alive


@shared_task(acks_late=True, ignore_result=True)
def keep_deals_alive():
    """Daily (beat): nudge the parties of deals gone quiet before signing, then mark dormant
    those still quiet. Safe to run twice: each deal is nudged once per quiet spell and falls
    dormant once."""
    return deals_keep_alive()
