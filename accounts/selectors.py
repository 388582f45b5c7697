from django.contrib.auth.hashers import check_password

from accounts.models import SignUp


def sign_up_awaiting_login(*, username, password):
    """The sign-up waiting for confirmation that these log-in details belong to, or None.

    Only with the right password: a wrong one learns nothing from the answer.
    """
    # The newest few: each is a password hash to check, and sign-ups cost nothing to make.
    newest = SignUp.objects.filter(username__iexact=username).order_by("-link_sent_at")[:3]
    for sign_up in newest:
        if check_password(password, sign_up.password):
            return sign_up
    return None
