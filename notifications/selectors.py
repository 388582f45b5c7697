from notifications.models import Notification


def notification_list(*, user):
    return Notification.objects.filter(user=user)


def notification_unread_count(*, user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
