"""路演 roadshows: a host organization's event where organizations pitch their own projects and
achievements to registered attendees, online, offline or both.

A roadshow's status only changes through roadshows.services.roadshow_transition, by the table in
roadshows.transitions. Pitches, registrations, meetings and intents have their own small
lifecycles, each step a service in roadshows.services that records an outcome event.

Only the host's validated attendees see the live-stream link, ask questions and request
one-to-one meetings; an intent the presenter accepts opens a deal (deals.Deal, origin roadshow).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import acting_user
from core.validators import LONG_TEXT_MAX_LENGTH, PlainLineValidator

TEXT_MAX_LENGTH = LONG_TEXT_MAX_LENGTH


class RoadshowStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("roadshow", "draft")
    PUBLISHED = "published", pgettext_lazy("roadshow", "published")
    HELD = "held", pgettext_lazy("roadshow", "held")
    CANCELLED = "cancelled", pgettext_lazy("roadshow", "cancelled")


# Seen by everyone (and listed).
ROADSHOW_PUBLIC = frozenset(
    {RoadshowStatus.PUBLISHED, RoadshowStatus.HELD, RoadshowStatus.CANCELLED}
)


class RoadshowFormat(models.TextChoices):
    ONLINE = "online", _("online")
    OFFLINE = "offline", _("offline")
    HYBRID = "hybrid", _("online and offline")


class Roadshow(models.Model):
    host = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("host"),
        on_delete=models.PROTECT,
        related_name="roadshows",
    )
    title = models.CharField(
        _("title"), max_length=200, validators=[PlainLineValidator(_("title"))]
    )
    theme = models.TextField(_("theme"), max_length=2000)
    field = models.ForeignKey(
        "taxonomy.Field",
        verbose_name=_("technical field"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    format = models.CharField(
        _("format"), max_length=8, choices=RoadshowFormat.choices, default=RoadshowFormat.ONLINE
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    stream_url = models.URLField(_("live-stream link"), blank=True)
    is_competition = models.BooleanField(_("competition"), default=False)
    pitches_close_on = models.DateField(_("call for pitches closes on"))
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RoadshowStatus.choices, default=RoadshowStatus.DRAFT
    )
    status_note = models.TextField(_("note"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("roadshow")
        verbose_name_plural = _("roadshows")
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="roadshow_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("roadshows:detail", kwargs={"pk": self.pk})

    @property
    def is_online(self) -> bool:
        return self.format in (RoadshowFormat.ONLINE, RoadshowFormat.HYBRID)

    @property
    def is_offline(self) -> bool:
        return self.format in (RoadshowFormat.OFFLINE, RoadshowFormat.HYBRID)


class Pitch(models.Model):
    """An organization presents its own published project or achievement."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("pitch", "submitted")
        SELECTED = "selected", pgettext_lazy("pitch", "selected")
        DECLINED = "declined", pgettext_lazy("pitch", "declined")

    roadshow = models.ForeignKey(Roadshow, on_delete=models.CASCADE, related_name="pitches")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("presenter"),
        on_delete=models.PROTECT,
        related_name="roadshow_pitches",
    )
    listing = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("project or achievement"),
        on_delete=models.PROTECT,
        related_name="roadshow_pitches",
    )
    summary = models.TextField(_("pitch summary"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    decline_reason = models.TextField(_("reason"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), null=True, blank=True)
    slot_starts_at = models.DateTimeField(_("slot starts at"), null=True, blank=True)
    slot_ends_at = models.DateTimeField(_("slot ends at"), null=True, blank=True)
    replay_url = models.URLField(_("replay link"), blank=True)
    submitted_by = acting_user()
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "slot_starts_at", "id"]
        verbose_name = _("pitch")
        verbose_name_plural = _("pitches")
        constraints = [
            models.UniqueConstraint(
                fields=["roadshow", "listing"], name="one_pitch_per_listing_per_roadshow"
            )
        ]

    def __str__(self):
        return f"{self.listing} @ {self.roadshow_id}"

    def get_absolute_url(self):
        return f"{self.roadshow.get_absolute_url()}#pitch-{self.pk}"


class Registration(models.Model):
    """A person of a verified organization registers; the host validates."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("registration", "awaiting validation")
        VALIDATED = "validated", pgettext_lazy("registration", "validated")
        REFUSED = "refused", pgettext_lazy("registration", "refused")

    roadshow = models.ForeignKey(Roadshow, on_delete=models.CASCADE, related_name="registrations")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roadshow_registrations"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["roadshow", "user"], name="one_registration_per_user")
        ]

    def __str__(self):
        return f"{self.user_id} → {self.roadshow_id}"


class PanelMember(models.Model):
    roadshow = models.ForeignKey(Roadshow, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        constraints = [
            models.UniqueConstraint(fields=["roadshow", "user"], name="one_panel_seat_per_user")
        ]

    def __str__(self):
        return f"{self.user_id} @ {self.roadshow_id}"


class Criterion(models.Model):
    roadshow = models.ForeignKey(Roadshow, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(
        _("criterion"), max_length=100, validators=[PlainLineValidator(_("criterion"))]
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self):
        return f"{self.name} ×{self.weight}"


class Score(models.Model):
    pitch = models.ForeignKey(Pitch, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["pitch", "criterion", "judge"], name="one_score_per_judge_criterion"
            )
        ]

    def __str__(self):
        return f"{self.pitch_id}/{self.criterion_id}: {self.value}"


class Question(models.Model):
    """An attendee asks a pitch; the presenter answers; seen by the attendees."""

    pitch = models.ForeignKey(Pitch, on_delete=models.CASCADE, related_name="questions")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("question"), max_length=2000)
    answer = models.TextField(_("answer"), blank=True, max_length=TEXT_MAX_LENGTH)
    asked_by = acting_user()
    answered_by = acting_user()
    asked_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        verbose_name = _("pitch question")
        verbose_name_plural = _("pitch questions")

    def __str__(self):
        return self.text[:50]


class Meeting(models.Model):
    """A one-to-one meeting a validated attendee requests with a pitch's presenter."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("meeting", "requested")
        ACCEPTED = "accepted", pgettext_lazy("meeting", "accepted")
        DECLINED = "declined", pgettext_lazy("meeting", "declined")
        HELD = "held", pgettext_lazy("meeting", "held")

    pitch = models.ForeignKey(Pitch, on_delete=models.CASCADE, related_name="meetings")
    presenter = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("presenter"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    attendee = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("attendee"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    attendee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    decline_reason = models.TextField(_("reason"), blank=True)
    decided_by = acting_user()
    decided_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    reminded_day_at = models.DateTimeField(null=True, blank=True)
    reminded_hour_at = models.DateTimeField(null=True, blank=True)
    # How many of the follow-up prompts (ROADSHOW_FOLLOW_UP_DAYS) were sent.
    follow_ups_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("one-to-one meeting")
        verbose_name_plural = _("one-to-one meetings")
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return f"{self.attendee_id} ↔ {self.presenter_id} {self.starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("roadshows:mine")


class Intent(models.Model):
    class Kind(models.TextChoices):
        INVEST = "invest", _("invest")
        LICENSE = "license", _("license")
        CO_DEVELOP = "co_develop", _("co-develop")
        PILOT = "pilot", _("pilot")
        BUY = "buy", _("buy")

    class Status(models.TextChoices):
        EXPRESSED = "expressed", pgettext_lazy("intent", "expressed")
        ACCEPTED = "accepted", pgettext_lazy("intent", "accepted")
        DECLINED = "declined", pgettext_lazy("intent", "declined")

    pitch = models.ForeignKey(Pitch, on_delete=models.CASCADE, related_name="intents")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("interested organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("intent"), max_length=16, choices=Kind.choices)
    note = models.TextField(_("note"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.EXPRESSED
    )
    decline_reason = models.TextField(_("reason"), blank=True)
    deal = models.ForeignKey(
        "deals.Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expressed_by = acting_user()
    decided_by = acting_user()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("intent")
        verbose_name_plural = _("intents")
        constraints = [
            models.UniqueConstraint(
                fields=["pitch", "organization"],
                condition=models.Q(status="expressed"),
                name="one_open_intent_per_organization",
            )
        ]

    def __str__(self):
        return f"{self.organization_id} → {self.pitch_id}: {self.kind}"
