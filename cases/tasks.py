from celery import shared_task

from cases.services import surveys_send_due


@shared_task(acks_late=True, ignore_result=True)
def send_follow_up_surveys():
    """Daily (Celery beat, or the embedded periodic runner): the surveys due 90 and 365 days
    after completion. Safe to run twice: one survey per deal, party and kind."""
    return surveys_send_due()
