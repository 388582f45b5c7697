"""The e-mail that carries a notification: a letter that stands on its own, in text and HTML."""

import unicodedata

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Notification

Topic = Notification.Topic

# Why the recipient gets this kind of message; every topic has its sentence.
REASONS = {
    Topic.LISTING_REVIEWED: gettext_lazy(
        "You receive this e-mail because you are a member of the organization that published "
        "this listing."
    ),
    Topic.LISTING_EXPIRING: gettext_lazy(
        "You receive this e-mail because you are a member of the organization that published "
        "this listing."
    ),
    Topic.ORGANIZATION_REVIEWED: gettext_lazy(
        "You receive this e-mail because you belong to this organization or verify "
        "organizations for your CAST office."
    ),
    Topic.ACCESS_REQUESTED: gettext_lazy(
        "You receive this e-mail because you are a member of the organization that published "
        "this listing."
    ),
    Topic.ACCESS_DECIDED: gettext_lazy(
        "You receive this e-mail because you asked for the details of this listing."
    ),
    Topic.MEMBERSHIP: gettext_lazy(
        "You receive this e-mail because you administer this organization or asked to join it."
    ),
    Topic.MATCH: gettext_lazy(
        "You receive this e-mail because you are a member of an organization in this match."
    ),
    Topic.SUBSCRIPTION: gettext_lazy(
        "You receive this e-mail because you subscribed to new listings on TechBridge."
    ),
    Topic.WEBHOOK: gettext_lazy(
        "You receive this e-mail because you administer the organization that owns this webhook."
    ),
    Topic.CONTACT: gettext_lazy(
        "You receive this e-mail because you are a member of an organization that asked for "
        "contact or was asked for it."
    ),
    Topic.MESSAGE: gettext_lazy(
        "You receive this e-mail because you are a member of an organization in this conversation."
    ),
}


def header_safe(text):
    """One line for an e-mail header: control characters and line breaks become spaces."""
    cleaned = "".join(
        " " if unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"} else character
        for character in text
    )
    return " ".join(cleaned.split())


def notification_email(*, notification):
    """The e-mail for one notification, in the platform's language (recipients choose none)."""
    site = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "name": notification.user.display_name or notification.user.get_username(),
            "title": notification.title,
            "body": notification.body,
            "link": f"{site}{notification.url}" if notification.url else "",
            "reason": REASONS[notification.topic],
            "is_subscription": notification.topic == Topic.SUBSCRIPTION,
            "centre_link": f"{site}{reverse('notifications:list')}",
            "subscriptions_link": f"{site}{reverse('subscriptions:list')}",
        }
        message = EmailMultiAlternatives(
            subject=header_safe(f"[{_('TechBridge')}] {notification.title}"),
            body=render_to_string("notifications/email/notification.txt", context),
            to=[notification.user.email],
        )
        message.attach_alternative(
            render_to_string("notifications/email/notification.html", context), "text/html"
        )
    return message
