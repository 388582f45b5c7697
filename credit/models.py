from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CreditStanding(models.Model):
    """The last computed standing of an organization: a cache of credit.services.credit_compute,
    kept current by the outcome log's receiver and rebuilt by `manage.py rebuild_credit`.
    Ranking and cards read it; the explanation page computes afresh."""

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="credit_standing",
    )
    # None: not enough history.
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True)
    level = models.CharField(_("credit level"), max_length=1, blank=True)
    event_count = models.PositiveIntegerField(_("events counted"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("credit standing")
        verbose_name_plural = _("credit standings")
        indexes = [models.Index(fields=["score"])]

    def __str__(self):
        return f"{self.organization_id}: {self.level or '-'} {self.score}"


class CreditAppeal(models.Model):
    """A party's appeal against one event's effect on its standing, decided by the CAST staff
    of its region: upheld, the event no longer counts for it (a credit.appeal_upheld event)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        UPHELD = "upheld", _("upheld")
        DISMISSED = "dismissed", _("dismissed")

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="credit_appeals",
    )
    event = models.ForeignKey(
        "outcomes.OutcomeEvent",
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    statement = models.TextField(_("statement"))
    status = models.CharField(
        _("appeal status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("appealed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credit appeal")
        verbose_name_plural = _("credit appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "event"],
                condition=Q(status="open"),
                name="credit_one_open_appeal_per_event",
            )
        ]

    def __str__(self):
        return f"appeal {self.pk} ({self.organization_id}, event {self.event_id})"
