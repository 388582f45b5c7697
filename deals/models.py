"""Deals, their contracts and milestones, the parties' confirmations, documents and history.

A deal is between the demand side (the organization that acquires the technology or the
service: 委托方 / 受让方 / 被许可方) and the supply side, opened from their conversation. Its
stage only changes through deals.services.deal_transition, by the table in deals.transitions.
"""

import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.validators import PlainLineValidator
from outcomes.reasons import RefusalReason
from repositories.validators import ATTACHMENT_EXTENSION_MESSAGE, ATTACHMENT_EXTENSIONS

# Amounts are in 10,000 yuan (万元), as technology-contract statistics report them.
AMOUNT_MAX_DIGITS = 14
AMOUNT_VALIDATORS = [MinValueValidator(Decimal("0"))]


class Stage(models.TextChoices):
    LEAD = "lead", pgettext_lazy("deal stage", "lead")
    NDA = "nda", pgettext_lazy("deal stage", "confidentiality agreement")
    NEGOTIATION = "negotiation", pgettext_lazy("deal stage", "negotiation")
    SIGNED = "signed", pgettext_lazy("deal stage", "signed")
    REGISTERED = "registered", pgettext_lazy("deal stage", "registered")
    EXECUTING = "executing", pgettext_lazy("deal stage", "executing")
    COMPLETED = "completed", pgettext_lazy("deal stage", "completed")
    LOST = "lost", pgettext_lazy("deal stage", "lost")
    TERMINATED = "terminated", pgettext_lazy("deal stage", "terminated")
    DORMANT = "dormant", pgettext_lazy("deal stage", "dormant")


# Stages in which nothing more happens; a dormant deal can still be resumed.
CLOSED_STAGES = frozenset({Stage.COMPLETED, Stage.LOST, Stage.TERMINATED})
# Before signing: the stages that fall dormant when nobody acts.
PRE_CONTRACT_STAGES = frozenset({Stage.LEAD, Stage.NDA, Stage.NEGOTIATION})


