"""Writes about contact: what an organization shares, contact requests and their answers,
conversations opened from a match or a request, messages with attachments, read marks,
blocks and reports to the CAST staff.

Every change that opens contact records its fact in the outcome log (contact.requested,
contact.accepted, contact.declined, conversation.opened) in the same transaction; the people
concerned are told through the notification centre and by e-mail (notify writes the outbox in
that transaction), and a party's programs hear of new messages by webhook (message.created).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from conversations.models import (
    MESSAGE_MAX_LENGTH,
    REQUEST_MESSAGE_MAX_LENGTH,
    AbuseReport,
    Block,
    ContactRequest,
    Conversation,
    DeclineReason,
    Message,
    MessageAttachment,
    ReadMark,
    SharedContact,
)
from conversations.permissions import (
    abuse_report_can_resolve,
    contact_request_acts_for_owner,
    contact_request_can_read,
    conversation_member_party_id,
    conversation_party_organization_id,
    shared_contact_can_set,
)
from conversations.selectors import block_exists_between, unread_cache_key
from conversations.throttling import contact_request_throttle, message_throttle
from core.uploads import upload_check_content, upload_clean_name
from core.web import site_url
from matching.models import Match, MatchAnswer
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Organization
from organizations.selectors import Actor, organization_reviewers, region_office
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import Listing, ListingKind
from taxonomy.models import Region
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit

# Answers to a match that ask for contact: "interested", or "contacted" (already in touch).
POSITIVE_ANSWERS = frozenset({MatchAnswer.Answer.INTERESTED, MatchAnswer.Answer.CONTACTED})
MAX_FILES_PER_MESSAGE = 5


# --- what an organization shares ---------------------------------------------------------


@transaction.atomic
def shared_contact_set(
    *, actor: Actor, organization: Organization, name: str, phone: str, email: str = ""
) -> SharedContact:
    """Choose the contact person shown to counterparts (an administrator, in person)."""
    if not shared_contact_can_set(actor=actor, organization_id=organization.pk):
        raise PermissionDenied(_("Only the organization's administrators choose its contact."))
    contact = SharedContact.objects.filter(organization=organization).first() or SharedContact(
        organization=organization
    )
    contact.name, contact.phone, contact.email = name.strip(), phone.strip(), email.strip()
    contact.updated_by = actor.user
    contact.full_clean()
    contact.save()
    return contact


def shared_contact_reset(*, actor: Actor, organization: Organization) -> None:
    """Share the organization's profile contact again."""
    if not shared_contact_can_set(actor=actor, organization_id=organization.pk):
        raise PermissionDenied(_("Only the organization's administrators choose its contact."))
    SharedContact.objects.filter(organization=organization).delete()


# --- opening a conversation ----------------------------------------------------------------


def _oversight_region_id(*, listing: Listing, requester: Organization) -> int:
    """Whose CAST staff oversee contact about a listing: the need's region; for supply (an
    achievement, project or expert) the region of the organization that seeks it."""
    return listing.region_id if listing.kind == ListingKind.NEED else requester.region_id


def _conversation_open(
    *,
    origin: str,
    party_a: Organization,
    party_b: Organization,
    subject: str,
    region_id: int,
    listing: Listing | None = None,
    match: Match | None = None,
    field_id: int | None = None,
    user=None,
) -> Conversation:
    conversation = Conversation.objects.create(
        origin=origin,
        party_a=party_a,
        party_b=party_b,
        subject=subject[:200],
        listing=listing,
        match=match,
        region_id=region_id,
        field_id=field_id,
    )
    outcome_record(
        name=OutcomeEvent.Name.CONVERSATION_OPENED,
        subject_type="conversation",
        subject_id=conversation.pk,
        actor=user,
        organization=party_a,
        counterpart=party_b,
        region_id=region_id,
        field_id=field_id,
        data={
            "origin": origin,
            "listing": listing.pk if listing else None,
            "match": match.pk if match else None,
            # The need it is about, for the funnel of needs (None: contact about supply only).
            "need": match.need_id
            if match
            else (listing.pk if listing and listing.kind == ListingKind.NEED else None),
        },
    )
    for own, other in ((party_a, party_b), (party_b, party_a)):
        notify_organization(
            organization=own,
            topic=Notification.Topic.CONTACT,
            title=lambda other=other: (
                _("You are in contact with %(organization)s: %(subject)s")
                % {"organization": other.name, "subject": conversation.subject}
            ),
            body=lambda: _("Each side now sees the other's contact person; write on the platform."),
            url=conversation.get_absolute_url(),
        )
    return conversation


