"""The e-mails of signing up: the confirmation link, and the warning to an address's owner.

Built as notifications.emails builds its letters (which accounts may not import: same layer):
text and HTML, in the platform's language, with absolute links from SITE_URL.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


def _absolute(path):
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _letter(*, subject, template, context, to):
    # The subject is our own sentence, never typed by a visitor; whitespace is still folded
    # to one line, as a line break in a header is refused.
    message = EmailMultiAlternatives(
        subject=" ".join(f"[{_('TechBridge')}] {subject}".split()),
        body=render_to_string(f"accounts/email/{template}.txt", context),
        to=[to],
    )
    message.attach_alternative(
        render_to_string(f"accounts/email/{template}.html", context), "text/html"
    )
    return message


def sign_up_confirmation_email(*, sign_up, token):
    """The link that makes the account; to the address typed at sign-up."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "name": sign_up.display_name or sign_up.username,
            "username": sign_up.username,
            "link": _absolute(reverse("accounts:sign_up_confirm", kwargs={"token": token})),
            "days": settings.SIGN_UP_CONFIRMATION_DAYS,
        }
        return _letter(
            subject=_("Confirm your e-mail address"),
            template="sign_up_confirmation",
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
            "login_link": _absolute(reverse("accounts:login")),
            "reset_link": _absolute(reverse("accounts:password_reset")),
        }
        return _letter(
            subject=_("Someone tried to sign up with your e-mail address"),
            template="sign_up_attempt",
            context=context,
            to=user.email,
        )
