from celery import shared_task

from roadshows.services import keep_roadshows_on_time as _keep


@shared_task(acks_late=True, ignore_result=True)
def keep_roadshows_on_time():
    """Every 10 minutes (beat): mark ended roadshows held, remind meetings the day and the hour
    before, prompt follow-ups 7/30/90 days after a meeting. Safe to run twice."""
    return _keep()
