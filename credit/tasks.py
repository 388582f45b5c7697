from celery import shared_task

from credit.services import credit_rebuild


@shared_task(acks_late=True, ignore_result=True)
def rebuild_credit():
    """Daily (beat): standings age (older events weigh less, the oldest leave the window) and
    single reviews become visible without any new event, so the stored standings — the badges
    and the catalogue's ranking — are recomputed from the log. Safe to run twice."""
    return credit_rebuild()
