from celery import shared_task

from notifications.services import notification_send_email


@shared_task(acks_late=True, ignore_result=True)
def send_notification_email(notification_id):
    """Relayed from the outbox, maybe twice: the service claims the e-mail before sending it,
    so a second run sends nothing."""
    notification_send_email(notification_id=notification_id)
