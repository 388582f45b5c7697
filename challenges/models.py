"""揭榜挂帅 challenges: a sponsor's technical problem with target indicators, a reward and IP
terms, vetted by the CAST staff and then open to structured applications.

A challenge's status only changes through challenges.services.challenge_transition, by the table
in challenges.transitions. Rewards and budgets are in 万元 (10k CNY), as a need's budget is.
From publication the criteria are locked; each allowed amendment is an Amendment row, public.

Later (the panel and the award) an application gains the statuses shortlisted, awarded and
declined with a reason, and an award opens one deal per winner (deals.Deal).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import acting_user
from core.validators import LONG_TEXT_MAX_LENGTH, PlainLineValidator
from repositories.validators import ATTACHMENT_EXTENSION_MESSAGE, ATTACHMENT_EXTENSIONS

AMOUNT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000000"))]
TRL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(9)]
TEXT_MAX_LENGTH = LONG_TEXT_MAX_LENGTH


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("challenge", "draft")
    SUBMITTED = "submitted", pgettext_lazy("challenge", "awaiting vetting")
    RETURNED = "returned", pgettext_lazy("challenge", "returned for changes")
    PUBLISHED = "published", pgettext_lazy("challenge", "open for applications")
    CLOSED = "closed", pgettext_lazy("challenge", "applications closed")
    REVIEWING = "reviewing", pgettext_lazy("challenge", "under panel review")
    COSIGNING = "cosigning", pgettext_lazy("challenge", "awaiting the CAST co-signature")
    AWARDED = "awarded", pgettext_lazy("challenge", "awarded")
    COMPLETED = "completed", pgettext_lazy("challenge", "completed")
    CANCELLED = "cancelled", pgettext_lazy("challenge", "cancelled")


# The sponsor edits freely in these; from publication only amendments.
CHALLENGE_EDITABLE = frozenset({ChallengeStatus.DRAFT, ChallengeStatus.RETURNED})
# Seen by the public (and listed).
CHALLENGE_PUBLIC = frozenset(
    {
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.CLOSED,
        ChallengeStatus.REVIEWING,
        ChallengeStatus.COSIGNING,
        ChallengeStatus.AWARDED,
        ChallengeStatus.COMPLETED,
    }
)
# The panel is seated and applications assigned in these.
CHALLENGE_PANEL_OPEN = frozenset({ChallengeStatus.CLOSED, ChallengeStatus.REVIEWING})

# The default review criteria and their weights (out of 100).
DEFAULT_CRITERIA = (
    (pgettext_lazy("criterion", "team"), 25),
    (pgettext_lazy("criterion", "R&D capability"), 25),
    (pgettext_lazy("criterion", "approach"), 25),
    (pgettext_lazy("criterion", "fit to the need"), 25),
)


class IpArrangement(models.TextChoices):
    NONE = "none", _("no IP transfer")
    NON_EXCLUSIVE = "non_exclusive", _("non-exclusive licence to the sponsor")
    EXCLUSIVE = "exclusive", _("exclusive licence to the sponsor")
    ASSIGNMENT = "assignment", _("assignment to the sponsor")
    NEGOTIATED = "negotiated", _("negotiated with the winner")


class Challenge(models.Model):
    sponsor = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("sponsor"),
        on_delete=models.PROTECT,
        related_name="challenges",
    )
    need = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("from the need"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(
        _("title"), max_length=200, validators=[PlainLineValidator(_("title"))]
    )
    problem = models.TextField(_("technical problem"), max_length=TEXT_MAX_LENGTH)
    hide_sponsor = models.BooleanField(
        _("hide the sponsor's name"),
        default=False,
        help_text=_("The public sees only the sponsor's region and field."),
    )
    success_criteria = models.TextField(_("success criteria"), max_length=TEXT_MAX_LENGTH)
    trl_now = models.PositiveSmallIntegerField(
        _("technology readiness level now (TRL)"), validators=TRL_VALIDATORS
    )
    trl_wanted = models.PositiveSmallIntegerField(
        _("technology readiness level wanted (TRL)"), validators=TRL_VALIDATORS
    )
    reward_amount = models.DecimalField(
        _("reward (10k CNY)"), max_digits=10, decimal_places=2, validators=AMOUNT_VALIDATORS
    )
    reward_terms = models.TextField(_("reward terms"), max_length=TEXT_MAX_LENGTH)
    ip_arrangement = models.CharField(
        _("IP arrangement"), max_length=16, choices=IpArrangement.choices
    )
    eligibility = models.TextField(_("eligibility"), max_length=TEXT_MAX_LENGTH)
    max_winners = models.PositiveSmallIntegerField(
        _("at most this many winners"),
        default=settings.CHALLENGE_DEFAULT_MAX_WINNERS,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    applications_close_on = models.DateField(_("applications close on"))
    decision_by = models.DateField(_("decision by"))
    field = models.ForeignKey(
        "taxonomy.Field",
        verbose_name=_("technical field"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The sponsor's region: its CAST staff vet the challenge.
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    # The sponsor is a CAST office: the office above it vets the list.
    government_list = models.BooleanField(_("government list"), default=False, editable=False)
    blind_review = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_("The panel sees anonymous labels instead of the applicants' names."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT
    )
    vetting_note = models.TextField(_("vetting note"), blank=True)
    vetted_by = acting_user()
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = acting_user()
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        indexes = [models.Index(fields=["status", "applications_close_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trl_wanted__gte=models.F("trl_now")),
                name="challenge_trl_wanted_not_below_now",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("challenges:detail", kwargs={"pk": self.pk})


class ChallengeIndicator(models.Model):
    """One target the solution must reach, measured as the sponsor says."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(
        _("indicator"), max_length=100, validators=[PlainLineValidator(_("indicator"))]
    )
    current_value = models.CharField(_("current value"), max_length=50, blank=True)
    target_value = models.CharField(_("target value"), max_length=50)
    unit = models.CharField(_("unit"), max_length=30)
    test_method = models.CharField(_("test method"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("target indicator")
        verbose_name_plural = _("target indicators")

    def __str__(self):
        return f"{self.name}: {self.target_value} {self.unit}"


def annex_path(instance, filename):
    return f"challenges/{instance.challenge_id}/annex/{filename}"


class ChallengeAnnex(models.Model):
    """A file of the confidential annex: served only to the sponsor, the vetting staff and
    the organizations that accepted the challenge's NDA. After publication files are only
    added (each addition is an amendment), never removed."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="annexes")
    file = models.FileField(
        _("confidential annex"),
        upload_to=annex_path,
        validators=[
            FileExtensionValidator(ATTACHMENT_EXTENSIONS, message=ATTACHMENT_EXTENSION_MESSAGE)
        ],
    )
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    added_by = acting_user()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("confidential annex")
        verbose_name_plural = _("confidential annexes")

    def __str__(self):
        return self.name


class NdaAcceptance(models.Model):
    """An organization accepted the challenge's non-disclosure terms (a click-through)."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="nda_acceptances"
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    accepted_by = acting_user()
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("NDA acceptance")
        verbose_name_plural = _("NDA acceptances")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "organization"], name="one_nda_acceptance_per_organization"
            )
        ]

    def __str__(self):
        return f"{self.organization_id} → {self.challenge_id}"


