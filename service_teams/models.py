"""Expert service teams (科技服务团), their missions and the pilot cities (试点城市).

A team is an organizations.Organization of kind "service_team" whose `parent` is its society;
here are its members (an account, or just a name and affiliation) and the service stations it
serves. A mission's status only changes through service_teams.services.mission_transition, by
the table in service_teams.transitions. A pilot city's actuals are never stored: they are read
from the outcome log (service_teams.selectors.pilot_actuals); an assessment keeps a snapshot.
"""

from decimal import Decimal

from django.conf import settings
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

HOURS_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))]


class MemberRole(models.TextChoices):
    CHIEF = "chief", _("chief scientist")
    LEAD = "lead", _("team lead")
    MEMBER = "member", pgettext_lazy("service team", "member")
    COMMISSIONER = "commissioner", _("science and technology commissioner")


class TeamMember(models.Model):
    """One expert of a service team: with an account on the platform, or just a name and
    affiliation (many academicians never sign in)."""

    team = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("service team"),
        on_delete=models.CASCADE,
        related_name="team_members",
    )
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_team_memberships",
    )
    name = models.CharField(_("name"), max_length=100, validators=[PlainLineValidator(_("name"))])
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    field = models.ForeignKey(
        "taxonomy.Field",
        verbose_name=_("field of expertise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    expertise = models.CharField(_("expertise"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "role", "name", "id"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self):
        return self.name


class StationKind(models.TextChoices):
    EXPERT = "expert", _("expert service station")
    INNOVATION = "innovation", _("enterprise innovation service post")
    SOCIETY = "society", _("society collaboration station")
    HAIZHI = "haizhi", _("Haizhi base")


class ServiceStation(models.Model):
    """Where a team serves between missions (专家服务站, 企业创新服务驿站, 学会协作站, 海智基地)."""

    kind = models.CharField(_("kind"), max_length=16, choices=StationKind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[PlainLineValidator(_("name"))])
    host = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("host organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    teams = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("service teams"),
        related_name="service_stations",
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")

    def __str__(self):
        return self.name


class PilotCity(models.Model):
    """A city (or park) piloting the expert services, with its targets; the actuals come from
    the outcome log of its region and the region's cities."""

    region = models.OneToOneField(
        "taxonomy.Region",
        verbose_name=_("city or park"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=100, validators=[PlainLineValidator(_("name"))])
    batch = models.PositiveSmallIntegerField(
        _("batch"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    starts_on = models.DateField(_("pilot starts on"))
    focus_fields = models.ManyToManyField(
        "taxonomy.Field", verbose_name=_("focus fields"), blank=True, related_name="+"
    )
    lead_societies = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("lead societies"),
        blank=True,
        related_name="led_pilot_cities",
    )
    working_group = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("working group"), blank=True, related_name="+"
    )
    evaluators = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("third-party evaluators"),
        blank=True,
        related_name="evaluated_pilot_cities",
    )
    target_needs = models.PositiveIntegerField(_("target: needs collected"), default=0)
    target_match_rate = models.PositiveSmallIntegerField(
        _("target: need matching rate (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
    )
    target_events = models.PositiveIntegerField(_("target: events held"), default=0)
    target_projects = models.PositiveIntegerField(_("target: cooperation projects"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "name", "id"]
        verbose_name = _("pilot city")
        verbose_name_plural = _("pilot cities")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("service_teams:pilot", kwargs={"pk": self.pk})


class MissionKind(models.TextChoices):
    TRAINING = "training", _("training")
    CONSULTING = "consulting", _("decision consulting")
    EVALUATION = "evaluation", pgettext_lazy("mission", "evaluation")
    TRANSFER = "transfer", _("technology transfer")
    OUTREACH = "outreach", _("science outreach")
    DIAGNOSIS = "diagnosis", _("technical diagnosis")


class MissionStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("mission", "planned")
    REPORTED = "reported", pgettext_lazy("mission", "reported, awaiting the hosts")
    CONFIRMED = "confirmed", pgettext_lazy("mission", "confirmed, awaiting verification")
    VERIFIED = "verified", pgettext_lazy("mission", "verified")
    REJECTED = "rejected", pgettext_lazy("mission", "returned by the CAST office")
    CANCELLED = "cancelled", pgettext_lazy("mission", "cancelled")


class Mission(models.Model):
    """A team's visit to host enterprises of a pilot city, on dates, with the members going."""

    team = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("service team"),
        on_delete=models.PROTECT,
        related_name="missions",
    )
    pilot_city = models.ForeignKey(
        PilotCity, verbose_name=_("pilot city"), on_delete=models.PROTECT, related_name="missions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MissionKind.choices)
    title = models.CharField(
        _("title"), max_length=200, validators=[PlainLineValidator(_("title"))]
    )
    plan = models.TextField(_("plan"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    hosts = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("host enterprises"),
        through="MissionHost",
        related_name="hosted_missions",
    )
    members = models.ManyToManyField(
        TeamMember, verbose_name=_("members going"), through="MissionMember", related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MissionStatus.choices, default=MissionStatus.PLANNED
    )
    summary = models.TextField(_("summary"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)
    problems_answered = models.PositiveIntegerField(_("problems answered"), default=0)
    note = models.TextField(_("CAST office's note"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = acting_user()
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("service mission")
        verbose_name_plural = _("service missions")
        indexes = [models.Index(fields=["status", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="mission_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("service_teams:mission", kwargs={"pk": self.pk})


class MissionHost(models.Model):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="host_rows")
    host = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("host enterprise"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = acting_user()

    class Meta:
        ordering = ["id"]
        verbose_name = _("host enterprise")
        verbose_name_plural = _("host enterprises")
        constraints = [
            models.UniqueConstraint(fields=["mission", "host"], name="one_row_per_mission_host")
        ]

    def __str__(self):
        return f"{self.host_id} @ {self.mission_id}"


class MissionMember(models.Model):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="member_rows")
    member = models.ForeignKey(
        TeamMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    hours = models.DecimalField(
        _("service hours"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("0"),
        validators=HOURS_VALIDATORS,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("member going")
        verbose_name_plural = _("members going")
        constraints = [
            models.UniqueConstraint(fields=["mission", "member"], name="one_row_per_mission_member")
        ]

    def __str__(self):
        return f"{self.member_id} @ {self.mission_id}"


def evidence_path(instance, filename):
    return f"service_teams/missions/{instance.mission_id}/{filename}"


class MissionEvidence(models.Model):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(
        _("evidence"),
        upload_to=evidence_path,
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
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return self.name


class MissionNeed(models.Model):
    """A need collected on the mission: a Need listing of the host, source "mission"."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="collected")
    listing = models.OneToOneField(
        "repositories.Listing", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("collected need")
        verbose_name_plural = _("collected needs")

    def __str__(self):
        return f"{self.listing_id} @ {self.mission_id}"


class ServiceHourRecord(models.Model):
    """A member's verified service hours on a verified mission: written on verification."""

    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="hour_records")
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="hour_records")
    hours = models.DecimalField(_("service hours"), max_digits=6, decimal_places=1)
    verified_at = models.DateTimeField(_("verified"))

    class Meta:
        ordering = ["-verified_at", "id"]
        verbose_name = _("verified service hours")
        verbose_name_plural = _("verified service hours")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "mission"], name="one_hour_record_per_mission_member"
            )
        ]

    def __str__(self):
        return f"{self.member_id}: {self.hours}"


class AssessmentLevel(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    GOOD = "good", _("good")
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


class PilotAssessment(models.Model):
    """A periodic assessment of a pilot city, with the actuals as they stood then."""

    pilot_city = models.ForeignKey(PilotCity, on_delete=models.CASCADE, related_name="assessments")
    period = models.CharField(
        _("period"), max_length=50, validators=[PlainLineValidator(_("period"))]
    )
    assessor = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    level = models.CharField(_("level"), max_length=16, choices=AssessmentLevel.choices)
    findings = models.TextField(_("findings"), max_length=LONG_TEXT_MAX_LENGTH)
    actuals = models.JSONField(_("actuals at the time"), default=dict)
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pilot assessment")
        verbose_name_plural = _("pilot assessments")

    def __str__(self):
        return f"{self.pilot_city_id} {self.period}"
