"""Subscriptions: a person follows fields, regions, kinds of listing and keywords.

A new live listing that meets a subscription's criteria is recorded once as a hit; instant
subscriptions push it at once, daily and weekly ones collect it for the next digest.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import PlainLineValidator
from repositories.models import ListingKind


class Frequency(models.TextChoices):
    INSTANT = "instant", _("instantly")
    DAILY = "daily", _("daily digest")
    WEEKLY = "weekly", _("weekly digest")


class Subscription(models.Model):
    """What one person wants to hear about. An empty criterion means "any"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    name = models.CharField(_("name"), max_length=64, validators=[PlainLineValidator(_("name"))])
    # ListingKind values; empty: every kind.
    kinds = models.JSONField(_("kinds of listing"), default=list, blank=True)
    # A domain or an industry covers the fields under it.
    fields = models.ManyToManyField(
        "taxonomy.Field", verbose_name=_("technical fields"), blank=True, related_name="+"
    )
    # A province covers its cities.
    regions = models.ManyToManyField(
        "taxonomy.Region", verbose_name=_("regions"), blank=True, related_name="+"
    )
    # Phrases separated by commas or semicolons, as the person wrote them (normalised).
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    # The jieba tokens of each phrase: a listing matches when it has every token of any phrase.
    keyword_tokens = models.JSONField(default=list, blank=True, editable=False)
    frequency = models.CharField(
        _("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.INSTANT
    )
    is_active = models.BooleanField(_("receiving pushes"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["is_active", "frequency"])]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self):
        return self.name

    def get_kinds_display(self):
        """The labels of the chosen kinds (empty: every kind)."""
        return [ListingKind(kind).label for kind in self.kinds if kind in ListingKind.values]


class SubscriptionHit(models.Model):
    """A listing that met a subscription: recorded once, so it is pushed at most once."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="hits")
    listing = models.ForeignKey(
        "repositories.Listing", on_delete=models.CASCADE, related_name="subscription_hits"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the instant push went out (claimed before sending).
    notified_at = models.DateTimeField(null=True, blank=True)
    # When a digest took it (claimed before sending).
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "listing"], name="unique_subscription_hit"
            )
        ]
        indexes = [models.Index(fields=["digested_at", "subscription"])]

    def __str__(self):
        return f"{self.subscription_id} → {self.listing_id}"
