"""How many sign-up e-mails may be asked for: per address typed and per client, per hour.

Every request that would send one counts (a sign-up, a resend), whether or not an account or a
sign-up uses the address: a refusal depends only on what the visitor did, so it tells nothing
about the address, and nobody can fill another person's inbox from the sign-up pages.
The counts live in the default cache (Redis when configured, shared by every worker).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from core.client_ip import client_ip

WINDOW_SECONDS = 3600


def _count(key):
    """One more request under `key`; the count lapses an hour after its first request."""
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # lapsed between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        return 1


def sign_up_email_allowed(*, request, email):
    """Counts this request against the address and the client; False once either is over."""
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    per_address = _count(f"accounts:sign-up-email:address:{address}")
    per_client = _count(f"accounts:sign-up-email:client:{client_ip(request)}")
    return (
        per_address <= settings.SIGN_UP_EMAILS_PER_ADDRESS_PER_HOUR
        and per_client <= settings.SIGN_UP_EMAILS_PER_CLIENT_PER_HOUR
    )
