"""Matches between a need and what can answer it, their review, and each side's answer."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outcomes.reasons import RefusalReason


class SupplyKind(models.TextChoices):
    ACHIEVEMENT = "achievement", _("achievement")
    TALENT = "talent", _("expert")
    PROJECT = "project", _("project")
    TEAM = "team", _("expert service team")


class Match(models.Model):
    """A need and one achievement, expert, project or expert service team that may answer it.

    Proposed by the matcher; the CAST staff of the need's region approve (which pushes it to
    both sides) or reject it. Found from either side: a new need looks for supply, new supply
    looks for needs — the same row either way.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("awaiting review")
        APPROVED = "approved", _("approved and pushed")
        REJECTED = "rejected", _("rejected")

    need = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("technical need"),
        on_delete=models.CASCADE,
        related_name="matches_as_need",
    )
    supply_kind = models.CharField(_("kind"), max_length=16, choices=SupplyKind.choices)
    supply_listing = models.ForeignKey(
        "repositories.Listing",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="matches_as_supply",
    )
    supply_team = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="matches_as_team",
    )
    # The supply's index id ("achievement:42", "team:7"): one match per need and supply.
    supply_key = models.CharField(max_length=64, editable=False)
    # Whose staff review it: the need's region.
    region = models.ForeignKey(
        "taxonomy.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    # The hand-weighted score: the ranker's input and the tie-breaker.
    score = models.FloatField(_("score"))
    # The match degree, 0–100: the estimated chance in percent that a reviewer finds the match
    # relevant (matching.ranker). What people see.
    degree = models.PositiveSmallIntegerField(
        _("match degree"), default=0, validators=[MaxValueValidator(100)]
    )
    ranker_version = models.CharField(max_length=32, blank=True)
    # relevance, dense, title, keyword, field, region, cooperation, maturity, freshness, …
    parts = models.JSONField(default=dict)
    # Shared terms and agreements, rendered in the reader's language when shown.
    explanation = models.JSONField(default=dict)
    model = models.CharField(max_length=128)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    auto_approved = models.BooleanField(default=False)
    review_note = models.TextField(_("reviewer's reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-degree", "-score", "id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["need", "supply_key"], name="unique_match"),
            models.CheckConstraint(
                condition=models.Q(supply_listing__isnull=False, supply_team__isnull=True)
                | models.Q(supply_listing__isnull=True, supply_team__isnull=False),
                name="match_has_one_supply",
            ),
        ]
        indexes = [models.Index(fields=["region", "status", "-created_at"])]

    def __str__(self):
        return f"{self.need} ↔ {self.supply}"

    def get_absolute_url(self):
        return reverse("matching:detail", kwargs={"pk": self.pk})

    @property
    def supply(self):
        return self.supply_listing or self.supply_team

    @property
    def supply_organization(self):
        return self.supply_team if self.supply_team_id else self.supply_listing.organization


class MatchAnswer(models.Model):
    """One side's answer to a pushed match; "not relevant" hides the other side from that
    party's future matches."""

    class Answer(models.TextChoices):
        INTERESTED = "interested", _("interested")
        CONTACTED = "contacted", _("contacted")
        NOT_RELEVANT = "not_relevant", _("not relevant")

    Reason = RefusalReason

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="answers")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="match_answers"
    )
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["match", "organization"], name="one_answer_per_side")
        ]

    def __str__(self):
        return f"{self.match_id} {self.organization_id} {self.answer}"


class AutoApproveRule(models.Model):
    """A region's CAST office lets matches between verified organizations through unreviewed,
    from a match degree up."""

    region = models.OneToOneField(
        "taxonomy.Region", on_delete=models.CASCADE, related_name="auto_approve_rule"
    )
    enabled = models.BooleanField(_("approve automatically"), default=False)
    min_degree = models.PositiveSmallIntegerField(
        _("lowest match degree"), default=80, validators=[MaxValueValidator(100)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.region} {self.enabled}"


class RankerModel(models.Model):
    """A version of the model that computes match degrees (matching.ranker), fitted by the
    periodic retraining on reviewers' decisions and the parties' answers. A new version becomes
    active only if it ranks held-back decisions better than the active one did."""

    version = models.PositiveIntegerField(unique=True)
    # {candidate kind or "default": LogisticModel.as_dict()}
    coefficients = models.JSONField()
    # What it was fitted on and how both models scored on the held-back needs.
    metrics = models.JSONField(default=dict)
    decisions = models.PositiveIntegerField(help_text="decisions it was fitted on")
    active = models.BooleanField(default=False)
    trained_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("match ranker model")
        verbose_name_plural = _("match ranker models")

    def __str__(self):
        return f"v{self.version}{' (active)' if self.active else ''}"
