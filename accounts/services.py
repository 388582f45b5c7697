from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.emails import sign_up_attempt_email, sign_up_confirmation_email
from accounts.legal import TERMS_VERSION
from accounts.models import SignUp, User
from accounts.tokens import LinkError, sign_up_token_make, sign_up_token_read

# A sign-up is forgotten this long after its newest link went out (PIPL: keep no more than
# needed). Longer than a link lives, so that an expired link can still be renewed for a while.
SIGN_UP_KEPT = timedelta(days=30)


def user_sign_up(*, username, email, password, display_name="", phone=""):
    """Sign up with an address, answering the same whether or not an account uses it.

    A new address gets a confirmation link: the account (which has agreed to the terms in force
    now; PIPL: record the consent) is made when the link is opened. An address that has an
    account gets no link and nothing is made or changed; its owner is told someone tried, and
    how to log in. Returns nothing: the caller must not be able to tell the two apart.
    """
    SignUp.objects.filter(link_sent_at__lt=timezone.now() - SIGN_UP_KEPT).delete()
    # Hashed either way: an address with an account must not answer sooner than a new one.
    password_hash = make_password(password)
    owner = User.objects.filter(email__iexact=email).order_by("-is_active", "pk").first()
    if owner is None:
        sign_up = SignUp.objects.create(
            username=username,
            email=email,
            display_name=display_name,
            phone=phone,
            password=password_hash,
            terms_version=TERMS_VERSION,
            terms_accepted_at=timezone.now(),
            link_sent_at=timezone.now(),
        )
        _link_send(sign_up=sign_up)
    elif owner.is_active:
        sign_up_attempt_email(user=owner).send()
    # An account that staff deactivated is told nothing: it can neither log in nor reset.


def sign_up_link_resend(*, email):
    """A new link for the newest sign-up waiting on this address; nothing when there is none
    (the address has an account, or nobody signed up with it): the caller answers the same."""
    sign_up = SignUp.objects.filter(email__iexact=email).order_by("-link_sent_at", "-pk").first()
    if sign_up is None or User.objects.filter(email__iexact=email).exists():
        return
    sign_up.link_sent_at = timezone.now()
    sign_up.save(update_fields=["link_sent_at"])
    _link_send(sign_up=sign_up)


def _link_send(*, sign_up):
    sign_up_confirmation_email(sign_up=sign_up, token=sign_up_token_make(sign_up=sign_up)).send()


def sign_up_confirm(*, token):
    """Make the account of the sign-up this link confirms, active, and return it; or LinkError.

    One use: the address then has its account, so this sign-up and every other one waiting on
    the address are deleted. Those sign-ups are locked first, so that two links opened at once
    make one account.
    """
    with transaction.atomic():
        sign_up = sign_up_token_read(token=token, sign_ups=SignUp.objects.select_for_update())
        waiting = SignUp.objects.select_for_update().filter(email__iexact=sign_up.email)
        list(waiting)  # takes the locks
        user, error = _account_make(sign_up=sign_up)
        if error is None or error == LinkError.USED:
            waiting.delete()
        else:
            sign_up.delete()
    if error is not None:
        raise LinkError(error)
    return user


def _account_make(*, sign_up):
    """(the new active account, None), or (None, the LinkError reason) when it cannot be made."""
    if User.objects.filter(email__iexact=sign_up.email).exists():
        return None, LinkError.USED  # made meanwhile in the back office, say
    if User.objects.filter(username__iexact=sign_up.username).exists():
        return None, LinkError.USERNAME_TAKEN
    user = User(
        username=sign_up.username,
        email=sign_up.email,
        display_name=sign_up.display_name,
        phone=sign_up.phone,
        terms_version=sign_up.terms_version,
        terms_accepted_at=sign_up.terms_accepted_at,
        password=sign_up.password,
    )
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username, made a moment ago
        return None, LinkError.USERNAME_TAKEN
    return user, None


def user_language_remember(*, user, language):
    """Keep the language the person chose with the language button: their notifications and
    e-mails are written in it from now on. A language the platform does not speak is ignored."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
