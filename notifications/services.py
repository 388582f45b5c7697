"""Tell people what happened to their listings, organizations and requests: in-app and by e-mail."""

import logging
from collections.abc import Callable, Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation

from core.emails import header_safe
from notifications.emails import notification_email
from notifications.models import Notification
from outbox.services import outbox_enqueue_many

logger = logging.getLogger(__name__)


# What a notification says, written in each recipient's language (User.language) whoever's
# request sent it: a function that writes it in the active language, or a lazy translation;
# else a string the same for everyone (what a person wrote).
Words = Callable[[], str] | str


def _written(words: Words, language: str) -> str:
    with translation.override(language):
        return str(words() if callable(words) else words)


def notify(
    *, users: Iterable[AbstractBaseUser], topic: str, title: Words, body: Words = "", url: str = ""
) -> list[Notification]:
    """A notification for each user, in the user's language; the e-mails go out once the
    transaction commits.

    The e-mails are written to the outbox with the notifications, in one transaction (the
    caller's, or one of its own): a broker outage delays them, never loses them. The title is
    kept as one clean line (it is also the e-mail's subject), and the body without NUL
    characters, which PostgreSQL cannot store.
    """
    from notifications.tasks import send_notification_email

    recipients = list({user.pk: user for user in users}.values())
    texts = {
        language: (
            header_safe(_written(title, language))[:200],
            _written(body, language).replace("\x00", ""),
        )
        for language in {user.message_language for user in recipients}
    }
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            Notification(
                user=user,
                topic=topic,
                title=texts[user.message_language][0],
                body=texts[user.message_language][1],
                url=url,
            )
            for user in recipients
        )
        outbox_enqueue_many(
            send_notification_email,
            args_list=[(notification.pk,) for notification in notifications],
        )
    return notifications


def notification_send_email(*, notification_id: int) -> None:
    """Claim the notification, then send: a second run finds it claimed and sends nothing
    (the outbox may relay its task twice).

    A send that fails (an address refused, the mail server down) is logged and its claim
    released, so that it is not counted as sent, and never raised: the e-mails enqueued after
    it on the same commit still go out.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if not notification.user.email:
        return
    try:
        notification_email(notification=notification).send()
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.exception("The e-mail of notification %s could not be sent", notification_id)


def notification_mark_read(
    *, user: AbstractBaseUser, notification_ids: Iterable[int] | None = None
) -> int:
    """Mark the user's notifications read (all of them, or the given ones)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
