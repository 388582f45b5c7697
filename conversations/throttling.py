"""Rate limits against spam: contact requests per organization per day, messages per person
per minute. Counts live in the default cache (Redis when configured, shared by every worker).
"""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DAY = 24 * 3600
MINUTE = 60


class RateLimited(ValidationError):
    """Too many requests or messages: a field error on the web, 429 in the API."""


def _count(key: str, window: int) -> int:
    """One more under `key`; the count lapses `window` seconds after its first."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # lapsed between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def contact_request_throttle(*, organization_id: int, field: str = "message") -> None:
    limit = settings.CONTACT_REQUESTS_PER_ORGANIZATION_PER_DAY
    if _count(f"conversations:requests:{organization_id}", DAY) > limit:
        raise RateLimited(
            {
                field: _(
                    "Your organization has sent %(limit)d contact requests today, the most "
                    "allowed per day; try again tomorrow."
                )
                % {"limit": limit}
            }
        )


def message_throttle(*, user_id: int, field: str = "body") -> None:
    limit = settings.CONVERSATION_MESSAGES_PER_USER_PER_MINUTE
    if _count(f"conversations:messages:{user_id}", MINUTE) > limit:
        raise RateLimited(
            {
                field: _(
                    "You have sent %(limit)d messages in the last minute, the most allowed; "
                    "wait a minute and send again."
                )
                % {"limit": limit}
            }
        )