def conversation_open_for_match(*, match_id: int, user=None) -> Conversation | None:
    """Open the conversation of an approved match once both sides asked for contact.

    Runs in the transaction of the second answer (conversations.receivers); safe to call
    again: one conversation per match. None while a side has not answered so, or when one
    side blocked the other.
    """
    match = (
        Match.objects.select_related(
            "need__organization", "supply_listing__organization", "supply_team"
        )
        .filter(pk=match_id)
        .first()
    )
    if match is None or match.status != Match.Status.APPROVED:
        return None
    existing = Conversation.objects.filter(match=match).first()
    if existing is not None:
        return existing
    need_side, supply_side = match.need.organization, match.supply_organization
    answers = dict(MatchAnswer.objects.filter(match=match).values_list("organization_id", "answer"))
    if not all(answers.get(side.pk) in POSITIVE_ANSWERS for side in (need_side, supply_side)):
        return None
    if block_exists_between(organization_id=need_side.pk, other_id=supply_side.pk):
        return None
    return _conversation_open(
        origin=Conversation.Origin.MATCH,
        party_a=need_side,
        party_b=supply_side,
        subject=match.need.title,
        region_id=match.region_id,
        listing=match.need,
        match=match,
        field_id=match.need.field_id,
        user=user,
    )


def conversation_open_for_program(
    *,
    demand_party: Organization,
    supply_party: Organization,
    subject: str,
    region_id: int,
    listing: Listing | None = None,
    field_id: int | None = None,
    user=None,
) -> Conversation:
    """A programme's decision puts two organizations in contact: a challenge's sponsor and its
    winner, a roadshow's presenter and the attendee whose intent it accepted. The caller has
    checked who may decide; the demand side is party_a, as for a match."""
    if demand_party.pk == supply_party.pk:
        raise ValidationError(_("An organization cannot be in contact with itself."))
    return _conversation_open(
        origin=Conversation.Origin.PROGRAM,
        party_a=demand_party,
        party_b=supply_party,
        subject=" ".join(subject.split()),
        region_id=region_id,
        listing=listing,
        field_id=field_id,
        user=user,
    )


# --- contact requests ("我要对接") ---------------------------------------------------------


