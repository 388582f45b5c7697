"""Contact between two organizations: what each shares, requests, conversations, messages.

A conversation is the platform's record that two organizations are in contact: opened when
both sides of an approved match answer "interested", or when the owner of a listing accepts a
contact request. Deals (a later slice) open from a conversation: it names both parties, what
it is about (the listing, the match) and the region whose CAST staff oversee it.
"""

import os
import uuid

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.validators import PlainLineValidator, validate_phone
from outcomes.reasons import RefusalReason
from repositories.validators import ATTACHMENT_EXTENSION_MESSAGE, ATTACHMENT_EXTENSIONS

MESSAGE_MAX_LENGTH = 5000
REQUEST_MESSAGE_MAX_LENGTH = 1000


class SharedContact(models.Model):
    """The contact person an organization shows to its counterparts, and only to them.

    Without a row the organization's own contact (its profile's contact person, phone and
    e-mail) is shared.
    """

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="shared_contact",
    )
    name = models.CharField(
        _("contact person"), max_length=64, validators=[PlainLineValidator(_("contact person"))]
    )
    phone = models.CharField(_("contact phone"), max_length=20, validators=[validate_phone])
    email = models.EmailField(_("contact e-mail"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shared contact")
        verbose_name_plural = _("shared contacts")

    def __str__(self):
        return f"{self.organization}: {self.name}"


# Why a contact request is declined: the platform's one list of reasons for saying no.
DeclineReason = RefusalReason


class Conversation(models.Model):
    """Two organizations in contact about a listing (and the match that brought them together).

    Seen by the members of both parties and, for oversight, by the CAST staff of `region`
    (the need's region); by nobody else.
    """

    class Origin(models.TextChoices):
        MATCH = "match", _("both sides of a match are interested")
        REQUEST = "request", _("contact request accepted")
        PROGRAM = "program", _("a challenge's award or a roadshow intent")

    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    # The two parties: for a match the need's organization and the supply's; for a request
    # the requester and the listing's owner.
    party_a = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("party"),
        on_delete=models.PROTECT,
        related_name="conversations_as_a",
    )
    party_b = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("counterpart"),
        on_delete=models.PROTECT,
        related_name="conversations_as_b",
    )
    subject = models.CharField(
        _("subject"), max_length=200, validators=[PlainLineValidator(_("subject"))]
    )
    listing = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("listing"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    match = models.OneToOneField(
        "matching.Match",
        verbose_name=_("match"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversation",
    )
    # Whose CAST staff oversee it: the need's region.
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.ForeignKey(
        "taxonomy.Field", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-opened_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["party_a", "-last_message_at"]),
            models.Index(fields=["party_b", "-last_message_at"]),
            models.Index(fields=["region", "-opened_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(party_a=models.F("party_b")), name="conversation_two_parties"
            )
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("conversations:detail", kwargs={"pk": self.pk})

    @property
    def party_ids(self):
        return (self.party_a_id, self.party_b_id)

    @property
    def listing_ids(self):
        """The listings it is about: its own (a match's need, the listing asked about) and a
        match's supply listing. A technology manager mandated on one of them by its party acts
        for that party here."""
        supply_id = self.match.supply_listing_id if self.match_id else None
        return tuple(pk for pk in (self.listing_id, supply_id) if pk is not None)

    def other_party_id(self, organization_id):
        return self.party_b_id if organization_id == self.party_a_id else self.party_a_id


class ContactRequest(models.Model):
    """“我要对接”: an organization asks a listing's owner for contact; accepting opens a
    conversation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting the owner's answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    listing = models.ForeignKey(
        "repositories.Listing",
        verbose_name=_("listing"),
        on_delete=models.CASCADE,
        related_name="contact_requests",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("requesting organization"),
        on_delete=models.CASCADE,
        related_name="contact_requests_sent",
    )
    owner = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("listing owner"),
        on_delete=models.CASCADE,
        related_name="contact_requests_received",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(_("message"), max_length=REQUEST_MESSAGE_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decline_reason = models.CharField(
        _("reason"), max_length=32, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("note"), blank=True, max_length=1000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    conversation = models.OneToOneField(
        Conversation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_request",
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "organization"],
                condition=models.Q(status="pending"),
                name="one_pending_contact_request",
            )
        ]
        indexes = [models.Index(fields=["owner", "status", "-created_at"])]

    def __str__(self):
        return f"{self.organization} → {self.listing}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sender_organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    # Written by the organization's technology manager by mandate, not by one of its members:
    # the counterpart is told so beside the name.
    by_mandate = models.BooleanField(_("by the technology manager"), default=False)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["conversation", "id"])]

    def __str__(self):
        return self.body[:50]


def message_attachment_path(instance, filename):
    """A random name: the file is reached through a permission check, never by guessing."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"conversations/{uuid.uuid4().hex}.{extension}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("file"),
        upload_to=message_attachment_path,
        validators=[
            FileExtensionValidator(ATTACHMENT_EXTENSIONS, message=ATTACHMENT_EXTENSION_MESSAGE)
        ],
    )
    # The name the sender gave it, shown and used for the download.
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name

    @property
    def stored_name(self):
        return os.path.basename(self.file.name)


class ReadMark(models.Model):
    """How far a person has read a conversation: messages after it count as unread.

    `organization` is the party the reader belongs to (empty for the overseeing CAST staff):
    the other party sees its messages as read once one of that party's people read them.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="read_marks"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, null=True, related_name="+"
    )
    last_read_message_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_read_mark")
        ]

    def __str__(self):
        return f"{self.user_id}@{self.conversation_id}: {self.last_read_message_id}"


class Block(models.Model):
    """An organization stops another from asking it for contact and from writing to it."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="blocks",
    )
    blocked = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("blocked organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["organization", "blocked"], name="unique_block")
        ]

    def __str__(self):
        return f"{self.organization} ⊘ {self.blocked}"


class AbuseReport(models.Model):
    """Spam or abuse reported to the CAST staff of the conversation's (or request's) region."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("spam or advertising")
        HARASSMENT = "harassment", _("harassment or abuse")
        FRAUD = "fraud", _("fraud or false information")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
    )
    contact_request = models.ForeignKey(
        ContactRequest,
        verbose_name=_("contact request"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reporter_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("reporting organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reported_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("reported organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    region = models.ForeignKey(
        "taxonomy.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("details"), blank=True, max_length=1000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True, max_length=1000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("abuse report")
        verbose_name_plural = _("abuse reports")
        indexes = [models.Index(fields=["region", "status", "-created_at"])]

    def __str__(self):
        return f"{self.reported_organization}: {self.get_reason_display()}"
