"""Service categories and service offerings.

An offering moves draft → pending (review) → published or rejected; its provider may withdraw
it while pending or published and submit it again. TRANSITIONS below is the whole table;
catalogue.services.offering_transition is the one function that applies it.

Prices are in yuan (元), not 万元 as deals and needs' budgets are: services cost from a few
hundred yuan (a search report) to a few hundred thousand (a pilot run), and a buyer reads
them as shop prices.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.validators import LONG_TEXT_MAX_LENGTH, PlainLineValidator
from organizations.models import Organization

# Kinds of organization that may offer a service in any category; a category may admit more
# (ServiceCategory.extra_provider_kinds: an enterprise's test laboratory, an investor).
PROVIDER_KINDS = frozenset(
    {
        Organization.Kind.AGENCY,
        Organization.Kind.INSTITUTION,
        Organization.Kind.SOCIETY,
        Organization.Kind.SERVICE_TEAM,
    }
)

PRICE_MAX = Decimal("100000000")  # 1亿元: more is a typing mistake, not a service price
LEAD_TIME_MAX_DAYS = 730
DELIVERABLES_MAX_LENGTH = 2000


class ServiceCategory(models.Model):
    """A kind of service (技术评价, 价值评估, 中试熟化 …), seeded from catalogue/categories.py.

    `name` and `summary` are English msgids: `label` and `summary_label` translate them.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    summary = models.CharField(_("what the buyer gets"), max_length=255)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    extra_provider_kinds = models.JSONField(
        _("also offered by"),
        default=list,
        blank=True,
        help_text=_("Organization kinds that may offer this besides service providers."),
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self):
        return self.label

    @property
    def label(self):
        return gettext(self.name)

    @property
    def summary_label(self):
        return gettext(self.summary)

    def may_be_offered_by(self, organization: Organization) -> bool:
        return organization.kind in PROVIDER_KINDS or organization.kind in (
            self.extra_provider_kinds or []
        )


class OfferingStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING = "pending", _("awaiting review")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class OfferingAction(models.TextChoices):
    SUBMIT = "submit", _("submit for review")
    APPROVE = "approve", _("approve")
    REJECT = "reject", _("reject")
    WITHDRAW = "withdraw", _("withdraw")


class PriceKind(models.TextChoices):
    FIXED = "fixed", _("fixed price")
    FROM = "from", _("from")
    ON_QUOTE = "on_quote", _("on quote")


# (status, action) → (next status, who may: "provider" or "staff"). Editing a published
# offering sends it back to review (catalogue.services.offering_update).
PROVIDER, STAFF = "provider", "staff"
TRANSITIONS = {
    (OfferingStatus.DRAFT, OfferingAction.SUBMIT): (OfferingStatus.PENDING, PROVIDER),
    (OfferingStatus.REJECTED, OfferingAction.SUBMIT): (OfferingStatus.PENDING, PROVIDER),
    (OfferingStatus.WITHDRAWN, OfferingAction.SUBMIT): (OfferingStatus.PENDING, PROVIDER),
    (OfferingStatus.PENDING, OfferingAction.APPROVE): (OfferingStatus.PUBLISHED, STAFF),
    (OfferingStatus.PENDING, OfferingAction.REJECT): (OfferingStatus.REJECTED, STAFF),
    (OfferingStatus.PENDING, OfferingAction.WITHDRAW): (OfferingStatus.WITHDRAWN, PROVIDER),
    (OfferingStatus.PUBLISHED, OfferingAction.WITHDRAW): (OfferingStatus.WITHDRAWN, PROVIDER),
}
EDITABLE_STATUSES = frozenset(
    {
        OfferingStatus.DRAFT,
        OfferingStatus.REJECTED,
        OfferingStatus.WITHDRAWN,
        OfferingStatus.PUBLISHED,
    }
)


class ServiceOffering(models.Model):
    """A service an organization sells on the platform, at a price or on quote."""

    provider = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="service_offerings",
    )
    category = models.ForeignKey(
        ServiceCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="offerings",
    )
    title = models.CharField(
        _("title"), max_length=120, validators=[PlainLineValidator(_("title"))]
    )
    description = models.TextField(_("description"), max_length=LONG_TEXT_MAX_LENGTH)
    deliverables = models.TextField(
        _("deliverables"),
        max_length=DELIVERABLES_MAX_LENGTH,
        help_text=_("What the buyer receives, one item a line."),
    )
    price_kind = models.CharField(
        _("price"), max_length=16, choices=PriceKind.choices, default=PriceKind.ON_QUOTE
    )
    price_amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=11,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(PRICE_MAX)],
    )
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(LEAD_TIME_MAX_DAYS)],
        help_text=_("Working days from the order to the delivery, typically."),
    )
    regions = models.ManyToManyField(
        "taxonomy.Region",
        verbose_name=_("regions served"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty to serve the whole country. A province includes its cities."),
    )
    fields = models.ManyToManyField(
        "taxonomy.Field",
        verbose_name=_("technical fields"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty if the service suits every field."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OfferingStatus.choices, default=OfferingStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(_("reviewer's note"), blank=True, max_length=2000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("service offering")
        verbose_name_plural = _("service offerings")
        indexes = [
            models.Index(
                fields=["category", "-published_at", "-id"],
                condition=models.Q(status="published"),
                name="offering_published_newest",
            ),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("catalogue:detail", kwargs={"pk": self.pk})

    @property
    def deliverable_list(self) -> list[str]:
        return [line.strip(" -•·\t") for line in self.deliverables.splitlines() if line.strip()]

    @property
    def price_display(self) -> str:
        if self.price_kind == PriceKind.ON_QUOTE or self.price_amount is None:
            return gettext("On quote")
        amount = f"{self.price_amount:,.2f}".removesuffix(".00")
        if self.price_kind == PriceKind.FROM:
            return gettext("From %(amount)s yuan") % {"amount": amount}
        return gettext("%(amount)s yuan") % {"amount": amount}

    @property
    def is_published(self) -> bool:
        return self.status == OfferingStatus.PUBLISHED
