"""Technology managers (技术经理人): a person's public profile with a certificate the CAST staff
verify, and the commission due on a deal the manager brokered under a mandate.

The mandate itself is organizations.Mandate: it decides who may act for an organization.
"""

import uuid

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.validators import PlainLineValidator

CERTIFICATE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg"]


def certificate_path(instance, filename):
    """A random name: the certificate is reached through a permission check, never by guessing."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"managers/{uuid.uuid4().hex}.{extension}"


class ManagerProfile(models.Model):
    """A technology manager's profile. Only a certificate verified by the CAST staff of the
    manager's region makes it public and lets organizations give the manager mandates."""

    class CertificateStatus(models.TextChoices):
        NONE = "none", _("no certificate submitted")
        PENDING = "pending", _("awaiting verification")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("not verified")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="manager_profile",
    )
    name = models.CharField(_("name"), max_length=60, validators=[PlainLineValidator(_("name"))])
    headline = models.CharField(
        _("headline"),
        max_length=120,
        blank=True,
        validators=[PlainLineValidator(_("headline"))],
        help_text=_("For example: 10 years of new-materials transfer, former patent examiner."),
    )
    bio = models.TextField(_("experience"), max_length=3000)
    fields = models.ManyToManyField(
        "taxonomy.Field", verbose_name=_("fields"), related_name="+", blank=True
    )
    # Whose CAST staff verify the certificate.
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    certificate_number = models.CharField(
        _("certificate number"),
        max_length=40,
        blank=True,
        validators=[PlainLineValidator(_("certificate number"))],
    )
    certificate_issuer = models.CharField(
        _("issued by"),
        max_length=100,
        blank=True,
        validators=[PlainLineValidator(_("issued by"))],
        help_text=_("For example: 中国科学技术交流中心, or a provincial training body."),
    )
    certificate_level = models.CharField(
        _("level"),
        max_length=40,
        blank=True,
        validators=[PlainLineValidator(_("level"))],
        help_text=_("初级, 中级 or 高级, as printed on the certificate."),
    )
    certificate_file = models.FileField(
        _("certificate scan"),
        upload_to=certificate_path,
        blank=True,
        validators=[FileExtensionValidator(CERTIFICATE_EXTENSIONS)],
    )
    certificate_status = models.CharField(
        _("certificate"),
        max_length=8,
        choices=CertificateStatus.choices,
        default=CertificateStatus.NONE,
    )
    certificate_note = models.TextField(_("reviewer's note"), blank=True, max_length=1000)
    certificate_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    certificate_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("technology manager")
        verbose_name_plural = _("technology managers")
        indexes = [models.Index(fields=["certificate_status", "region"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("managers:detail", kwargs={"pk": self.pk})

    @property
    def is_verified(self):
        return self.certificate_status == self.CertificateStatus.VERIFIED


class Commission(models.Model):
    """What a mandate's organization owes its manager for a deal in scope, computed once the
    CAST staff verify the deal's registration: base fee + success share of the verified
    technical-transaction amount, no more than the cap. Recorded, never paid through here."""

    mandate = models.ForeignKey(
        "organizations.Mandate",
        verbose_name=_("mandate"),
        on_delete=models.PROTECT,
        related_name="commissions",
    )
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), on_delete=models.PROTECT, related_name="commissions"
    )
    technical_amount = models.DecimalField(
        _("verified technical-transaction amount (yuan)"), max_digits=14, decimal_places=2
    )
    base_fee = models.DecimalField(_("base service fee (yuan)"), max_digits=12, decimal_places=2)
    share_amount = models.DecimalField(_("success share (yuan)"), max_digits=14, decimal_places=2)
    amount_due = models.DecimalField(_("commission due (yuan)"), max_digits=14, decimal_places=2)
    capped = models.BooleanField(_("held to the cap"), default=False)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        constraints = [
            models.UniqueConstraint(fields=["mandate", "deal"], name="one_commission_per_deal")
        ]

    def __str__(self):
        return f"{self.mandate_id} / {self.deal_id}: {self.amount_due}"
