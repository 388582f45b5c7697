"""Service orders: requests for quotes, quotes, orders with their milestones and deliveries,
disputes, the parties' double-blind reviews, and innovation vouchers (创新券) paid on orders.

A buyer orders a provider's offering (catalogue.ServiceOffering), or asks chosen or all
providers for quotes; an accepted quote becomes an order. An order's status only changes through
orders.services.order_transition, by the table in orders.transitions. Prices are in yuan, as
services are priced; money is recorded, never moved.
"""

import uuid
from decimal import Decimal

from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import acting_user
from core.validators import PlainLineValidator
from repositories.validators import ATTACHMENT_EXTENSION_MESSAGE, ATTACHMENT_EXTENSIONS

PRICE_MAX_DIGITS = 12
PRICE_VALIDATORS = [MinValueValidator(Decimal("0"))]
TEXT_MAX_LENGTH = 5000


class QuoteRequest(models.Model):
    """A buyer asks chosen providers (or every provider of the category) for quotes."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("quote request", "open for quotes")
        AWARDED = "awarded", pgettext_lazy("quote request", "awarded")
        CLOSED = "closed", pgettext_lazy("quote request", "closed without an order")

    buyer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="quote_requests",
    )
    category = models.ForeignKey(
        "catalogue.ServiceCategory",
        verbose_name=_("service category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(
        _("what is needed"), max_length=200, validators=[PlainLineValidator(_("what is needed"))]
    )
    description = models.TextField(_("details"), max_length=TEXT_MAX_LENGTH)
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PRICE_VALIDATORS,
    )
    wanted_by = models.DateField(_("wanted by"), null=True, blank=True)
    quotes_due_at = models.DateTimeField(_("quotes due by"))
    # Empty: open to every provider with a published offering of the category.
    invited = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("invited providers"),
        blank=True,
        related_name="quote_invitations",
    )
    listing = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("listing it serves"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal it serves"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("request for quotes")
        verbose_name_plural = _("requests for quotes")
        indexes = [models.Index(fields=["category", "status", "-created_at"])]

    def __str__(self):
        return self.title


class Quote(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("quote", "submitted")
        WITHDRAWN = "withdrawn", pgettext_lazy("quote", "withdrawn")
        ACCEPTED = "accepted", pgettext_lazy("quote", "accepted")
        DECLINED = "declined", pgettext_lazy("quote", "not chosen")

    request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="quotes")
    provider = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    offering = models.ForeignKey(
        "catalogue.ServiceOffering",
        verbose_name=_("offering"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        validators=PRICE_VALIDATORS,
    )
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time (days)"), validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    note = models.TextField(_("approach and terms"), max_length=TEXT_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["price", "id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "provider"],
                condition=models.Q(status="submitted"),
                name="one_live_quote_per_provider",
            )
        ]

    def __str__(self):
        return f"{self.provider} → {self.request}"


class OrderStatus(models.TextChoices):
    AWAITING_ACCEPTANCE = "awaiting_acceptance", pgettext_lazy("order", "awaiting acceptance")
    IN_PROGRESS = "in_progress", pgettext_lazy("order", "in progress")
    DELIVERED = "delivered", pgettext_lazy("order", "delivered")
    REVISION_REQUESTED = "revision_requested", pgettext_lazy("order", "revision requested")
    DISPUTED = "disputed", pgettext_lazy("order", "in dispute")
    COMPLETED = "completed", pgettext_lazy("order", "completed")
    CANCELLED = "cancelled", pgettext_lazy("order", "cancelled")
    DECLINED = "declined", pgettext_lazy("order", "declined")
    EXPIRED = "expired", pgettext_lazy("order", "expired")


# Nothing more happens to an order in these (but the reviews after completion).
ORDER_CLOSED = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.DECLINED, OrderStatus.EXPIRED}
)
# Work under way: it can be late, cancelled by agreement or disputed.
ORDER_ACTIVE = frozenset(
    {OrderStatus.IN_PROGRESS, OrderStatus.DELIVERED, OrderStatus.REVISION_REQUESTED}
)


class Order(models.Model):
    buyer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="orders_bought",
    )
    provider = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="orders_provided",
    )
    offering = models.ForeignKey(
        "catalogue.ServiceOffering",
        verbose_name=_("offering"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    quote = models.OneToOneField(
        Quote, on_delete=models.SET_NULL, null=True, blank=True, related_name="order"
    )
    category = models.ForeignKey(
        "catalogue.ServiceCategory",
        verbose_name=_("service category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(
        _("order title"), max_length=200, validators=[PlainLineValidator(_("order title"))]
    )
    scope = models.TextField(_("scope of work"), max_length=TEXT_MAX_LENGTH)
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        validators=PRICE_VALIDATORS,
    )
    due_on = models.DateField(_("due on"))
    # What it serves: a need or an achievement, and the deal between its parties.
    listing = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("listing it serves"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_orders",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal it serves"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_orders",
    )
    # Whose CAST staff decide its disputes: the buyer's region.
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        pgettext_lazy("order", "status"),
        max_length=24,
        choices=OrderStatus.choices,
        default=OrderStatus.AWAITING_ACCEPTANCE,
        db_index=True,
    )
    # Where a dispute returns the order when it is withdrawn.
    status_before_dispute = models.CharField(max_length=24, choices=OrderStatus.choices, blank=True)
    end_reason = models.CharField(_("reason"), max_length=32, blank=True)
    end_note = models.TextField(_("note"), blank=True, max_length=1000)
    created_by = acting_user()
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    accept_by = models.DateTimeField(_("to be accepted by"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The late timer records an order's lateness once.
    late_since = models.DateField(_("late since"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["provider", "-created_at"]),
            models.Index(fields=["status", "accept_by"]),
            models.Index(fields=["status", "delivered_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(buyer=models.F("provider")), name="order_two_parties"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("orders:detail", kwargs={"pk": self.pk})

    @property
    def party_ids(self):
        return (self.buyer_id, self.provider_id)

    def other_party_id(self, organization_id):
        return self.provider_id if organization_id == self.buyer_id else self.buyer_id


class OrderHistory(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(max_length=24, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=OrderStatus.choices)
    user = acting_user()
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
        verbose_name = _("order history")
        verbose_name_plural = _("order history")

    def __str__(self):
        return f"{self.order_id}: {self.action}"


class OrderConfirmation(models.Model):
    """One party's yes to what both must agree (cancelling by agreement)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="confirmations")
    action = models.CharField(max_length=32)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "action", "organization"], name="one_order_confirmation_per_party"
            )
        ]

    def __str__(self):
        return f"{self.order_id}: {self.action} by {self.organization_id}"


