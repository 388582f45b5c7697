"""The link that confirms a sign-up's address: signed, expiring, and good for one use.

The token names the waiting sign-up and carries a fingerprint of it, signed with SECRET_KEY and
timestamped (django.core.signing): a changed character breaks the signature, a link older than
SIGN_UP_CONFIRMATION_DAYS fails max_age, and once the account is made the sign-up (and every
other one for that address) is gone, so no link for it works again.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "accounts.sign-up-confirmation"


class LinkError(Exception):
    """Why a confirmation link made no account; `reason` is one of the constants below."""

    EXPIRED = "expired"
    INVALID = "invalid"  # not a link we made: cut short, mistyped or tampered with
    USED = "used"  # ours, but its sign-up is done: this link or another one was opened
    USERNAME_TAKEN = "username_taken"  # someone else's account took the username meanwhile

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _fingerprint(sign_up):
    # The password hash has a random salt of its own: the fingerprint is one sign-up's alone.
    return salted_hmac(SALT, f"{sign_up.pk}:{sign_up.password}").hexdigest()[:20]


def sign_up_token_make(*, sign_up):
    return signing.dumps({"sign_up": sign_up.pk, "check": _fingerprint(sign_up)}, salt=SALT)


def sign_up_token_read(*, token, sign_ups):
    """The sign-up in `sign_ups` (a queryset) that the token confirms, or LinkError."""
    try:
        payload = signing.loads(
            token, salt=SALT, max_age=timedelta(days=settings.SIGN_UP_CONFIRMATION_DAYS)
        )
    except signing.SignatureExpired:
        raise LinkError(LinkError.EXPIRED) from None
    except signing.BadSignature:
        raise LinkError(LinkError.INVALID) from None
    sign_up = sign_ups.filter(pk=payload["sign_up"]).first()
    if sign_up is None or not constant_time_compare(_fingerprint(sign_up), payload["check"]):
        raise LinkError(LinkError.USED)
    return sign_up
