"""Demand analyses (需求分析): a vague need written out as a structured one by an analyst.

An analysis is written in the name of an organization: the provider of a service order of
category "demand_analysis" placed on the need, the CAST office of the need's region (asked by
the owner, or of its own motion), or an expert service team the owner invited. The owner reads
the submitted analysis beside the need and copies the parts it chooses into it
(demand_analysis.services.analysis_accept), through the repositories' own edit (a published
need's edit is a revision the CAST staff review), after which the need is matched again.

requested → draft → submitted → accepted | declined
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import acting_user
from core.validators import PlainLineValidator
from deals.models import ContractType
from taxonomy.models import Maturity

TEXT_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 2000
SUB_PROBLEM_MAX_LENGTH = 300
MAX_SUB_PROBLEMS = 20
MAX_INDICATORS = 20
MAX_ROUTES = 10


class AnalysisStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("demand analysis", "requested")
    DRAFT = "draft", pgettext_lazy("demand analysis", "being written")
    SUBMITTED = "submitted", pgettext_lazy("demand analysis", "submitted to the owner")
    ACCEPTED = "accepted", pgettext_lazy("demand analysis", "accepted into the need")
    DECLINED = "declined", pgettext_lazy("demand analysis", "declined by the owner")


# The analyst still writes it; the owner has not decided.
ANALYSIS_OPEN = frozenset(
    {AnalysisStatus.REQUESTED, AnalysisStatus.DRAFT, AnalysisStatus.SUBMITTED}
)
ANALYSIS_WRITABLE = frozenset({AnalysisStatus.REQUESTED, AnalysisStatus.DRAFT})


class AnalysisSource(models.TextChoices):
    ORDER = "order", _("a service order")
    CAST_STAFF = "cast_staff", _("the CAST staff of the need's region")
    SERVICE_TEAM = "service_team", _("an invited expert service team")


class AnalysisPart(models.TextChoices):
    """What the owner may copy into the need, each on its own."""

    PROBLEM_STATEMENT = "problem_statement", _("problem statement → technical problem")
    SUB_PROBLEMS = "sub_problems", _("sub-problems → added to the technical problem")
    INDICATORS = "indicators", _("target indicators → target indicators")
    TRL_WANTED = "trl_wanted", _("TRL wanted → added to the target indicators")
    CONTRACT_TYPE = "contract_type", _("suggested contract type → cooperation modes")
    ROUTES = "routes", _("solution routes → added to the background")


class DemandAnalysis(models.Model):
    need = models.ForeignKey(
        "repositories.Need",
        verbose_name=_("technical need"),
        on_delete=models.CASCADE,
        related_name="demand_analyses",
    )
    source = models.CharField(_("written by"), max_length=16, choices=AnalysisSource.choices)
    # Empty only while a request to the CAST staff waits for an office to take it up.
    analyst = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("analyst"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demand_analyses_written",
    )
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("service order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demand_analysis",
    )
    # The need's region when asked: whose CAST staff write or oversee it.
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        pgettext_lazy("demand analysis", "status"),
        max_length=16,
        choices=AnalysisStatus.choices,
        default=AnalysisStatus.DRAFT,
        db_index=True,
    )
    request_note = models.TextField(
        _("what the owner asks"), blank=True, max_length=NOTE_MAX_LENGTH
    )
    problem_statement = models.TextField(
        _("problem statement"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    # One sub-problem per item, in order.
    sub_problems = models.JSONField(_("sub-problems"), default=list, blank=True)
    trl_wanted = models.PositiveSmallIntegerField(
        _("TRL wanted"),
        choices=Maturity.choices,
        null=True,
        blank=True,
        validators=[MinValueValidator(Maturity.TRL1), MaxValueValidator(Maturity.TRL9)],
    )
    contract_type = models.CharField(
        _("suggested contract type"), max_length=32, choices=ContractType.choices, blank=True
    )
    decline_note = models.TextField(_("why declined"), blank=True, max_length=NOTE_MAX_LENGTH)
    # AnalysisPart values the owner copied into the need.
    accepted_parts = models.JSONField(_("parts accepted"), default=list, blank=True)
    created_by = acting_user()
    decided_by = acting_user()
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand analysis")
        verbose_name_plural = _("demand analyses")
        indexes = [
            models.Index(fields=["region", "status", "-created_at"]),
            models.Index(fields=["analyst", "-created_at"]),
        ]
        constraints = [
            # One open analysis per need and analyst: a second invitation is the same work.
            models.UniqueConstraint(
                fields=["need", "analyst"],
                condition=models.Q(status__in=["requested", "draft", "submitted"]),
                name="one_open_analysis_per_analyst",
            ),
        ]

    def __str__(self):
        return f"{self.need_id}: {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("demand_analysis:detail", kwargs={"pk": self.pk})

    @property
    def is_writable(self):
        return self.status in ANALYSIS_WRITABLE

    @property
    def is_open(self):
        return self.status in ANALYSIS_OPEN


class Indicator(models.Model):
    """A target indicator: what is measured, the value wanted, its unit and how it is tested."""

    analysis = models.ForeignKey(
        DemandAnalysis, on_delete=models.CASCADE, related_name="indicators"
    )
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(
        _("indicator"), max_length=100, validators=[PlainLineValidator(_("indicator"))]
    )
    target = models.CharField(
        _("target value"), max_length=60, validators=[PlainLineValidator(_("target value"))]
    )
    unit = models.CharField(_("unit"), max_length=30, validators=[PlainLineValidator(_("unit"))])
    test_method = models.CharField(
        _("test method"),
        max_length=200,
        blank=True,
        validators=[PlainLineValidator(_("test method"))],
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("target indicator")
        verbose_name_plural = _("target indicators")

    def __str__(self):
        return self.as_line()

    def as_line(self):
        """ "name: target unit (test method)", the line copied into the need."""
        line = f"{self.name}: {self.target} {self.unit}".rstrip()
        return f"{line} ({self.test_method})" if self.test_method else line


class SolutionRoute(models.Model):
    """A technical route that could solve the need, and why it is suggested."""

    analysis = models.ForeignKey(DemandAnalysis, on_delete=models.CASCADE, related_name="routes")
    position = models.PositiveSmallIntegerField(default=0)
    route = models.CharField(
        _("solution route"), max_length=200, validators=[PlainLineValidator(_("solution route"))]
    )
    rationale = models.TextField(_("rationale"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("solution route")
        verbose_name_plural = _("solution routes")

    def __str__(self):
        return self.route