def order_file_path(instance, filename):
    """A random name: the file is reached through a permission check, never by guessing."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"orders/{uuid.uuid4().hex}.{extension}"


class OrderMilestone(models.Model):
    """A step of the order's work: the provider delivers it, the buyer accepts it or sends it
    back with what is missing. Planned by either party before any is delivered; the order is
    delivered as a whole once every milestone is accepted. Its steps are the table in
    orders.transitions (MILESTONE_TRANSITIONS)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("order milestone", "to be delivered")
        DELIVERED = "delivered", pgettext_lazy("order milestone", "delivered, awaiting acceptance")
        ACCEPTED = "accepted", pgettext_lazy("order milestone", "accepted")
        SENT_BACK = "sent_back", pgettext_lazy("order milestone", "sent back")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(
        _("milestone"), max_length=200, validators=[PlainLineValidator(_("milestone"))]
    )
    amount = models.DecimalField(
        _("amount on acceptance (yuan)"),
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PRICE_VALIDATORS,
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    sent_back_note = models.TextField(_("what is missing"), blank=True, max_length=2000)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = acting_user()
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("order milestone")
        verbose_name_plural = _("order milestones")

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """What the provider handed over, with its confidential files: the whole order, or one of
    its milestones."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="deliveries")
    milestone = models.ForeignKey(
        OrderMilestone,
        verbose_name=_("milestone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    note = models.TextField(_("what is delivered"), max_length=TEXT_MAX_LENGTH)
    delivered_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self):
        return f"{self.order_id}: {self.note[:40]}"


class DeliveryFile(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(
        _("file"),
        upload_to=order_file_path,
        validators=[
            FileExtensionValidator(ATTACHMENT_EXTENSIONS, message=ATTACHMENT_EXTENSION_MESSAGE)
        ],
    )
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivered file")
        verbose_name_plural = _("delivered files")

    def __str__(self):
        return self.name


class Dispute(models.Model):
    """Opened by either party; the other answers within DISPUTE_ANSWER_WORKING_DAYS; the CAST
    staff of the buyer's region (or the platform) decide."""

    class Decision(models.TextChoices):
        FOR_BUYER = "for_buyer", _("for the buyer: the order is cancelled")
        FOR_PROVIDER = "for_provider", _("for the provider: the order is completed")
        WITHDRAWN = "withdrawn", _("withdrawn by the party that opened it")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="disputes")
    opened_by = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(_("what is wrong"), max_length=TEXT_MAX_LENGTH)
    answer = models.TextField(_("the other side's answer"), blank=True, max_length=TEXT_MAX_LENGTH)
    answer_due_on = models.DateField(_("answer due on"))
    answered_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("reasons for the decision"), blank=True, max_length=2000)
    decided_by = acting_user()
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(decision=""), name="one_open_dispute"
            )
        ]

    def __str__(self):
        return f"{self.order_id}: {self.statement[:40]}"


