"""The e-mails of signing up: the confirmation link, and the warning to an address's owner.

Letters of the platform (core.emails): text and HTML, in the platform's language, with
absolute links from SITE_URL.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.emails import site_letter
from core.web import site_url


def sign_up_confirmation_email(*, sign_up, token):
    """The link that makes the account; to the address typed at sign-up."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "name": sign_up.display_name or sign_up.username,
            "username": sign_up.username,
            "link": site_url(reverse("accounts:sign_up_confirm", kwargs={"token": token})),
            "days": settings.SIGN_UP_CONFIRMATION_DAYS,
        }
        return site_letter(
            subject=_("Confirm your e-mail address"),
            template="accounts/email/sign_up_confirmation",
            context=context,
            to=sign_up.email,
        )


def sign_up_attempt_email(*, user):
    """To the owner of an address someone tried to sign up with: nothing was made or changed,
    and here is how to get in if it was them."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "name": user.display_name or user.get_username(),
            "username": user.get_username(),
            "login_link": site_url(reverse("accounts:login")),
            "reset_link": site_url(reverse("accounts:password_reset")),
        }
        return site_letter(
            subject=_("Someone tried to sign up with your e-mail address"),
            template="accounts/email/sign_up_attempt",
            context=context,
            to=user.email,
        )
