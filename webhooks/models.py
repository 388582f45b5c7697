import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import PlainLineValidator


class WebhookEvent(models.TextChoices):
    """The events an endpoint can subscribe to; the value is the X-TechBridge-Event header."""

    MATCH_PUSHED = "match.pushed", _("a match is pushed to the organization")
    MATCH_ANSWERED = "match.answered", _("the other party answers a match")
    LISTING_PUBLISHED = "listing.published", _("a listing of the organization is published")
    MESSAGE_CREATED = "message.created", _("the other party writes in a conversation")
    DEAL_OPENED = "deal.opened", _("a deal is opened with the organization")
    DEAL_STAGE_CHANGED = "deal.stage_changed", _("a deal of the organization changes stage")
    DEAL_CONFIRMED = "deal.confirmed", _("the other party confirms a step that awaits yours")
    DEAL_REGISTRATION_CHECKED = (
        "deal.registration_checked",
        _("the CAST staff verify or reject a contract's registration"),
    )
    DEAL_MILESTONE_UPDATED = (
        "deal.milestone_updated",
        _("a milestone is delivered, accepted or sent back"),
    )
    ORDER_PLACED = "order.placed", _("a buyer orders one of the organization's services")
    ORDER_UPDATED = (
        "order.updated",
        _("a service order moves, is proposed for cancelling or is late"),
    )
    QUOTE_REQUESTED = (
        "quote.requested",
        _("a buyer asks the organization (or every provider of the category) for a quote"),
    )
    QUOTE_SUBMITTED = "quote.submitted", _("a provider quotes for a request of the organization")
    QUOTE_ACCEPTED = "quote.accepted", _("the buyer accepts the organization's quote")
    DISPUTE_OPENED = "dispute.opened", _("a dispute is opened on a service order")
    DISPUTE_ANSWERED = "dispute.answered", _("a service order's dispute is answered")
    DISPUTE_DECIDED = (
        "dispute.decided",
        _("a service order's dispute is decided by the CAST staff, or withdrawn"),
    )
    ORDER_MILESTONE_UPDATED = (
        "order.milestone_updated",
        _("an order's milestone is delivered, accepted or sent back"),
    )
    VOUCHER_REDEMPTION_DECIDED = (
        "voucher.redemption_decided",
        _("the CAST office verifies or rejects an innovation voucher paid to the organization"),
    )
    EVALUATION_UPDATED = (
        "evaluation.updated",
        _("an evaluation of the organization's is set up, scored, issued or appealed"),
    )
    DEMAND_ANALYSIS_UPDATED = (
        "demand_analysis.updated",
        _("a demand analysis of the organization's is submitted or accepted"),
    )
    CHALLENGE_UPDATED = (
        "challenge.updated",
        _("a challenge of the organization's is vetted, published, amended or closed"),
    )
    APPLICATION_UPDATED = (
        "application.updated",
        _("an application to a challenge of the organization's is filed or withdrawn"),
    )
    ROADSHOW_UPDATED = (
        "roadshow.updated",
        _("a roadshow the organization hosts or pitches at is published, held or cancelled"),
    )
    ROADSHOW_MEETING_UPDATED = (
        "roadshow.meeting_updated",
        _("a roadshow meeting with the organization is requested, accepted, declined or held"),
    )
    ROADSHOW_INTENT_UPDATED = (
        "roadshow.intent_updated",
        _("an intent for the organization's pitch is expressed, accepted or declined"),
    )
    MISSION_UPDATED = (
        "mission.updated",
        _("a service mission of or hosted by the organization is planned, reported or verified"),
    )
    PING = "ping", _("ping (a test delivery)")


class WebhookEndpoint(models.Model):
    """A URL of an organization that receives signed POSTs for the events it subscribed to."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(
        _("description"),
        max_length=100,
        blank=True,
        validators=[PlainLineValidator(_("description"))],
    )
    # Kept in clear: signing needs it. Shown once to the administrator who creates the endpoint.
    secret = models.CharField(max_length=64, editable=False)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("enabled"), default=True)
    failure_streak = models.PositiveIntegerField(
        _("consecutive failed deliveries"), default=0, editable=False
    )
    disabled_at = models.DateTimeField(_("disabled automatically at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url

    def event_labels(self):
        labels = dict(WebhookEvent.choices)
        return [labels.get(event, event) for event in self.events]


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    # Sent as X-TechBridge-Delivery and in the body: receivers dedupe on it.
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(default=1, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A worker holds the delivery while it sends; a crashed worker's claim expires.
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"
