from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to send once the transaction that wrote it has committed.

    Pending while relayed_at is empty; a relay may take it once available_at has passed (a
    relay that holds it pushes available_at a lease ahead, a failed relay a back-off ahead).
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    available_at = models.DateTimeField(_("next relay after"), default=timezone.now)
    relayed_at = models.DateTimeField(_("relayed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed relays"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Set by the relay that holds the message, so it can tell which of a batch it won.
    claim = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                condition=Q(relayed_at__isnull=True),
                name="outbox_pending",
            ),
            models.Index(
                fields=["relayed_at"],
                condition=Q(relayed_at__isnull=False),
                name="outbox_relayed",
            ),
        ]

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"
