"""The four repositories (问题库, 成果库, 项目库, 人才库).

Every listing shares one base table (lifecycle, owner, field, region, search text), so the
review queue, attachments, history and later the matcher can treat them alike; each kind
adds its own fields in a child table.
"""

import os

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import LONG_TEXT_MAX_LENGTH, PlainLineValidator
from repositories.validators import (
    AMOUNT_MAX,
    AMOUNT_MIN,
    ATTACHMENT_EXTENSION_MESSAGE,
    ATTACHMENT_EXTENSIONS,
)
from taxonomy.models import IPStatus, Maturity


class ListingKind(models.TextChoices):
    NEED = "need", _("technical need")
    ACHIEVEMENT = "achievement", _("achievement")
    PROJECT = "project", _("project")
    TALENT = "talent", _("talent")


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("awaiting review")
    PUBLISHED = "published", _("published")
    RETURNED = "returned", _("returned for changes")
    CLOSED = "closed", _("closed")


# The fields an author writes for every kind; the relations among them are saved after the row.
COMMON_FIELDS = ["title", "summary", "field", "region", "cooperation_modes"]
RELATION_FIELDS = ("cooperation_modes", "societies")

# The fields an author writes for each kind, besides the common ones: the publish form, the
# API's serializers and the admin show these.
KIND_FIELDS = {
    ListingKind.NEED: [
        "background",
        "problem",
        "target_indicators",
        "constraints",
        "maturity_wanted",
        "budget_min",
        "budget_max",
        "budget_negotiable",
        "deadline",
    ],
    ListingKind.ACHIEVEMENT: [
        "description",
        "innovation_points",
        "application_scenarios",
        "maturity",
        "ip_status",
        "patent_numbers",
        "price",
        "price_negotiable",
        "owner_names",
    ],
    ListingKind.PROJECT: [
        "description",
        "stage",
        "seeking",
        "needs_description",
        "funding_sought",
        "team",
    ],
    ListingKind.TALENT: [
        "institution_name",
        "titles",
        "disciplines",
        "research_interests",
        "representative_achievements",
        "representative_projects",
        "availability",
        "societies",
    ],
}


AMOUNT_VALIDATORS = [MinValueValidator(AMOUNT_MIN), MaxValueValidator(AMOUNT_MAX)]


class ListingSource(models.TextChoices):
    """How a listing came onto the platform: the funnel counts needs collected by expert
    service teams on their missions apart from those their owners posted."""

    POSTED = "posted", _("posted by its owner")
    MISSION = "mission", _("collected by an expert service team on a mission")


class PendingStatus(models.TextChoices):
    """Where the edited revision of a published listing stands; the live version stays up."""

    SUBMITTED = "submitted", _("changes awaiting review")
    RETURNED = "returned", _("changes returned")


class ListingQuerySet(models.QuerySet):
    def live(self):
        """Published and still within its validity period."""
        return self.filter(status=ListingStatus.PUBLISHED, expires_at__gt=timezone.now())