class Amendment(models.Model):
    """A change made after publication, shown to everyone and sent to the applicants."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="amendments")
    field_name = models.CharField(_("what changed"), max_length=40)
    old_text = models.TextField(_("before"), blank=True)
    new_text = models.TextField(_("after"), blank=True)
    reason = models.TextField(_("reason"), max_length=2000)
    made_by = acting_user()
    made_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["made_at", "id"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self):
        return f"{self.challenge_id}: {self.field_name}"

    @property
    def field_label(self) -> str:
        """What changed, as the challenge's form names it."""
        if self.field_name == "annex":
            return str(ChallengeAnnex._meta.verbose_name)
        try:
            return str(Challenge._meta.get_field(self.field_name).verbose_name)
        except FieldDoesNotExist:
            return self.field_name


class Question(models.Model):
    """Public Q&A: an organization asks, the sponsor answers; an unanswered question is seen
    only by the sponsor, the vetting staff and the asker."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="questions")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("asked by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    text = models.TextField(_("question"), max_length=2000)
    answer = models.TextField(_("answer"), blank=True, max_length=TEXT_MAX_LENGTH)
    asked_by = acting_user()
    answered_by = acting_user()
    asked_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text[:50]


class Invitation(models.Model):
    """The matcher invited an organization to apply, and says why."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="invitations")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("reason"))
    supply_key = models.CharField(max_length=40, blank=True)
    score = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "organization"], name="one_invitation_per_organization"
            )
        ]

    def __str__(self):
        return f"{self.organization_id} → {self.challenge_id}"


