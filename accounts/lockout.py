"""Login lockout (django-axes): a tight limit per (username, address), a wider one per address."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class LoginLockoutHandler(AxesDatabaseHandler):
    """Counts failures against AXES_FAILURE_LIMIT for the (username, address) pair, and locks
    the whole address once it reaches LOGIN_FAILURE_LIMIT_PER_ADDRESS: one office behind one
    address should not be locked out by a single person's typos, a guesser rotating usernames is.

    AXES_LOCKOUT_PARAMETERS is [["username", "ip_address"], "ip_address"], in that order.
    """

    def get_failures(self, request, credentials=None):
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair
