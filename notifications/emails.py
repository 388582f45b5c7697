"""The e-mail that carries a notification: a letter that stands on its own, in text and HTML."""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.emails import site_letter
from core.web import site_url
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
    Topic.DEAL: gettext_lazy(
        "You receive this e-mail because you are a member of an organization that is a party "
        "to this deal."
    ),
    Topic.SERVICE: gettext_lazy(
        "You receive this e-mail because you are a member of the organization that offers "
        "this service."
    ),
    Topic.ORDER: gettext_lazy(
        "You receive this e-mail because you are a member of an organization that ordered, "
        "provides or was asked to quote for this service."
    ),
    Topic.CREDIT: gettext_lazy(
        "You receive this e-mail because you are a member of an organization that appealed its "
        "credit, or decide credit appeals for your CAST office."
    ),
    Topic.EVALUATION: gettext_lazy(
        "You receive this e-mail because you are a member of an organization that ordered or "
        "carries out this evaluation, or sit on its expert panel."
    ),
    Topic.DEMAND_ANALYSIS: gettext_lazy(
        "You receive this e-mail because you are a member of an organization whose need is "
        "analysed, or that analyses it, or you review needs for your CAST office."
    ),
    Topic.VOUCHER: gettext_lazy(
        "You receive this e-mail because you are a member of an organization that holds, "
        "issued or was paid with this innovation voucher."
    ),
    Topic.CHALLENGE: gettext_lazy(
        "You receive this e-mail because you are a member of an organization that set, vets or "
        "applied to this challenge."
    ),
    Topic.ROADSHOW: gettext_lazy(
        "You receive this e-mail because you are a member of an organization that hosts, pitches "
        "at or registered for this roadshow."
    ),
    Topic.MISSION: gettext_lazy(
        "You receive this e-mail because you are a member of a service team, a host enterprise "
        "or a CAST office concerned by this service mission or pilot city."
    ),
    Topic.MANDATE: gettext_lazy(
        "You receive this e-mail because you are a technology manager or administer an "
        "organization that gives mandates, or verify managers' certificates for your CAST "
        "office."
    ),
}


def notification_email(*, notification):
    """The e-mail for one notification, in the recipient's language (the notification's)."""
    with translation.override(notification.user.message_language):
        context = {
            "name": notification.user.display_name or notification.user.get_username(),
            "title": notification.title,
            "body": notification.body,
            "link": site_url(notification.url) if notification.url else "",
            "reason": REASONS[notification.topic],
            "is_subscription": notification.topic == Topic.SUBSCRIPTION,
            "centre_link": site_url(reverse("notifications:list")),
            "subscriptions_link": site_url(reverse("subscriptions:list")),
        }
        return site_letter(
            subject=notification.title,
            template="notifications/email/notification",
            context=context,
            to=notification.user.email,
        )
