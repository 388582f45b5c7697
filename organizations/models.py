import hashlib
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import LONG_TEXT_MAX_LENGTH, PlainLineValidator, validate_phone
from organizations.pinyin import pinyin_sort_key

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def validate_credit_code(value):
    """The 18-character unified social credit code of GB 32100-2015, check character included."""
    message = _("Enter the 18-character unified social credit code (digits and capital letters).")
    if len(value) != 18 or any(char not in CREDIT_CODE_CHARS for char in value):
        raise ValidationError(message, code="invalid")
    total = sum(
        CREDIT_CODE_CHARS.index(char) * weight
        for char, weight in zip(value[:17], CREDIT_CODE_WEIGHTS, strict=True)
    )
    if value[17] != CREDIT_CODE_CHARS[(31 - total % 31) % 31]:
        raise ValidationError(
            _("This unified social credit code is not valid: its check character is wrong."),
            code="checksum",
        )


def business_licence_path(instance, filename):
    """A random name: the file is reached through a permission check, never by guessing."""
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"licences/{uuid.uuid4().hex}.{extension}"


class Organization(models.Model):
    """An organization that joined the platform (入驻), verified by its region's CAST office."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("enterprise")
        INSTITUTION = "institution", _("university / research institute")
        SOCIETY = "society", _("science and technology society")
        SERVICE_TEAM = "service_team", _("expert service team")
        AGENCY = "agency", _("third-party service agency")
        INVESTOR = "investor", _("investor")
        CAST_OFFICE = "cast_office", _("local CAST office")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting verification")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")

    name = models.CharField(
        _("name"), max_length=128, unique=True, validators=[PlainLineValidator(_("name"))]
    )
    # The name in pinyin, kept by save(): lists sort by it, as Chinese readers expect.
    name_sort_key = models.CharField(max_length=255, db_index=True, editable=False, default="")
    kind = models.CharField(_("organization type"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    business_licence = models.FileField(
        _("business licence"),
        upload_to=business_licence_path,
        blank=True,
        help_text=_(
            "PDF, JPG or PNG, at most 10 MB. Seen only by your administrators and the reviewers."
        ),
    )
    description = models.TextField(_("introduction"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64)
    contact_phone = models.CharField(_("contact phone"), max_length=20, validators=[validate_phone])
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    fields = models.ManyToManyField(
        "taxonomy.Field", verbose_name=_("fields of interest"), blank=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent society"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_teams",
        help_text=_("For an expert service team: the society it belongs to."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    review_note = models.TextField(_("reviewer's note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Expert service teams are matched to needs: when the index last took this one in.
    indexed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name_sort_key", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_sort_key = pinyin_sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_sort_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("organizations:detail", kwargs={"pk": self.pk})

    @property
    def is_verified(self):
        return self.status == self.Status.VERIFIED


class CastOfficeManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Organization.Kind.CAST_OFFICE)


class CastOffice(Organization):
    """Local CAST offices (地方科协), which the platform administrators set up and staff."""

    objects = CastOfficeManager()

    class Meta:
        proxy = True
        verbose_name = _("local CAST office")
        verbose_name_plural = _("local CAST offices")


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("administrator")
        MEMBER = "member", _("member")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        ACTIVE = "active", _("active")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")
        ]
        ordering = ["organization__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.organization}"


class Mandate(models.Model):
    """An organization's mandate to a technology manager (技术经理人): within its term, the manager
    acts for the organization on the listings in its scope and on the deals about them.

    It lives here, beside Membership, because it is part of who may act for an organization
    (selectors.actor_for reads it); the managers app gives, accepts and ends mandates and
    computes the commission (base fee + success share of the verified technical-transaction
    amount, up to the cap) when a deal in scope is registered.
    """

    class Status(models.TextChoices):
        OFFERED = "offered", _("offered, awaiting the manager")
        ACTIVE = "active", _("in force")
        DECLINED = "declined", _("declined by the manager")
        ENDED = "ended", _("ended")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="mandates",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technology manager"),
        on_delete=models.CASCADE,
        related_name="mandates",
    )
    listings = models.ManyToManyField(
        "repositories.Listing", verbose_name=_("listings in scope"), related_name="mandates"
    )
    scope_note = models.TextField(_("what the manager is asked to do"), max_length=2000)
    base_fee = models.DecimalField(
        _("base service fee (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal("0"))],
    )
    success_share = models.DecimalField(
        _("success share (percent of the technical-transaction amount)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    cap = models.DecimalField(
        _("commission cap (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OFFERED
    )
    end_note = models.TextField(_("why it ended"), blank=True, max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        indexes = [models.Index(fields=["manager", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="mandate_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"{self.manager} @ {self.organization}"

    def is_in_force(self, on=None):
        on = on or timezone.localdate()
        return self.status == self.Status.ACTIVE and self.starts_on <= on <= self.ends_on


class ApiToken(models.Model):
    """A program's credential, acting for one organization. Only a hash of the key is kept.

    Every token reads what its organization may see; its scopes say what more it may do.
    """

    class Scope(models.TextChoices):
        WRITE = "write", _("publish and edit listings, answer matches")
        REVIEW = "review", _("review listings and matches of the office's region")
        WEBHOOKS = "webhooks", _("manage the organization's webhooks")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=64, validators=[PlainLineValidator(_("name"))])
    prefix = models.CharField(_("key prefix"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key):
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def scope_labels(self):
        return [ApiToken.Scope(scope).label for scope in self.scopes]