class Deal(models.Model):
    class Origin(models.TextChoices):
        CONVERSATION = "conversation", _("opened in a conversation")
        MATCH = "match", _("opened from an approved match")
        CHALLENGE = "challenge", _("opened by a challenge's award")
        ROADSHOW = "roadshow", _("opened by an intent accepted at a roadshow")

    title = models.CharField(
        _("deal title"), max_length=200, validators=[PlainLineValidator(_("deal title"))]
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    demand_party = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("demand side"),
        on_delete=models.PROTECT,
        related_name="deals_as_demand",
    )
    supply_party = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("supply side"),
        on_delete=models.PROTECT,
        related_name="deals_as_supply",
    )
    conversation = models.ForeignKey(
        "conversations.Conversation",
        verbose_name=_("conversation"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    # What it is about: the need (when there is one), the listing talked about, the match.
    need = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("need"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals_as_need",
    )
    listing = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("listing"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    match = models.ForeignKey(
        "matching.Match",
        verbose_name=_("match"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    # Whose CAST staff oversee it and verify its registration: the conversation's region.
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.ForeignKey(
        "taxonomy.Field", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(
        pgettext_lazy("deal", "stage"),
        max_length=16,
        choices=Stage.choices,
        default=Stage.LEAD,
        db_index=True,
    )
    # Where a dormant deal resumes.
    stage_before_dormant = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    # How it ended when lost or terminated.
    end_reason = models.CharField(
        _("reason"), max_length=32, choices=RefusalReason.choices, blank=True
    )
    end_note = models.TextField(_("note"), blank=True, max_length=1000)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    stage_changed_at = models.DateTimeField(_("stage since"), auto_now_add=True)
    # Any step, message or document by a party: what the dormancy timer watches.
    last_activity_at = models.DateTimeField(_("last activity"), auto_now_add=True, db_index=True)
    # The dormancy nudge was sent for the current quiet spell (cleared by activity).
    nudged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["demand_party", "-last_activity_at"]),
            models.Index(fields=["supply_party", "-last_activity_at"]),
            models.Index(fields=["region", "stage"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(demand_party=models.F("supply_party")),
                name="deal_two_parties",
            ),
            # One live deal per conversation at a time; another may follow a closed one.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=~models.Q(stage__in=["completed", "lost", "terminated"]),
                name="one_open_deal_per_conversation",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("deals:detail", kwargs={"pk": self.pk})

    @property
    def party_ids(self):
        return (self.demand_party_id, self.supply_party_id)

    def other_party_id(self, organization_id):
        return (
            self.supply_party_id
            if organization_id == self.demand_party_id
            else self.demand_party_id
        )

    @property
    def is_closed(self):
        return self.stage in CLOSED_STAGES


# --- the contract --------------------------------------------------------------------------


class ContractType(models.TextChoices):
    """The categories of technology-contract registration (技术合同认定登记)."""

    DEVELOPMENT_COMMISSIONED = (
        "development_commissioned",
        _("technology development (commissioned)"),
    )
    DEVELOPMENT_COOPERATIVE = "development_cooperative", _("technology development (cooperative)")
    TRANSFER = "transfer", _("technology transfer")
    LICENSE_EXCLUSIVE = "license_exclusive", _("technology licence (exclusive)")
    LICENSE_SOLE = "license_sole", _("technology licence (sole)")
    LICENSE_ORDINARY = "license_ordinary", _("technology licence (ordinary)")
    CONSULTING = "consulting", _("technology consulting")
    SERVICE = "service", _("technology service")


class PaymentTerms(models.TextChoices):
    LUMP_SUM = "lump_sum", _("lump sum")
    INSTALMENTS = "instalments", _("instalments")
    ROYALTY = "royalty", _("royalty")
    EQUITY = "equity", _("equity")
    USE_FIRST_PAY_LATER = "use_first_pay_later", _("use first, pay later")


# 技术合同登记编号: the year (two digits on the older forms, four on today's), the GB/T 2260
# province and city codes, the registration point and a serial number.
REGISTRATION_NUMBER_PATTERN = re.compile(r"(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{6})")
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50}
    | {51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)


def validate_registration_number(value):
    match = REGISTRATION_NUMBER_PATTERN.fullmatch(value)
    if match is None or int(match.group(2)) not in PROVINCE_CODES:
        raise ValidationError(
            _(
                "A registration number has 16 digits (14 on older forms): the year, the "
                "province and city codes, the registration point and a six-digit serial number, "
                "such as 2026330100000123."
            ),
            code="invalid_registration_number",
        )


class Contract(models.Model):
    """What was signed, as the registration form records it. Money is recorded, never moved."""

    class Registration(models.TextChoices):
        NONE = "", _("not registered")
        PENDING = "pending", _("awaiting verification by the CAST staff")
        VERIFIED = "verified", pgettext_lazy("contract registration", "verified")
        REJECTED = "rejected", pgettext_lazy("contract registration", "not verified")

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="contract")
    contract_type = models.CharField(
        _("contract type"), max_length=32, choices=ContractType.choices
    )
    # 作价入股 is registered as a transfer; the flag keeps the difference.
    equity_contribution = models.BooleanField(
        _("technology contributed as equity (作价入股)"), default=False
    )
    total_amount = models.DecimalField(
        _("total amount (10,000 yuan)"),
        max_digits=AMOUNT_MAX_DIGITS,
        decimal_places=2,
        validators=AMOUNT_VALIDATORS,
    )
    non_technical_amount = models.DecimalField(
        _("equipment, parts and materials (10,000 yuan)"),
        max_digits=AMOUNT_MAX_DIGITS,
        decimal_places=2,
        default=Decimal("0"),
        validators=AMOUNT_VALIDATORS,
    )
    payment_terms = models.CharField(
        _("payment terms"), max_length=32, choices=PaymentTerms.choices
    )
    payment_note = models.TextField(_("payment details"), blank=True, max_length=2000)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    registration_number = models.CharField(
        _("registration number"),
        max_length=16,
        blank=True,
        validators=[validate_registration_number],
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    registration_status = models.CharField(
        _("registration"), max_length=16, choices=Registration.choices, blank=True
    )
    registration_note = models.TextField(_("staff note"), blank=True, max_length=1000)
    registration_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registration_checked_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(non_technical_amount__lte=models.F("total_amount")),
                name="contract_technical_amount_not_negative",
            )
        ]

    def __str__(self):
        return f"{self.deal}: {self.get_contract_type_display()}"

    @property
    def technical_amount(self) -> Decimal:
        """技术交易额: the total less equipment, parts and materials."""
        return (self.total_amount or Decimal("0")) - (self.non_technical_amount or Decimal("0"))

    def clean(self):
        errors = {}
        if (
            self.total_amount is not None
            and self.non_technical_amount is not None
            and self.non_technical_amount > self.total_amount
        ):
            errors["non_technical_amount"] = _(
                "Equipment, parts and materials cannot exceed the total amount."
            )
        if self.equity_contribution and self.contract_type != ContractType.TRANSFER:
            errors["equity_contribution"] = _(
                "Technology contributed as equity is registered as a technology transfer."
            )
        today = timezone.localdate()
        if self.signed_on and self.signed_on > today:
            errors["signed_on"] = _("The signing date cannot be in the future.")
        if self.registered_on and self.registered_on > today:
            errors["registered_on"] = _("The registration date cannot be in the future.")
        if self.signed_on and self.ends_on and self.ends_on < self.signed_on:
            errors["ends_on"] = _("The term cannot end before the contract is signed.")
        if self.registered_on and self.signed_on and self.registered_on < self.signed_on:
            errors["registered_on"] = _("A contract cannot be registered before it is signed.")
        if self.registration_number and self.registered_on:
            year = self.registration_number[: len(self.registration_number) - 12]
            if not str(self.registered_on.year).endswith(year):
                errors["registration_number"] = _(
                    "The registration number begins with the year of registration (%(year)s)."
                ) % {"year": self.registered_on.year}
        if errors:
            raise ValidationError(errors)


class Milestone(models.Model):
    """A step of the contract: the supply side delivers, the demand side accepts (or not)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        DELIVERED = "delivered", _("delivered, awaiting acceptance")
        ACCEPTED = "accepted", pgettext_lazy("milestone", "accepted")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(
        _("milestone"), max_length=200, validators=[PlainLineValidator(_("milestone"))]
    )
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(
        _("payment on acceptance (10,000 yuan)"),
        max_digits=AMOUNT_MAX_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=AMOUNT_VALIDATORS,
    )
    acceptance_criteria = models.TextField(_("acceptance criteria"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    delivery_note = models.TextField(_("delivery note"), blank=True, max_length=2000)
    delivered_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("acceptance note"), blank=True, max_length=2000)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self):
        return self.title


class Confirmation(models.Model):
    """One party's yes to an action both must take (the NDA, signing, completion). Cleared
    when what was confirmed changes (the contract's terms before signing)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="confirmations")
    action = models.CharField(max_length=32)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What was agreed to, kept as it was (the NDA's text version, the contract's terms).
    terms = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "action", "organization"], name="one_confirmation_per_party"
            )
        ]

    def __str__(self):
        return f"{self.deal_id}: {self.action} by {self.organization_id}"


class DealHistory(models.Model):
    """Every step of a deal, who took it and why: the deal's own page of the outcome log."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(_("action"), max_length=32)
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
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
        verbose_name = _("deal history")
        verbose_name_plural = _("deal history")

    def __str__(self):
        return f"{self.deal_id}: {self.action}"


def deal_document_path(instance, filename):
    """A random name: the file is reached through a permission check, never by guessing."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"deals/{uuid.uuid4().hex}.{extension}"


class DealDocument(models.Model):
    """A confidential document of the deal: an NDA, the contract, a delivery."""

    class Kind(models.TextChoices):
        NDA = "nda", _("confidentiality agreement")
        CONTRACT = "contract", _("contract")
        DELIVERY = "delivery", _("delivery")
        OTHER = "other", _("other")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document kind"), max_length=16, choices=Kind.choices)
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    file = models.FileField(
        _("file"),
        upload_to=deal_document_path,
        validators=[
            FileExtensionValidator(ATTACHMENT_EXTENSIONS, message=ATTACHMENT_EXTENSION_MESSAGE)
        ],
    )
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("deal document")
        verbose_name_plural = _("deal documents")

    def __str__(self):
        return self.name
