"""Feedback on closed deals, cases drafted from completed ones, and follow-up surveys.

Amounts are in 10,000 yuan (万元). A case never holds the exact contract amount, only its band.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from deals.models import ContractType
from outcomes.reasons import RefusalReason

TEXT_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 1000


class SuccessFactor(models.TextChoices):
    """What made a completed deal work: counted beside the shared reasons for saying no."""

    CLEAR_NEED = "clear_need", _("a clear need")
    MATURE_TECHNOLOGY = "mature_technology", _("mature technology")
    TRUSTED_PARTNER = "trusted_partner", _("a trusted partner")
    CAST_SUPPORT = "cast_support", _("support from the CAST office")
    FAIR_PRICE = "fair_price", _("a fair price")
    GOOD_IP_TERMS = "good_ip_terms", _("good IP terms")
    QUICK_RESPONSE = "quick_response", _("quick responses on both sides")
    OTHER = "other", _("other")


class AmountBand(models.TextChoices):
    """Bands of the technical-transaction amount (技术交易额), in 10,000 yuan."""

    UNDER_10 = "lt10", _("under 100,000 yuan")
    FROM_10 = "10_50", _("100,000 – 500,000 yuan")
    FROM_50 = "50_100", _("500,000 – 1 million yuan")
    FROM_100 = "100_500", _("1 – 5 million yuan")
    FROM_500 = "500_1000", _("5 – 10 million yuan")
    FROM_1000 = "ge1000", _("10 million yuan or more")


# Lower bounds (inclusive) of each band, in 10,000 yuan, highest first.
AMOUNT_BAND_FLOORS = [
    (Decimal("1000"), AmountBand.FROM_1000),
    (Decimal("500"), AmountBand.FROM_500),
    (Decimal("100"), AmountBand.FROM_100),
    (Decimal("50"), AmountBand.FROM_50),
    (Decimal("10"), AmountBand.FROM_10),
    (Decimal("0"), AmountBand.UNDER_10),
]


def amount_band_for(amount: Decimal | None) -> str:
    """The band of an amount in 10,000 yuan; "" when there is no amount."""
    if amount is None:
        return ""
    return next(band for floor, band in AMOUNT_BAND_FLOORS if amount >= floor)


class Feedback(models.Model):
    """One party's feedback on a closed deal: asked for when the deal closes, answered once."""

    class Kind(models.TextChoices):
        REASON = "reason", _("reason")
        SUCCESS = "success", _("success factor")

    deal = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    # The stage the deal closed in: completed, lost or terminated.
    outcome = models.CharField(_("outcome"), max_length=16)
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, db_index=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(
        _("how it went"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    success_note = models.TextField(_("what made it work"), blank=True, max_length=TEXT_MAX_LENGTH)
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    consent_to_publish = models.BooleanField(_("agree to publish a case"), default=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("deal feedback")
        verbose_name_plural = _("deal feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "organization"], name="one_feedback_per_party_per_deal"
            )
        ]

    def __str__(self):
        return f"{self.deal_id}: {self.organization_id}"

    def get_absolute_url(self):
        return reverse("cases:feedback", kwargs={"pk": self.pk})

    @property
    def is_answered(self):
        return self.answered_at is not None

    def codes(self, kind):
        return [item.code for item in self.items.all() if item.kind == kind]


class FeedbackItem(models.Model):
    """One chosen reason or success factor of a feedback: a row, so they can be counted."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=8, choices=Feedback.Kind.choices)
    code = models.CharField(max_length=32)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "code"])]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "kind", "code"], name="feedback_item_once")
        ]

    def __str__(self):
        return f"{self.kind}:{self.code}"

    @property
    def label(self):
        choices = RefusalReason if self.kind == Feedback.Kind.REASON else SuccessFactor
        try:
            return choices(self.code).label
        except ValueError:
            return self.code


class Case(models.Model):
    """A completed deal told as a case: drafted on completion, edited by the parties, published
    with both administrators' consent and the CAST staff's approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("awaiting review by the CAST staff")
        RETURNED = "returned", _("returned for changes")
        PUBLISHED = "published", _("published")

    deal = models.OneToOneField("deals.Deal", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("case title"), max_length=200)
    need_summary = models.TextField(_("the need"), max_length=TEXT_MAX_LENGTH)
    solution_summary = models.TextField(_("the solution"), max_length=TEXT_MAX_LENGTH)
    demand_party = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    supply_party = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    # Each party may be shown as a description instead of its name (e.g. 某制造企业).
    demand_anonymous = models.BooleanField(_("show the demand side anonymously"), default=False)
    demand_alias = models.CharField(_("demand side shown as"), max_length=64, blank=True)
    supply_anonymous = models.BooleanField(_("show the supply side anonymously"), default=False)
    supply_alias = models.CharField(_("supply side shown as"), max_length=64, blank=True)
    field = models.ForeignKey(
        "taxonomy.Field", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey("taxonomy.Region", on_delete=models.PROTECT, related_name="+")
    contract_type = models.CharField(
        _("contract type"), max_length=32, choices=ContractType.choices, blank=True
    )
    amount_band = models.CharField(
        _("technical-transaction amount"), max_length=16, choices=AmountBand.choices, blank=True
    )
    days_to_sign = models.PositiveIntegerField(_("days from opening to signing"), null=True)
    days_to_register = models.PositiveIntegerField(
        _("days from signing to registration"), null=True
    )
    days_to_complete = models.PositiveIntegerField(_("days from signing to completion"), null=True)
    days_total = models.PositiveIntegerField(_("days from opening to completion"), null=True)
    success_factors = models.JSONField(_("what made it work"), default=list, blank=True)
    what_made_it_work = models.TextField(
        _("what made it work, in words"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    review_note = models.TextField(_("reviewer's note"), blank=True, max_length=COMMENT_MAX_LENGTH)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "-published_at"], name="case_status_published"),
            models.Index(fields=["status", "field"], name="case_status_field"),
            models.Index(fields=["status", "region"], name="case_status_region"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cases:detail", kwargs={"pk": self.pk})

    @property
    def party_ids(self):
        return (self.demand_party_id, self.supply_party_id)

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def other_party_id(self, organization_id):
        return (
            self.supply_party_id
            if organization_id == self.demand_party_id
            else self.demand_party_id
        )

    def side_of(self, organization_id):
        return "demand" if organization_id == self.demand_party_id else "supply"

    def shown_name(self, side):
        """The party's name, or its description when it chose to be shown anonymously."""
        organization = getattr(self, f"{side}_party")
        if getattr(self, f"{side}_anonymous"):
            return getattr(self, f"{side}_alias") or anonymous_label(organization)
        return organization.name

    @property
    def demand_shown(self):
        return self.shown_name("demand")

    @property
    def supply_shown(self):
        return self.shown_name("supply")

    @property
    def success_factor_labels(self):
        labels = dict(SuccessFactor.choices)
        return [labels[code] for code in self.success_factors if code in labels]


ANONYMOUS_LABELS = {
    "enterprise": _("an enterprise"),
    "institution": _("a university or research institute"),
    "society": _("a science and technology society"),
    "service_team": _("an expert service team"),
    "agency": _("a service agency"),
    "investor": _("an investor"),
}


def anonymous_label(organization) -> str:
    return str(ANONYMOUS_LABELS.get(organization.kind, _("an organization")))


class CaseConsent(models.Model):
    """A party's administrator agreed to publish the case as it stands (cleared when it changes)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organization"], name="one_case_consent_per_party"
            )
        ]

    def __str__(self):
        return f"{self.case_id}: {self.organization_id}"


class CaseHistory(models.Model):
    """Who did what to a case and when: drafts, edits, consents given and withdrawn, reviews."""

    class Action(models.TextChoices):
        DRAFTED = "drafted", _("drafted")
        EDITED = "edited", _("edited")
        CONSENTED = "consented", _("consent given")
        WITHDRAWN = "withdrawn", _("consent withdrawn")
        SUBMITTED = "submitted", _("sent for review")
        APPROVED = "approved", _("approved and published")
        RETURNED = "returned", _("returned for changes")
        UNPUBLISHED = "unpublished", _("unpublished")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(max_length=16, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.case_id}: {self.action}"


class Survey(models.Model):
    """A follow-up at 90 and 365 days after completion: is the result still in use?"""

    class Kind(models.TextChoices):
        DAYS_90 = "d90", _("90 days after completion")
        DAYS_365 = "d365", _("one year after completion")

    class InUse(models.TextChoices):
        YES = "yes", _("yes")
        PARTLY = "partly", _("partly")
        NO = "no", _("no")

    deal = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("survey"), max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    in_use = models.CharField(
        _("is the result still in use"), max_length=8, choices=InUse.choices, blank=True
    )
    benefits = models.TextField(_("what it brought"), blank=True, max_length=TEXT_MAX_LENGTH)
    output_value = models.DecimalField(
        _("new output value (10,000 yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    cost_saved = models.DecimalField(
        _("cost saved (10,000 yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("follow-up survey")
        verbose_name_plural = _("follow-up surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "organization", "kind"], name="one_survey_per_party_and_kind"
            )
        ]

    def __str__(self):
        return f"{self.deal_id}: {self.kind} {self.organization_id}"

    def get_absolute_url(self):
        return reverse("cases:survey", kwargs={"pk": self.pk})

    @property
    def is_answered(self):
        return self.answered_at is not None
