from django.utils import timezone

from accounts.legal import TERMS_VERSION
from accounts.models import User


def user_sign_up(*, username, email, password, display_name="", phone=""):
    """Create an account that has agreed to the terms in force now (PIPL: record the consent)."""
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        phone=phone,
        terms_version=TERMS_VERSION,
        terms_accepted_at=timezone.now(),
    )
    user.set_password(password)
    user.save()
    return user
