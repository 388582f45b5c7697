"""An achievement evaluation (成果评价): the structured result of an evaluation order.

An Evaluation belongs to one service order of the "evaluation" category that serves one of the
buyer's achievements. The provider sets out the purpose and scope, ticks the materials as the
buyer supplies them, seats a panel of experts who each declare they have no conflict of
interest, enters each expert's scores on the published rubric (evaluations.rubric), and issues
the report: a PDF delivered with the order, and a public summary. When the buyer completes the
order the evaluation is final and the achievement shows the evaluated TRL beside its own. The
owner may appeal once; the provider re-issues or upholds with reasons.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import acting_user
from core.validators import PlainLineValidator
from evaluations.rubric import SCORE_MAX, SCORE_MIN, TRL_MAX, TRL_MIN
from taxonomy.models import Maturity

TEXT_MAX_LENGTH = 5000
SUMMARY_MAX_LENGTH = 2000


class Purpose(models.TextChoices):
    TRANSFER = "transfer", _("transfer or licensing")
    FINANCING = "financing", _("financing or investment")
    AWARD = "award", _("award or project application")
    PRICING = "pricing", _("pricing before a deal")
    INTERNAL = "internal", _("internal decision")
    OTHER = "other", _("other")


class EvaluationStatus(models.TextChoices):
    SETUP = "setup", pgettext_lazy("evaluation", "being set up")
    SCORING = "scoring", pgettext_lazy("evaluation", "panel scoring")
    ISSUED = "issued", pgettext_lazy("evaluation", "report issued")
    FINAL = "final", pgettext_lazy("evaluation", "final")
    APPEALED = "appealed", pgettext_lazy("evaluation", "under appeal")


class Evaluation(models.Model):
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("service order"),
        on_delete=models.CASCADE,
        related_name="evaluation",
    )
    achievement = models.ForeignKey(
        "repositories.Achievement",
        verbose_name=_("achievement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.TRANSFER
    )
    scope = models.TextField(_("scope of the evaluation"), max_length=TEXT_MAX_LENGTH)
    status = models.CharField(
        pgettext_lazy("evaluation", "status"),
        max_length=16,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.SETUP,
        db_index=True,
    )
    # Each scoring round has its own opinions: a revision or an upheld appeal opens a new one.
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    final_at = models.DateTimeField(_("final since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("achievement evaluation")
        verbose_name_plural = _("achievement evaluations")

    def __str__(self):
        return self.order.title if self.order_id else f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("evaluations:work", kwargs={"pk": self.pk})

    def get_summary_url(self):
        return reverse("evaluations:summary", kwargs={"pk": self.pk})


class Material(models.Model):
    """One item of the materials checklist; the provider ticks it when the buyer supplied it."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(
        _("material"), max_length=200, validators=[PlainLineValidator(_("material"))]
    )
    received = models.BooleanField(_("received"), default=False)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evaluation material")
        verbose_name_plural = _("evaluation materials")

    def __str__(self):
        return self.name


class PanelMember(models.Model):
    """An expert of the panel and their declaration that they have no conflict of interest
    with either party. An expert with an account on the platform (`user`) declares and scores
    in person; for one without, the provider records both on their behalf."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="panel")
    name = models.CharField(
        _("expert's name"), max_length=100, validators=[PlainLineValidator(_("expert's name"))]
    )
    title = models.CharField(
        _("professional title"),
        max_length=100,
        blank=True,
        validators=[PlainLineValidator(_("professional title"))],
    )
    affiliation = models.CharField(
        _("affiliation"), max_length=200, validators=[PlainLineValidator(_("affiliation"))]
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("affiliation on the platform"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    field = models.CharField(
        _("field of expertise"),
        max_length=100,
        blank=True,
        validators=[PlainLineValidator(_("field of expertise"))],
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("the expert's account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluation_seats",
    )
    declared_no_conflict = models.BooleanField(_("declares no conflict of interest"), default=False)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    statement = models.TextField(_("declaration"), blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "user"], name="one_seat_per_expert_account"
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.affiliation}）"

    def get_absolute_url(self):
        """The seat's page, where an expert with an account declares and scores."""
        return reverse("evaluations:seat", kwargs={"pk": self.pk})