class Listing(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ListingKind.choices, editable=False)
    title = models.CharField(
        _("title"), max_length=200, validators=[PlainLineValidator(_("title"))]
    )
    summary = models.TextField(_("public summary"), max_length=2000)
    confidential_details = models.TextField(
        _("confidential details"),
        blank=True,
        max_length=LONG_TEXT_MAX_LENGTH,
        help_text=_("Shown only to the reviewing CAST staff and to parties you grant access."),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="listings",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="listings"
    )
    field = models.ForeignKey(
        "taxonomy.Field",
        verbose_name=_("technical field"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="listings",
    )
    region = models.ForeignKey(
        "taxonomy.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="listings",
    )
    cooperation_modes = models.ManyToManyField(
        "taxonomy.CooperationMode", verbose_name=_("cooperation modes"), blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=ListingSource.choices,
        default=ListingSource.POSTED,
        editable=False,
    )
    # The edited revision of a published listing, awaiting review or returned: the field
    # values by attribute name, plus cooperation mode codes (and society ids for talents).
    # The published values stay live until a reviewer approves it.
    pending_changes = models.JSONField(
        null=True, blank=True, editable=False, encoder=DjangoJSONEncoder
    )
    pending_status = models.CharField(
        max_length=16, choices=PendingStatus.choices, blank=True, editable=False
    )
    review_note = models.TextField(_("reviewer's reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    # When the owner was last asked to re-confirm; cleared when a new validity period starts.
    reconfirm_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # NULL, not "", for listings made in the UI: the unique constraint applies to imports only.
    external_id = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    completeness = models.PositiveSmallIntegerField(_("completeness"), default=0)
    # jieba tokens of the listing's text, space-separated: what keyword search looks in.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the search index last took this listing in: older than updated_at means dirty.
    indexed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "external_id"], name="unique_listing_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["status", "kind", "expires_at"]),
            # The newest published listings of a kind (home page, browse pages, their
            # totals) without passing the drafts, whose date is empty.
            models.Index(
                fields=["kind", "-published_at", "-id"],
                condition=models.Q(status="published"),
                name="listing_published_newest",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("repositories:detail", kwargs={"kind": self.kind, "pk": self.pk})

    @property
    def specific(self):
        """The child row (Need, Achievement, …) of this listing."""
        return getattr(self, self.kind)

    @property
    def is_expired(self):
        return (
            self.status == ListingStatus.PUBLISHED
            and self.expires_at is not None
            and self.expires_at <= timezone.now()
        )

    @property
    def is_live(self):
        return self.status == ListingStatus.PUBLISHED and not self.is_expired

    @property
    def display_status(self):
        if self.is_expired:
            return _("expired")
        if self.status == ListingStatus.PUBLISHED and self.pending_status:
            return _("%(status)s · %(pending)s") % {
                "status": self.get_status_display(),
                "pending": self.get_pending_status_display(),
            }
        return self.get_status_display()


class Need(Listing):
    """A technical need or problem posted by an enterprise (技术需求 / 问题)."""

    background = models.TextField(_("background"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)
    problem = models.TextField(_("technical problem"), max_length=LONG_TEXT_MAX_LENGTH)
    target_indicators = models.TextField(
        _("target indicators"), blank=True, max_length=LONG_TEXT_MAX_LENGTH
    )
    constraints = models.TextField(_("constraints"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)
    # The least mature solution the enterprise can use (a pilot line cannot take a lab result).
    maturity_wanted = models.PositiveSmallIntegerField(
        _("maturity wanted (at least)"),
        choices=Maturity.choices,
        null=True,
        blank=True,
        validators=[MinValueValidator(Maturity.TRL1), MaxValueValidator(Maturity.TRL9)],
    )
    budget_min = models.DecimalField(
        _("budget from (10k CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=AMOUNT_VALIDATORS,
    )
    budget_max = models.DecimalField(
        _("budget up to (10k CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=AMOUNT_VALIDATORS,
    )
    budget_negotiable = models.BooleanField(_("budget negotiable"), default=False)
    deadline = models.DateField(_("solution wanted by"), null=True, blank=True)

    class Meta:
        verbose_name = _("technical need")
        verbose_name_plural = _("technical needs")


class Achievement(Listing):
    """A scientific or technological achievement offered for transfer (科技成果)."""

    description = models.TextField(_("technical description"), max_length=LONG_TEXT_MAX_LENGTH)
    innovation_points = models.TextField(
        _("innovation points"), blank=True, max_length=LONG_TEXT_MAX_LENGTH
    )
    application_scenarios = models.TextField(
        _("application scenarios"), blank=True, max_length=LONG_TEXT_MAX_LENGTH
    )
    # Explicit bounds keep the API schema the same on every database backend.
    maturity = models.PositiveSmallIntegerField(
        _("maturity"),
        choices=Maturity.choices,
        null=True,
        blank=True,
        validators=[MinValueValidator(Maturity.TRL1), MaxValueValidator(Maturity.TRL9)],
    )
    # The TRL an achievement evaluation (evaluations) found, once final: set by that service,
    # never by the owner, and shown beside the self-declared maturity.
    evaluated_maturity = models.PositiveSmallIntegerField(
        _("evaluated maturity"),
        choices=Maturity.choices,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(Maturity.TRL1), MaxValueValidator(Maturity.TRL9)],
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True, editable=False)
    ip_status = models.CharField(
        _("IP status"), max_length=20, choices=IPStatus.choices, default=IPStatus.NONE
    )
    patent_numbers = models.CharField(_("patent numbers"), max_length=255, blank=True)
    price = models.DecimalField(
        _("price (10k CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=AMOUNT_VALIDATORS,
    )
    price_negotiable = models.BooleanField(_("price negotiable"), default=False)
    owner_names = models.CharField(
        _("owners (people)"),
        max_length=255,
        blank=True,
        help_text=_("The people who own or developed the achievement, separated by commas."),
    )

    class Meta:
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")


class Project(Listing):
    """A project seeking partners, funding or a pilot site (项目)."""

    class Stage(models.TextChoices):
        IDEA = "idea", _("idea")
        RESEARCH = "research", _("research and development")
        PILOT = "pilot", _("pilot / trial production")
        SCALE_UP = "scale_up", _("scale-up")
        INDUSTRIAL = "industrial", _("industrialization")

    class Seeking(models.TextChoices):
        PARTNER = "partner", _("partners")
        FUNDING = "funding", _("funding")
        PILOT_SITE = "pilot_site", _("a pilot site")
        TALENT = "talent", _("talent")
        MARKET = "market", _("market channels")

    description = models.TextField(_("project description"), max_length=LONG_TEXT_MAX_LENGTH)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    seeking = models.JSONField(_("seeking"), default=list)
    needs_description = models.TextField(
        _("what the project needs"), blank=True, max_length=LONG_TEXT_MAX_LENGTH
    )
    funding_sought = models.DecimalField(
        _("funding sought (10k CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=AMOUNT_VALIDATORS,
    )
    team = models.TextField(_("team"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def get_seeking_display(self):
        labels = dict(self.Seeking.choices)
        return [labels.get(code, code) for code in self.seeking]


class Talent(Listing):
    """An expert's profile (人才 / 专家). `title` holds the person's name."""

    class Availability(models.TextChoices):
        CONSULTING = "consulting", _("consulting")
        PART_TIME = "part_time", _("part-time position")
        ON_SITE = "on_site", _("on-site service")
        REMOTE = "remote", _("remote service")
        UNAVAILABLE = "unavailable", _("not available now")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talent_profiles",
    )
    institution_name = models.CharField(_("institution"), max_length=128)
    titles = models.CharField(_("titles"), max_length=128, blank=True)
    disciplines = models.CharField(_("disciplines"), max_length=255)
    research_interests = models.TextField(_("research interests"), max_length=LONG_TEXT_MAX_LENGTH)
    representative_achievements = models.TextField(
        _("representative achievements"), blank=True, max_length=LONG_TEXT_MAX_LENGTH
    )
    representative_projects = models.TextField(
        _("representative projects"), blank=True, max_length=LONG_TEXT_MAX_LENGTH
    )
    availability = models.CharField(
        _("service availability"),
        max_length=16,
        choices=Availability.choices,
        default=Availability.CONSULTING,
    )
    societies = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("society memberships"),
        blank=True,
        related_name="member_talents",
        limit_choices_to={"kind": "society"},
    )

    class Meta:
        verbose_name = _("talent")
        verbose_name_plural = _("talents")


def attachment_path(instance, filename):
    return f"attachments/{instance.listing_id}/{filename}"


class Attachment(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("file"),
        upload_to=attachment_path,
        validators=[
            FileExtensionValidator(ATTACHMENT_EXTENSIONS, message=ATTACHMENT_EXTENSION_MESSAGE)
        ],
    )
    is_confidential = models.BooleanField(_("confidential"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.filename

    @property
    def filename(self):
        return os.path.basename(self.file.name)


class ListingRevision(models.Model):
    """One entry of a listing's history: who did what, and which fields changed."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        SUBMITTED = "submitted", _("submitted for review")
        APPROVED = "approved", _("approved and published")
        RETURNED = "returned", _("returned for changes")
        CHANGES_SUBMITTED = "changes_submitted", _("changes submitted for review")
        CHANGES_APPROVED = "changes_approved", _("changes approved and published")
        CHANGES_RETURNED = "changes_returned", _("changes returned")
        RECONFIRMED = "reconfirmed", _("validity re-confirmed")
        CLOSED = "closed", _("closed")
        IMPORTED = "imported", _("imported")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="revisions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.listing_id} {self.action}"


class DetailAccessRequest(models.Model):
    """An organization asks to see a listing's confidential details; the owner decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        GRANTED = "granted", _("granted")
        DECLINED = "declined", _("declined")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="access_requests")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="access_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField(_("message"), max_length=1000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "organization"], name="unique_access_request"
            )
        ]

    def __str__(self):
        return f"{self.organization_id} → {self.listing_id}"


MODEL_BY_KIND = {
    ListingKind.NEED: Need,
    ListingKind.ACHIEVEMENT: Achievement,
    ListingKind.PROJECT: Project,
    ListingKind.TALENT: Talent,
}
KIND_BY_MODEL = {model: kind for kind, model in MODEL_BY_KIND.items()}


def kind_text_fields(kind: str) -> list[str]:
    """The free-text fields among the kind's own (no choices, numbers or dates): what an
    import reads as text and what keyword search reads."""
    model = MODEL_BY_KIND[kind]
    text_fields = []
    for name in KIND_FIELDS[kind]:
        field = model._meta.get_field(name)
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            text_fields.append(name)
    return text_fields
