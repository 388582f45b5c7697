from celery import shared_task

from repositories.services import listings_remind_expiring


@shared_task(acks_late=True, ignore_result=True)
def remind_expiring_listings():
    """Daily (Celery beat): ask owners to re-confirm listings whose validity is ending."""
    return listings_remind_expiring()