def _score(label, low, high):
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(low), MaxValueValidator(high)]
    )


class Opinion(models.Model):
    """One expert's scored opinion in one round, entered by the provider on their behalf."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="opinions")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    innovation = _score(_("technical innovation"), SCORE_MIN, SCORE_MAX)
    advancement = _score(_("advancement"), SCORE_MIN, SCORE_MAX)
    maturity = models.PositiveSmallIntegerField(
        _("maturity (technology readiness level)"),
        choices=Maturity.choices,
        validators=[MinValueValidator(TRL_MIN), MaxValueValidator(TRL_MAX)],
    )
    ip_strength = _score(_("IP strength"), SCORE_MIN, SCORE_MAX)
    market = _score(_("market prospects"), SCORE_MIN, SCORE_MAX)
    comment = models.TextField(_("opinion"), max_length=TEXT_MAX_LENGTH)
    entered_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["member_id", "round"]
        verbose_name = _("expert opinion")
        verbose_name_plural = _("expert opinions")
        constraints = [
            models.UniqueConstraint(fields=["member", "round"], name="one_opinion_per_round")
        ]

    def __str__(self):
        return f"{self.member} · {self.round}"


def report_file_path(instance, filename):
    """A random name: the report is reached through a permission check, never by guessing."""
    return f"evaluations/{uuid.uuid4().hex}.pdf"


class Report(models.Model):
    """An issued report: the computed result, the provider's conclusion and public summary,
    and the PDF. A re-issue after a revision or an appeal is a new version; none is edited."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="reports")
    version = models.PositiveSmallIntegerField(_("version"))
    conclusion = models.TextField(_("conclusion"), max_length=TEXT_MAX_LENGTH)
    public_summary = models.TextField(_("public summary"), max_length=SUMMARY_MAX_LENGTH)
    # The panel's mean per criterion, by rubric key, as strings ("4.33").
    means = models.JSONField(_("mean scores"), default=dict)
    overall = models.DecimalField(_("overall score"), max_digits=4, decimal_places=1)
    level = models.PositiveSmallIntegerField(_("level"))
    evaluated_maturity = models.PositiveSmallIntegerField(
        _("evaluated maturity"),
        choices=Maturity.choices,
        validators=[MinValueValidator(TRL_MIN), MaxValueValidator(TRL_MAX)],
    )
    panel_size = models.PositiveSmallIntegerField(_("experts"))
    file = models.FileField(_("report (PDF)"), upload_to=report_file_path)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    issued_by = acting_user()
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["evaluation_id", "-version"]
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "version"], name="one_report_version")
        ]

    def __str__(self):
        return f"{self.evaluation} · v{self.version}"

    @property
    def file_name(self):
        return f"evaluation-report-{self.evaluation_id}-v{self.version}.pdf"

    def get_pdf_url(self):
        return reverse("evaluations:pdf", kwargs={"pk": self.pk})


class Appeal(models.Model):
    """The owner's one appeal (one per evaluation, by the database too) and its decision."""

    class Decision(models.TextChoices):
        REISSUE = "reissue", _("re-evaluate and re-issue the report")
        UPHOLD = "uphold", _("uphold the report")

    evaluation = models.OneToOneField(Evaluation, on_delete=models.CASCADE, related_name="appeal")
    statement = models.TextField(_("grounds of the appeal"), max_length=TEXT_MAX_LENGTH)
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    reasons = models.TextField(_("reasons"), blank=True, max_length=TEXT_MAX_LENGTH)
    decided_by = acting_user()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation appeal")
        verbose_name_plural = _("evaluation appeals")

    def __str__(self):
        return f"{self.evaluation}: {self.statement[:40]}"