class Review(models.Model):
    """A party's review of the other after completion: hidden from the other until both are in
    or the window closes (double-blind)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    reviewee = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="reviews_received"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["order", "reviewer"], name="one_review_per_party")
        ]

    def __str__(self):
        return f"{self.reviewer_id} → {self.reviewee_id}: {self.rating}"


class Voucher(models.Model):
    """An innovation voucher (创新券): a local CAST office grants an enterprise of its region an
    amount it may pay service orders with. The platform records what is paid with it and the
    office verifies each payment; money is recorded, never moved.

    Its balance is its amount less what pending and verified redemptions hold
    (orders.selectors.voucher_balance); "expired" is read from valid_until, never stored."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("voucher", "active")
        REVOKED = "revoked", pgettext_lazy("voucher", "revoked")

    number = models.CharField(
        _("voucher number"),
        max_length=32,
        unique=True,
        validators=[PlainLineValidator(_("voucher number"))],
    )
    issued_by = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("issuing CAST office"),
        on_delete=models.PROTECT,
        related_name="vouchers_issued",
    )
    holder = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="vouchers_held",
    )
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    # Empty: any service category.
    categories = models.ManyToManyField(
        "catalogue.ServiceCategory",
        verbose_name=_("service categories it pays for"),
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_note = models.TextField(_("why it was revoked"), blank=True, max_length=2000)
    created_by = acting_user()
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("innovation voucher")
        verbose_name_plural = _("innovation vouchers")
        indexes = [
            models.Index(fields=["issued_by", "-created_at"]),
            models.Index(fields=["holder", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="voucher_valid_span",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="voucher_amount_positive"
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("orders:voucher", kwargs={"pk": self.pk})

    def is_expired(self, today=None) -> bool:
        return self.valid_until < (today or timezone.localdate())


class VoucherRedemption(models.Model):
    """Part of an order's price paid with a voucher: the buyer applies it, the issuing office
    verifies it once the order is completed, or rejects it (the amount returns to the
    voucher's balance)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("voucher redemption", "awaiting verification")
        VERIFIED = "verified", pgettext_lazy("voucher redemption", "verified")
        REJECTED = "rejected", pgettext_lazy("voucher redemption", "rejected")

    voucher = models.ForeignKey(
        Voucher,
        verbose_name=_("innovation voucher"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="voucher_redemptions",
    )
    amount = models.DecimalField(
        _("amount paid with the voucher (yuan)"),
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    applied_by = acting_user()
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    decided_by = acting_user()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("voucher redemption")
        verbose_name_plural = _("voucher redemptions")
        indexes = [models.Index(fields=["voucher", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="voucher_redemption_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["voucher", "order"],
                condition=models.Q(status__in=["pending", "verified"]),
                name="one_live_redemption_per_voucher_and_order",
            ),
        ]

    def __str__(self):
        return f"{self.voucher_id} → {self.order_id}: {self.amount}"


# Redemptions that hold part of a voucher's balance (a rejected one gives it back).
REDEMPTION_HOLDING = (VoucherRedemption.Status.PENDING, VoucherRedemption.Status.VERIFIED)