@transaction.atomic
def contact_request_create(
    *, actor: Actor, listing: Listing, organization: Organization, message: str
) -> ContactRequest:
    """Ask a published listing's owner for contact, in the name of one's organization."""
    if organization.pk not in actor.organization_ids:
        raise PermissionDenied(_("You can ask for contact only for your own organization."))
    errors = {}
    message = message.strip()
    if organization.kind == Organization.Kind.CAST_OFFICE:
        errors["organization"] = _(
            "A CAST office oversees contact between organizations; it does not ask for it."
        )
    elif not organization.is_verified:
        errors["organization"] = _(
            "Your organization must be verified by its CAST office before it asks for contact."
        )
    if listing.organization_id == organization.pk:
        errors["listing"] = _("This listing is your own organization's.")
    elif not Listing.objects.live().filter(pk=listing.pk).exists():
        errors["listing"] = _("Contact can be asked for only on a published, current listing.")
    if not message:
        errors["message"] = _("Write a short message: who you are and what you would like.")
    elif len(message) > REQUEST_MESSAGE_MAX_LENGTH:
        errors["message"] = _("Keep the message within %(limit)d characters.") % {
            "limit": REQUEST_MESSAGE_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    owner = listing.organization
    if block_exists_between(organization_id=organization.pk, other_id=owner.pk):
        raise ValidationError(_("This organization does not take contact requests from yours."))
    if ContactRequest.objects.filter(
        listing=listing, organization=organization, status=ContactRequest.Status.PENDING
    ).exists():
        raise ValidationError(
            _(
                "Your organization already asked for contact on this listing; the owner has "
                "not answered yet."
            )
        )
    if (
        Conversation.objects.filter(listing=listing, party_a=organization, party_b=owner).exists()
        or Conversation.objects.filter(
            listing=listing, party_a=owner, party_b=organization
        ).exists()
    ):
        raise ValidationError(_("Your organization is already in contact about this listing."))
    contact_request_throttle(organization_id=organization.pk)
    request = ContactRequest.objects.create(
        listing=listing,
        organization=organization,
        owner=owner,
        requested_by=actor.user,
        message=message,
    )
    outcome_record(
        name=OutcomeEvent.Name.CONTACT_REQUESTED,
        subject_type="contact_request",
        subject_id=request.pk,
        actor=actor.user,
        organization=organization,
        counterpart=owner,
        region_id=_oversight_region_id(listing=listing, requester=organization),
        field_id=listing.field_id,
        data={"listing": listing.pk},
    )
    notify_organization(
        organization=owner,
        topic=Notification.Topic.CONTACT,
        title=lambda: (
            _("%(organization)s asks for contact about “%(title)s”")
            % {"organization": organization.name, "title": listing.title}
        ),
        body=message,
        url=reverse("conversations:requests"),
        listing_ids=[listing.pk],
    )
    return request


def _decidable(actor: Actor, contact_request: ContactRequest) -> None:
    if not contact_request_can_read(actor=actor, contact_request=contact_request):
        raise PermissionDenied(_("Only the listing's owner can answer this request."))
    if not contact_request_acts_for_owner(actor=actor, contact_request=contact_request):
        raise PermissionDenied(_("Only the listing's owner can answer this request."))
    if contact_request.status != ContactRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."))


@transaction.atomic
def contact_request_accept(*, actor: Actor, contact_request: ContactRequest) -> Conversation:
    """The owner accepts: both sides see each other's contact and get a conversation."""
    contact_request = ContactRequest.objects.select_for_update().get(pk=contact_request.pk)
    _decidable(actor, contact_request)
    requester, owner = contact_request.organization, contact_request.owner
    if block_exists_between(organization_id=requester.pk, other_id=owner.pk):
        raise ValidationError(_("Unblock this organization before accepting its request."))
    listing = contact_request.listing
    contact_request.status = ContactRequest.Status.ACCEPTED
    contact_request.decided_by = actor.user
    contact_request.decided_at = timezone.now()
    region_id = _oversight_region_id(listing=listing, requester=requester)
    outcome_record(
        name=OutcomeEvent.Name.CONTACT_ACCEPTED,
        subject_type="contact_request",
        subject_id=contact_request.pk,
        actor=actor.user,
        organization=owner,
        counterpart=requester,
        region_id=region_id,
        field_id=listing.field_id,
        data={"listing": listing.pk},
    )
    conversation = _conversation_open(
        origin=Conversation.Origin.REQUEST,
        party_a=requester,
        party_b=owner,
        subject=listing.title,
        region_id=region_id,
        listing=listing,
        field_id=listing.field_id,
        user=actor.user,
    )
    contact_request.conversation = conversation
    contact_request.save(update_fields=["status", "decided_by", "decided_at", "conversation"])
    # The request's message opens the conversation, so that both sides see how it began.
    Message.objects.create(
        conversation=conversation,
        sender=contact_request.requested_by,
        sender_organization=requester,
        body=contact_request.message,
    )
    conversation.last_message_at = timezone.now()
    conversation.save(update_fields=["last_message_at"])
    return conversation


@transaction.atomic
def contact_request_decline(
    *, actor: Actor, contact_request: ContactRequest, reason: str, note: str = ""
) -> ContactRequest:
    """The owner declines with one of the shared reasons; the requester is told."""
    contact_request = ContactRequest.objects.select_for_update().get(pk=contact_request.pk)
    _decidable(actor, contact_request)
    errors = {}
    if reason not in DeclineReason.values:
        errors["reason"] = _("Choose why you decline from the list.")
    note = note.strip()
    if len(note) > 1000:
        errors["note"] = _("Keep the note within 1000 characters.")
    if errors:
        raise ValidationError(errors)
    listing = contact_request.listing
    contact_request.status = ContactRequest.Status.DECLINED
    contact_request.decline_reason = reason
    contact_request.decline_note = note
    contact_request.decided_by = actor.user
    contact_request.decided_at = timezone.now()
    contact_request.save(
        update_fields=["status", "decline_reason", "decline_note", "decided_by", "decided_at"]
    )
    outcome_record(
        name=OutcomeEvent.Name.CONTACT_DECLINED,
        subject_type="contact_request",
        subject_id=contact_request.pk,
        actor=actor.user,
        organization=contact_request.owner,
        counterpart=contact_request.organization,
        region_id=_oversight_region_id(listing=listing, requester=contact_request.organization),
        field_id=listing.field_id,
        data={"listing": listing.pk, "reason": reason},
    )
    notify_organization(
        organization=contact_request.organization,
        topic=Notification.Topic.CONTACT,
        title=lambda: (
            _("%(organization)s declined your contact request about “%(title)s”: %(reason)s")
            % {
                "organization": contact_request.owner.name,
                "title": listing.title,
                "reason": contact_request.get_decline_reason_display(),
            }
        ),
        body=note,
        url=reverse("conversations:requests") + "?box=sent",
    )
    return contact_request


# --- messages ------------------------------------------------------------------------------


def _check_files(files: Sequence[File]) -> None:
    label = capfirst(MessageAttachment._meta.get_field("file").verbose_name)
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise ValidationError(
            {"files": _("At most %(count)d files per message.") % {"count": MAX_FILES_PER_MESSAGE}}
        )
    limit = settings.CONVERSATION_ATTACHMENT_MAX_MB
    for file in files:
        if file.size > limit * 1024 * 1024:
            raise ValidationError(
                {
                    "files": _("%(name)s is larger than %(size)d MB.")
                    % {"name": upload_clean_name(file.name), "size": limit}
                }
            )
        probe = MessageAttachment(file=file, name=upload_clean_name(file.name))
        try:
            probe.clean_fields(exclude=["message", "name", "size"])
        except ValidationError as error:
            raise ValidationError(
                {"files": error.message_dict.get("file", error.messages)}
            ) from error
        upload_check_content(file, field="files", label=label)


@transaction.atomic
def message_send(
    *, actor: Actor, conversation: Conversation, body: str, files: Sequence[File] = ()
) -> Message:
    """A party writes: the other party's members are told (in-app and by e-mail) and its
    programs get message.created. The sender's own read mark moves past the message."""
    own = conversation_party_organization_id(actor=actor, conversation=conversation)
    if own is None:
        raise PermissionDenied(_("Only the two parties write in a conversation."))
    body = body.replace("\x00", "").strip()
    files = list(files)
    if not body and not files:
        raise ValidationError({"body": _("Write a message or attach a file.")})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("Keep a message within %(limit)d characters.")
                % {"limit": MESSAGE_MAX_LENGTH}
            }
        )
    _check_files(files)
    other_id = conversation.other_party_id(own)
    if block_exists_between(organization_id=own, other_id=other_id):
        raise ValidationError(
            _("Messages cannot be sent: one of the two organizations has blocked the other.")
        )
    message_throttle(user_id=actor.user.pk)
    message = Message.objects.create(
        conversation=conversation,
        sender=actor.user,
        sender_organization_id=own,
        body=body,
        by_mandate=conversation_member_party_id(actor=actor, conversation=conversation) is None,
    )
    attachments = [
        MessageAttachment.objects.create(
            message=message, file=file, name=upload_clean_name(file.name), size=file.size
        )
        for file in files
    ]
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    conversation.last_message_at = message.created_at
    _mark(conversation=conversation, user=actor.user, organization_id=own, upto=message.pk)
    sender = Organization.objects.get(pk=own)
    other = Organization.objects.get(pk=other_id)
    told = notify_organization(
        organization=other,
        topic=Notification.Topic.MESSAGE,
        title=lambda: (
            _("New message from %(organization)s: %(subject)s")
            % {"organization": sender.name, "subject": conversation.subject}
        ),
        body=lambda: body[:500] or _("(files only)"),
        url=conversation.get_absolute_url(),
        listing_ids=conversation.listing_ids,
    )
    _forget_unread(notification.user_id for notification in told)
    webhook_emit(
        organization=other,
        event=WebhookEvent.MESSAGE_CREATED,
        payload={
            "conversation": {
                "id": conversation.pk,
                "subject": conversation.subject,
                "url": site_url(conversation.get_absolute_url()),
            },
            "message": {
                "id": message.pk,
                "body": message.body,
                "created_at": message.created_at,
                "attachments": [
                    {"id": attachment.pk, "name": attachment.name, "size": attachment.size}
                    for attachment in attachments
                ],
            },
            "sender": {"organization": {"id": sender.pk, "name": sender.name}},
        },
    )
    return message


