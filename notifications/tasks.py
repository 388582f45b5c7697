from celery import shared_task

from notifications.services import notification_send_email


@shared_task(acks_late=True, ignore_result=True)
def send_notification_email(notification_id):
    """Sent once: the service marks the e-mail sent before returning."""
    notification_send_email(notification_id=notification_id)
