"""Aggregates derived from the outcome log: one row per need and one per deal.

Nothing here is a source of truth. Every row can be recomputed from outcomes.OutcomeEvent
(`manage.py rebuild_statistics`); between rebuilds a receiver of the log keeps them current
in the transaction of each event. They hold ids, not foreign keys with constraints, like the
log itself: a deleted listing or organization leaves its figures standing.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization


def _reference(to, verbose_name):
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )


class NeedJourney(models.Model):
    """How far one published need went, and when it first got to each step.

    The steps come from the events about the need (its publication, its matches, the
    conversations about it) and from its deals (a roll-up of its DealJourney rows, so a
    registration that staff later reject stops counting here too).
    """

    need_id = models.BigIntegerField(_("need"), primary_key=True)
    organization = _reference("organizations.Organization", _("organization"))
    organization_kind = models.CharField(
        _("organization type"), max_length=16, choices=Organization.Kind.choices, blank=True
    )
    region = _reference("taxonomy.Region", _("region"))
    field = _reference("taxonomy.Field", _("field"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # The first day of the month of publication, in the platform's time zone: the cohort.
    published_month = models.DateField(_("month published"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("first match proposed"), null=True, blank=True)
    approved_at = models.DateTimeField(_("first match approved"), null=True, blank=True)
    interested_at = models.DateTimeField(_("first interest shown"), null=True, blank=True)
    contact_at = models.DateTimeField(_("first contact made"), null=True, blank=True)
    deal_at = models.DateTimeField(_("first deal opened"), null=True, blank=True)
    signed_at = models.DateTimeField(_("first contract signed"), null=True, blank=True)
    registered_at = models.DateTimeField(_("first contract registered"), null=True, blank=True)
    completed_at = models.DateTimeField(_("first deal completed"), null=True, blank=True)
    lost_at = models.DateTimeField(_("last deal lost"), null=True, blank=True)
    lost_reason = models.CharField(_("reason of the last loss"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("need's journey")
        verbose_name_plural = _("needs' journeys")
        indexes = [
            models.Index(fields=["published_month"], name="analytics_need_month"),
            models.Index(fields=["region", "published_month"], name="analytics_need_region"),
        ]

    def __str__(self):
        return f"need {self.need_id}"


class DealJourney(models.Model):
    """One deal from its opening to its end: what it came from (need, match, the staff member
    who approved the match), where it is overseen, and when it was signed, registered (verified
    by the CAST staff), completed, lost or terminated."""

    deal_id = models.BigIntegerField(_("deal"), primary_key=True)
    need_id = models.BigIntegerField(_("need"), null=True, blank=True, db_index=True)
    match_id = models.BigIntegerField(_("match"), null=True, blank=True, db_index=True)
    conversation_id = models.BigIntegerField(_("conversation"), null=True, blank=True)
    approved_by = _reference(settings.AUTH_USER_MODEL, _("match approved by"))
    # The side with the need (the need's owner; for contact about an achievement, the party
    # that acted first).
    organization = _reference("organizations.Organization", _("organization"))
    organization_kind = models.CharField(
        _("organization type"), max_length=16, choices=Organization.Kind.choices, blank=True
    )
    region = _reference("taxonomy.Region", _("region"))
    field = _reference("taxonomy.Field", _("field"))
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    # What opened it: a conversation, a match, a challenge's award, a roadshow intent, or
    # "mission" for a need an expert service team collected (analytics.services.deal_origin).
    origin = models.CharField(_("origin"), max_length=16, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    opened_month = models.DateField(_("month opened"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registration verified"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    lost_at = models.DateTimeField(_("lost"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("terminated"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    amount = models.DecimalField(
        _("technical-transaction amount (10,000 yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    contract_type = models.CharField(_("contract type"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("deal's journey")
        verbose_name_plural = _("deals' journeys")
        indexes = [
            models.Index(fields=["region", "opened_month"], name="analytics_deal_region"),
            models.Index(fields=["approved_by"], name="analytics_deal_staff"),
        ]

    def __str__(self):
        return f"deal {self.deal_id}"