def _forget_unread(user_ids) -> None:
    """The navigation bar's cached counts of these people are stale: now, and once the
    change commits (a page drawn in between could have cached the old count)."""
    keys = [unread_cache_key(user_id) for user_id in user_ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _mark(*, conversation: Conversation, user, organization_id: int | None, upto: int) -> ReadMark:
    _forget_unread([user.pk])
    mark, created = ReadMark.objects.get_or_create(
        conversation=conversation,
        user=user,
        defaults={"organization_id": organization_id, "last_read_message_id": upto},
    )
    if not created and upto > mark.last_read_message_id:
        mark.last_read_message_id = upto
        mark.organization_id = organization_id
        mark.save(update_fields=["last_read_message_id", "organization", "read_at"])
    return mark


def conversation_mark_read(
    *, actor: Actor, conversation: Conversation, upto: int | None = None
) -> ReadMark | None:
    """The person has read the conversation (up to a message, else to its end). Never moves
    back. The overseeing staff's reading is kept too, but never shows as the party's."""
    if not actor.is_person:
        return None
    latest = Message.objects.filter(conversation=conversation).aggregate(last=Max("id"))["last"]
    if latest is None:
        return None
    upto = latest if upto is None else min(upto, latest)
    own = conversation_party_organization_id(actor=actor, conversation=conversation)
    return _mark(conversation=conversation, user=actor.user, organization_id=own, upto=upto)


# --- blocks and reports --------------------------------------------------------------------


def _member_party(actor: Actor, conversation: Conversation) -> int:
    own = conversation_member_party_id(actor=actor, conversation=conversation)
    if own is None:
        raise PermissionDenied(_("Only the two parties' members can block an organization."))
    return own


def organization_block(*, actor: Actor, conversation: Conversation) -> Block:
    """The actor's party blocks the other: no more requests or messages between them."""
    own = _member_party(actor, conversation)
    block, _created = Block.objects.get_or_create(
        organization_id=own,
        blocked_id=conversation.other_party_id(own),
        defaults={"created_by": actor.user},
    )
    return block


def organization_unblock(*, actor: Actor, conversation: Conversation) -> int:
    own = _member_party(actor, conversation)
    deleted, _details = Block.objects.filter(
        organization_id=own, blocked_id=conversation.other_party_id(own)
    ).delete()
    return deleted


def organization_block_requester(*, actor: Actor, contact_request: ContactRequest) -> Block:
    """The owner blocks the organization behind a request (and declines the request)."""
    if contact_request.owner_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the listing's owner can answer this request."))
    block, _created = Block.objects.get_or_create(
        organization_id=contact_request.owner_id,
        blocked_id=contact_request.organization_id,
        defaults={"created_by": actor.user},
    )
    return block


@transaction.atomic
def abuse_report_create(
    *,
    actor: Actor,
    reason: str,
    note: str = "",
    conversation: Conversation | None = None,
    contact_request: ContactRequest | None = None,
) -> AbuseReport:
    """Report spam or abuse to the CAST staff of the region that oversees the contact."""
    if conversation is not None:
        own = conversation_party_organization_id(actor=actor, conversation=conversation)
        if own is None:
            raise PermissionDenied(_("Only the two parties can report a conversation."))
        reported_id = conversation.other_party_id(own)
        region_id = conversation.region_id
    elif contact_request is not None:
        if not contact_request_acts_for_owner(actor=actor, contact_request=contact_request):
            raise PermissionDenied(_("Only the listing's owner can report this request."))
        own, reported_id = contact_request.owner_id, contact_request.organization_id
        region_id = _oversight_region_id(
            listing=contact_request.listing, requester=contact_request.organization
        )
    else:
        raise ValueError("Report a conversation or a contact request.")
    errors = {}
    if reason not in AbuseReport.Reason.values:
        errors["reason"] = _("Choose what is wrong from the list.")
    note = note.strip()
    if len(note) > 1000:
        errors["note"] = _("Keep the note within 1000 characters.")
    if reason == AbuseReport.Reason.OTHER and not note:
        errors["note"] = _("Say what is wrong.")
    if errors:
        raise ValidationError(errors)
    report = AbuseReport.objects.create(
        conversation=conversation,
        contact_request=contact_request,
        reporter=actor.user,
        reporter_organization_id=own,
        reported_organization_id=reported_id,
        region_id=region_id,
        reason=reason,
        note=note,
    )
    # The staff who answer it hear of it at once: the region's office, else the platform's.
    notify(
        users=organization_reviewers(office=region_office(region=Region.objects.get(pk=region_id))),
        topic=Notification.Topic.CONTACT,
        title=lambda: (
            _("%(organization)s reported %(reported)s: %(reason)s")
            % {
                "organization": report.reporter_organization.name,
                "reported": report.reported_organization.name,
                "reason": report.get_reason_display(),
            }
        ),
        body=note,
        url=reverse("conversations:reports"),
    )
    return report


def abuse_report_resolve(*, actor: Actor, report: AbuseReport, resolution: str) -> AbuseReport:
    if not abuse_report_can_resolve(actor=actor, report=report):
        raise PermissionDenied(_("This report is not in your region."))
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say what was done.")})
    if len(resolution) > 1000:
        raise ValidationError({"resolution": _("Keep the note within 1000 characters.")})
    report.status = AbuseReport.Status.RESOLVED
    report.resolution = resolution
    report.resolved_by = actor.user
    report.resolved_at = timezone.now()
    report.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    return report
