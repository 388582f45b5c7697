from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in a user's notification centre; also sent by e-mail when it is created."""

    class Topic(models.TextChoices):
        LISTING_REVIEWED = "listing_reviewed", _("listing reviewed")
        LISTING_EXPIRING = "listing_expiring", _("listing about to expire")
        ORGANIZATION_REVIEWED = "organization_reviewed", _("organization reviewed")
        ACCESS_REQUESTED = "access_requested", _("details requested")
        ACCESS_DECIDED = "access_decided", _("request for details decided")
        MEMBERSHIP = "membership", _("membership")
        MATCH = "match", _("match")
        SUBSCRIPTION = "subscription", _("subscription")
        WEBHOOK = "webhook", _("webhook")
        CONTACT = "contact", _("contact")
        MESSAGE = "message", _("message")
        DEAL = "deal", _("deal")
        SERVICE = "service", _("service offering")
        ORDER = "order", _("service order")
        CREDIT = "credit", _("credit")
        EVALUATION = "evaluation", _("achievement evaluation")
        DEMAND_ANALYSIS = "demand_analysis", _("demand analysis")
        VOUCHER = "voucher", _("innovation voucher")
        MANDATE = "mandate", _("technology manager's mandate")
        CHALLENGE = "challenge", _("challenge")
        ROADSHOW = "roadshow", _("roadshow")
        MISSION = "mission", _("expert service mission")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title