class DeclineReason(models.TextChoices):
    """Why an application was not awarded: coded, so the reasons can be counted."""

    MISMATCH = "mismatch", _("does not fit the need")
    CAPABILITY = "capability", _("technical capability insufficient")
    INFEASIBLE = "infeasible", _("approach not feasible")
    BUDGET = "budget", _("budget too high")
    DURATION = "duration", _("timeline too long")
    IP_TERMS = "ip_terms", _("IP terms do not fit")
    INCOMPLETE = "incomplete", _("materials incomplete")
    OUTRANKED = "outranked", _("places filled / others ranked higher")
    OTHER = "other", _("other")


class Application(models.Model):
    """One structured application of an organization (揭榜方案).

    Not awarded, it is declined with a coded reason and a comment, always."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("application", "submitted")
        WITHDRAWN = "withdrawn", pgettext_lazy("application", "withdrawn")
        AWARDED = "awarded", pgettext_lazy("application", "awarded")
        DECLINED = "declined", pgettext_lazy("application", "declined")

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="challenge_applications",
    )
    approach = models.TextField(_("technical approach"), max_length=TEXT_MAX_LENGTH)
    budget = models.DecimalField(
        _("budget (10k CNY)"), max_digits=10, decimal_places=2, validators=AMOUNT_VALIDATORS
    )
    team = models.TextField(_("team"), max_length=TEXT_MAX_LENGTH)
    evidence = models.TextField(_("evidence of ability"), max_length=TEXT_MAX_LENGTH)
    coi_declared = models.BooleanField(_("conflict-of-interest declaration"), default=False)
    coi_note = models.TextField(_("conflicts of interest to disclose"), blank=True, max_length=2000)
    originality_declared = models.BooleanField(_("originality declaration"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = acting_user()
    submitted_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=24, choices=DeclineReason.choices, blank=True
    )
    decline_comment = models.TextField(_("comment"), blank=True, max_length=2000)
    decided_at = models.DateTimeField(null=True, blank=True)
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "applicant"],
                condition=models.Q(status="submitted"),
                name="one_live_application_per_applicant",
            )
        ]

    def __str__(self):
        return f"{self.applicant} → {self.challenge}"

    def get_absolute_url(self):
        return reverse("challenges:application", kwargs={"pk": self.pk})


class ApplicationMilestone(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(
        _("milestone"), max_length=200, validators=[PlainLineValidator(_("milestone"))]
    )
    due_on = models.DateField(_("due on"))
    deliverable = models.TextField(_("deliverable"), max_length=2000)
    covers_indicator = models.ForeignKey(
        ChallengeIndicator,
        verbose_name=_("indicator it reaches"),
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


class ReviewCriterion(models.Model):
    """One weighted criterion of the panel's review; the weights sum to 100 and are locked
    with the other criteria from publication."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(
        _("criterion"), max_length=50, validators=[PlainLineValidator(_("criterion"))]
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")

    def __str__(self):
        return f"{self.name} ({self.weight})"


class PanelMember(models.Model):
    """A platform user seated on the challenge's review panel by the sponsor."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="challenge_panels",
    )
    name = models.CharField(_("name"), max_length=64)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    # A member of the sponsoring organization (an enterprise member of the panel).
    is_enterprise_member = models.BooleanField(_("enterprise member"), default=False)
    seated_by = acting_user()
    seated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seated_at", "id"]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "user"], name="one_seat_per_user")
        ]

    def __str__(self):
        return self.name


class PanelAssignment(models.Model):
    """An application a panel member reviews; the member declares first whether a conflict
    of interest stands in the way (a declared conflict removes them from it for good)."""

    class Conflict(models.TextChoices):
        UNDECLARED = "undeclared", _("not yet declared")
        NONE = "none", _("no conflict of interest")
        DECLARED = "declared", _("conflict of interest declared")

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    conflict = models.CharField(
        _("conflict of interest"),
        max_length=12,
        choices=Conflict.choices,
        default=Conflict.UNDECLARED,
    )
    conflict_note = models.TextField(_("conflict note"), blank=True, max_length=2000)
    declared_at = models.DateTimeField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application_id", "id"]
        verbose_name = _("panel assignment")
        verbose_name_plural = _("panel assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "application"], name="one_assignment_per_member"
            )
        ]

    def __str__(self):
        return f"{self.member_id} → {self.application_id}"


class Score(models.Model):
    """A panel member's score of one criterion (0–10) with a comment."""

    assignment = models.ForeignKey(PanelAssignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ReviewCriterion, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        ordering = ["criterion__position", "id"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(condition=models.Q(value__lte=10), name="score_at_most_ten"),
        ]

    def __str__(self):
        return f"{self.assignment_id}: {self.value}"
