"""Writes to the repositories: the listing lifecycle, attachments and access to details.

draft → submitted → published | returned (with the reviewer's reason) → … → closed;
a published listing expires when its validity ends unless the owner re-confirms it.
Edits to a published listing become its pending revision: the published version stays live
until a reviewer approves the revision (which then replaces it) or returns it with a reason.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.uploads import upload_check_content
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Organization
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.completeness import completeness_of_listing
from repositories.models import (
    MODEL_BY_KIND,
    Attachment,
    DetailAccessRequest,
    Listing,
    ListingKind,
    ListingRevision,
    ListingStatus,
    PendingStatus,
    kind_text_fields,
)
from repositories.permissions import (
    listing_can_act_for,
    listing_can_edit,
    listing_can_manage,
    listing_can_review,
    listing_has_revision_for_review,
    listing_is_awaiting_review,
    listing_is_own,
)
from repositories.signals import listing_changed, listing_changes_are_deferred
from repositories.validators import listing_rule_errors
from search.text import tokenize
from taxonomy.models import CooperationMode

if TYPE_CHECKING:
    from django.core.files import File

    from accounts.models import User
    from organizations.selectors import Actor

# Patent numbers stay out of the search text: their runs of digits would match unrelated
# numeric queries (a year, an indicator).
UNSEARCHED_TEXT_FIELDS = {"patent_numbers"}

# Only the author's own content is recorded in the history, not bookkeeping columns.
_UNTRACKED = {
    "id",
    "listing_ptr",
    "kind",
    "organization",
    "created_by",
    "status",
    "review_note",
    "reviewed_by",
    "reviewed_at",
    "submitted_at",
    "published_at",
    "expires_at",
    "external_id",
    "completeness",
    "search_text",
    "created_at",
    "updated_at",
    "indexed_at",
    "reconfirm_reminded_at",
    "pending_changes",
    "pending_status",
    "person",
}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
RECONFIRM_WINDOW = timedelta(days=30)


def listing_text(listing: Listing) -> str:
    """The listing's searchable text: its own words plus the names of its field."""
    names = ["title", "summary", *kind_text_fields(listing.kind)]
    parts = [getattr(listing, name) or "" for name in names if name not in UNSEARCHED_TEXT_FIELDS]
    if listing.field_id:
        parts.extend(node.name for node in listing.field.lineage())
    return "\n".join(part for part in parts if part)


def _tracked_fields(listing):
    return [
        f
        for f in listing._meta.concrete_fields
        if f.name not in _UNTRACKED and not f.name.endswith("_ptr")
    ]


def _values(listing, cooperation_modes, societies):
    values = {f.name: getattr(listing, f.name) for f in _tracked_fields(listing)}
    values["cooperation_modes"] = sorted(mode.code for mode in cooperation_modes)
    if listing.kind == ListingKind.TALENT:
        values["societies"] = sorted(org.name for org in societies)
    return values


def _printable(value):
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _changes(before, after):
    return {
        name: [_printable(before.get(name)), _printable(value)]
        for name, value in after.items()
        if _printable(before.get(name)) != _printable(value)
    }


def _validate(listing, societies):
    """Field checks first (they also convert typed values), then the rules across fields."""
    errors = {}
    try:
        # The one constraint (unique external id) is settled by the importer's lookup
        # and enforced by the database; skipping it saves a query per row.
        listing.full_clean(
            exclude=["organization", "created_by", "region"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        errors = {name: " ".join(messages) for name, messages in error.message_dict.items()}
    if not listing.region_id:
        errors["region"] = _("Choose the region.")
    valid_values = {
        f.name: getattr(listing, f.attname)
        for f in listing._meta.concrete_fields
        if f.name not in errors
    }
    errors.update(listing_rule_errors(model=type(listing), values=valid_values))
    if listing.kind == ListingKind.PROJECT and "seeking" not in errors:
        unknown = [code for code in listing.seeking if code not in listing.Seeking.values]
        if unknown:
            errors["seeking"] = _("Unknown choice: %(codes)s.") % {
                "codes": ", ".join(map(str, unknown))
            }
    if listing.kind == ListingKind.TALENT:
        if any(org.kind != Organization.Kind.SOCIETY for org in societies):
            errors["societies"] = _("Only societies can be chosen here.")
    if errors:
        raise ValidationError(errors)


def _refresh_derived(listing, cooperation_modes):
    listing.completeness, _hints = completeness_of_listing(listing, cooperation_modes)
    listing.search_text = " ".join(tokenize(listing_text(listing)))


def _record(listing, actor_user, action, changes=None, note=""):
    ListingRevision.objects.create(
        listing=listing, user=actor_user, action=action, changes=changes or {}, note=note
    )


def _announce_change(listing):
    if not listing_changes_are_deferred():
        listing_changed.send(sender=Listing, listing_id=listing.pk)


def _record_outcome(listing, actor_user, name):
    outcome_record(
        name=name,
        subject_type="listing",
        subject_id=listing.pk,
        actor=actor_user,
        organization=listing.organization,
        region_id=listing.region_id,
        field_id=listing.field_id,
        data={"kind": listing.kind},
    )


def _validity_end():
    return timezone.now() + timedelta(days=settings.LISTING_VALIDITY_DAYS)


@transaction.atomic
def listing_create(
    *,
    kind: str,
    actor: Actor,
    organization: Organization,
    data: dict[str, Any],
    cooperation_modes: Iterable[CooperationMode] = (),
    societies: Iterable[Organization] = (),
) -> Listing:
    """A new draft owned by one of the actor's organizations."""
    if not listing_can_act_for(actor=actor, organization_id=organization.id):
        raise PermissionDenied(_("You can publish only for your own organization."))
    listing = MODEL_BY_KIND[kind](
        kind=kind, organization=organization, created_by=actor.user, status=ListingStatus.DRAFT
    )
    for name, value in data.items():
        setattr(listing, name, value)
    if kind == ListingKind.TALENT and listing.person_id is None:
        listing.person = actor.user
    if not listing.region_id:
        listing.region_id = organization.region_id
    _validate(listing, societies)
    _refresh_derived(listing, cooperation_modes)
    listing.save()
    listing.cooperation_modes.set(cooperation_modes)
    if kind == ListingKind.TALENT:
        listing.societies.set(societies)
    _record(
        listing,
        actor.user,
        ListingRevision.Action.CREATED,
        _changes({}, _values(listing, cooperation_modes, societies)),
    )
    return listing


@transaction.atomic
def listing_update(
    *,
    listing: Listing,
    actor: Actor,
    data: dict[str, Any],
    cooperation_modes: Iterable[CooperationMode] | None = None,
    societies: Iterable[Organization] | None = None,
) -> Listing:
    """Edit a listing. Edits to a published one become its pending revision (see
    _pending_update): readers keep seeing what was checked until the edit is checked too."""
    if not listing_can_edit(actor=actor, listing=listing):
        raise PermissionDenied(_("You cannot edit this listing."))
    if listing.status == ListingStatus.PUBLISHED:
        return _pending_update(
            listing=type(listing).objects.get(pk=listing.pk),
            actor=actor,
            data=data,
            cooperation_modes=cooperation_modes,
            societies=societies,
        )
    old_modes = list(listing.cooperation_modes.all())
    old_societies = list(listing.societies.all()) if listing.kind == ListingKind.TALENT else []
    # Compare with the stored row: a ModelForm may already have changed the object in memory.
    stored = type(listing).objects.get(pk=listing.pk)
    before = _values(stored, old_modes, old_societies)
    modes = old_modes if cooperation_modes is None else list(cooperation_modes)
    chosen_societies = old_societies if societies is None else list(societies)
    for name, value in data.items():
        setattr(listing, name, value)
    _validate(listing, chosen_societies)
    changes = _changes(before, _values(listing, modes, chosen_societies))
    if not changes:
        return listing
    _refresh_derived(listing, modes)
    listing.save()
    _announce_change(listing)
    listing.cooperation_modes.set(modes)
    if listing.kind == ListingKind.TALENT:
        listing.societies.set(chosen_societies)
    _record(listing, actor.user, ListingRevision.Action.EDITED, changes)
    return listing


def _live_relations(listing):
    modes = list(listing.cooperation_modes.all())
    societies = list(listing.societies.all()) if listing.kind == ListingKind.TALENT else []
    return modes, societies


def listing_pending_revision(
    listing: Listing,
) -> tuple[Listing, list[CooperationMode], list[Organization]]:
    """(revised, cooperation modes, societies): an unsaved copy of the listing with its pending
    revision applied, or with the live values where there is none. The listing is left as is."""
    revised = copy.copy(listing)
    if listing.pending_changes is None:
        return (revised, *_live_relations(listing))
    values = listing.pending_changes
    for field in _tracked_fields(listing):
        if field.attname in values:
            setattr(revised, field.attname, field.to_python(values[field.attname]))
    modes = list(CooperationMode.objects.filter(code__in=values["cooperation_modes"]))
    societies = []
    if listing.kind == ListingKind.TALENT:
        societies = list(Organization.objects.filter(pk__in=values["societies"]))
    return revised, modes, societies


def _display(listing, name, value):
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "cooperation_modes":
        labels = {mode.code: mode.label for mode in CooperationMode.objects.all()}
    elif name == "seeking":
        labels = dict(listing.Seeking.choices)
    else:
        labels = dict(listing._meta.get_field(name).flatchoices)
    if isinstance(value, list):
        return _(", ").join(str(labels.get(item, item)) for item in value)
    if labels:
        return str(labels.get(value, value))
    return _printable(value)


def listing_pending_fields(listing: Listing) -> list[str]:
    """Names of the fields the pending revision changes, without a query where the listing's
    cooperation modes (and a talent's societies) are prefetched."""
    values = listing.pending_changes
    if values is None:
        return []
    changed = [
        field.name
        for field in _tracked_fields(listing)
        if field.attname in values
        and _printable(field.to_python(values[field.attname]))
        != _printable(getattr(listing, field.attname))
    ]
    if values["cooperation_modes"] != sorted(mode.code for mode in listing.cooperation_modes.all()):
        changed.append("cooperation_modes")
    if listing.kind == ListingKind.TALENT and values["societies"] != sorted(
        org.pk for org in listing.societies.all()
    ):
        changed.append("societies")
    return changed


def listing_pending_diff(listing: Listing) -> list[tuple[str, str, str]]:
    """[(label, live value, revised value)] for each field the pending revision changes."""
    revised, modes, societies = listing_pending_revision(listing)
    before = _values(listing, *_live_relations(listing))
    after = _values(revised, modes, societies)
    return [
        (
            listing._meta.get_field(name).verbose_name,
            _display(listing, name, before.get(name)),
            _display(revised, name, after[name]),
        )
        for name in _changes(before, after)
    ]


def _pending_update(*, listing, actor, data, cooperation_modes, societies):
    """Store the edit of a published listing as its pending revision, submitted for review.

    The edit applies on top of the pending revision if there is one (a returned revision is
    edited again). An edit that leaves nothing different from the live version withdraws it.
    """
    before = _values(listing, *_live_relations(listing))
    revised, modes, chosen_societies = listing_pending_revision(listing)
    if cooperation_modes is not None:
        modes = list(cooperation_modes)
    if societies is not None:
        chosen_societies = list(societies)
    for name, value in data.items():
        setattr(revised, name, value)
    _validate(revised, chosen_societies)
    changes = _changes(before, _values(revised, modes, chosen_societies))
    if not changes:
        if listing.pending_status:
            listing.pending_changes = None
            listing.pending_status = ""
            listing.save(update_fields=["pending_changes", "pending_status"])
            _record(
                listing,
                actor.user,
                ListingRevision.Action.EDITED,
                note=_("Changes withdrawn: the published version is unchanged."),
            )
        return listing
    values = {field.attname: getattr(revised, field.attname) for field in _tracked_fields(revised)}
    values["cooperation_modes"] = sorted(mode.code for mode in modes)
    if listing.kind == ListingKind.TALENT:
        values["societies"] = sorted(org.pk for org in chosen_societies)
    listing.pending_changes = values
    listing.pending_status = PendingStatus.SUBMITTED
    listing.submitted_at = timezone.now()
    # updated_at stays: it dates the live version, which the search index holds.
    listing.save(update_fields=["pending_changes", "pending_status", "submitted_at"])
    _record(listing, actor.user, ListingRevision.Action.CHANGES_SUBMITTED, changes)
    return listing


@transaction.atomic
def listing_submit(*, listing: Listing, actor: Actor) -> Listing:
    if not listing_can_manage(actor=actor, listing=listing):
        raise PermissionDenied(_("You cannot submit this listing."))
    if listing.status not in (ListingStatus.DRAFT, ListingStatus.RETURNED):
        raise ValidationError(_("Only drafts and returned listings can be submitted."))
    if not listing.organization.is_verified:
        raise ValidationError(
            _(
                "Your organization is awaiting verification by the local CAST office; "
                "you can keep drafts until then."
            )
        )
    listing.status = ListingStatus.SUBMITTED
    listing.submitted_at = timezone.now()
    listing.save(update_fields=["status", "submitted_at", "updated_at"])
    _record(listing, actor.user, ListingRevision.Action.SUBMITTED)
    return listing


@transaction.atomic
def listing_review(*, listing: Listing, actor: Actor, approve: bool, note: str = "") -> Listing:
    """A CAST reviewer publishes a submitted listing, or applies the pending revision of a
    published one; or returns either with a reason."""
    if not listing_is_awaiting_review(listing):
        raise ValidationError(_("This listing is not awaiting review."))
    if not listing_can_review(actor=actor, listing=listing):
        raise PermissionDenied(_("This listing is outside your region."))
    note = note.strip()
    if not approve and not note:
        raise ValidationError(
            {"note": _("Give the reason for returning, so the author can fix it.")}
        )
    if listing_has_revision_for_review(listing):
        return _review_pending_revision(listing=listing, actor=actor, approve=approve, note=note)
    now = timezone.now()
    listing.reviewed_by = actor.user
    listing.reviewed_at = now
    listing.review_note = note
    if approve:
        listing.status = ListingStatus.PUBLISHED
        listing.published_at = now
        listing.expires_at = _validity_end()
        listing.reconfirm_reminded_at = None
    else:
        listing.status = ListingStatus.RETURNED
    listing.save()
    _announce_change(listing)
    action = ListingRevision.Action.APPROVED if approve else ListingRevision.Action.RETURNED
    _record(listing, actor.user, action, note=note)
    if approve:
        message = gettext_lazy("Published: %(title)s")
        _record_outcome(listing, actor.user, OutcomeEvent.Name.LISTING_PUBLISHED)
    else:
        message = gettext_lazy("Returned for changes: %(title)s")
    notify_organization(
        organization=listing.organization,
        topic=Notification.Topic.LISTING_REVIEWED,
        title=lambda: message % {"title": listing.title},
        body=note,
        url=listing.get_absolute_url(),
    )
    return listing


def _review_pending_revision(*, listing, actor, approve, note):
    """Approve: the revision replaces the live version, which stays published and is
    re-indexed. Return: the live version stays as it is; the author sees the reason."""
    reviewed = {"reviewed_by": actor.user, "reviewed_at": timezone.now(), "review_note": note}
    if approve:
        before = _values(listing, *_live_relations(listing))
        listing, modes, societies = listing_pending_revision(listing)
        changes = _changes(before, _values(listing, modes, societies))
        for name, value in {**reviewed, "pending_changes": None, "pending_status": ""}.items():
            setattr(listing, name, value)
        _refresh_derived(listing, modes)
        listing.save()
        _announce_change(listing)
        listing.cooperation_modes.set(modes)
        if listing.kind == ListingKind.TALENT:
            listing.societies.set(societies)
        _record(listing, actor.user, ListingRevision.Action.CHANGES_APPROVED, changes, note)
        message = gettext_lazy("Changes published: %(title)s")
    else:
        for name, value in {**reviewed, "pending_status": PendingStatus.RETURNED}.items():
            setattr(listing, name, value)
        listing.save(update_fields=["pending_status", *reviewed])
        _record(listing, actor.user, ListingRevision.Action.CHANGES_RETURNED, note=note)
        message = gettext_lazy("Changes returned: %(title)s")
    notify_organization(
        organization=listing.organization,
        topic=Notification.Topic.LISTING_REVIEWED,
        title=lambda: message % {"title": listing.title},
        body=note,
        url=listing.get_absolute_url(),
    )
    return listing


def listing_needs_reconfirmation(listing: Listing) -> bool:
    return (
        listing.status == ListingStatus.PUBLISHED
        and listing.expires_at is not None
        and listing.expires_at - timezone.now() <= RECONFIRM_WINDOW
    )


@transaction.atomic
def listing_reconfirm(*, listing: Listing, actor: Actor) -> Listing:
    """The owner confirms the listing is still current: a new validity period starts."""
    if not listing_can_manage(actor=actor, listing=listing):
        raise PermissionDenied(_("You cannot re-confirm this listing."))
    if not listing_needs_reconfirmation(listing):
        raise ValidationError(_("Re-confirmation opens 30 days before the listing expires."))
    listing.expires_at = _validity_end()
    listing.reconfirm_reminded_at = None
    listing.save(update_fields=["expires_at", "reconfirm_reminded_at", "updated_at"])
    _announce_change(listing)
    _record(listing, actor.user, ListingRevision.Action.RECONFIRMED)
    return listing


def listings_remind_expiring() -> int:
    """Ask the owners of published listings near or past the end of validity to re-confirm.

    Each listing is claimed with a conditional update first, so a second run (or a second
    worker) sends no second reminder. Returns how many reminders were sent.
    """
    due = Listing.objects.filter(
        status=ListingStatus.PUBLISHED,
        expires_at__lte=timezone.now() + RECONFIRM_WINDOW,
        reconfirm_reminded_at__isnull=True,
    ).select_related("organization")
    sent = 0
    for listing in due:
        with transaction.atomic():
            claimed = Listing.objects.filter(
                pk=listing.pk, reconfirm_reminded_at__isnull=True
            ).update(reconfirm_reminded_at=timezone.now())
            if not claimed:
                continue
            notify_organization(
                organization=listing.organization,
                topic=Notification.Topic.LISTING_EXPIRING,
                title=lambda listing=listing: (
                    _("Still current? “%(title)s” expires on %(date)s")
                    % {"title": listing.title, "date": timezone.localdate(listing.expires_at)}
                ),
                body=lambda: _("Re-confirm it on its page to keep it published and matched."),
                url=listing.get_absolute_url(),
            )
            sent += 1
    return sent


@transaction.atomic
def listing_close(*, listing: Listing, actor: Actor, note: str = "") -> Listing:
    if not listing_is_own(actor=actor, listing=listing):
        raise PermissionDenied(_("You cannot close this listing."))
    if listing.status == ListingStatus.CLOSED:
        raise ValidationError(_("This listing is already closed."))
    listing.status = ListingStatus.CLOSED
    # A closed listing is no longer edited: an edit awaiting review would wait for ever.
    listing.pending_changes = None
    listing.pending_status = ""
    listing.save(update_fields=["status", "pending_changes", "pending_status", "updated_at"])
    _announce_change(listing)
    _record_outcome(listing, actor.user, OutcomeEvent.Name.LISTING_CLOSED)
    _record(listing, actor.user, ListingRevision.Action.CLOSED, note=note.strip())
    return listing


@transaction.atomic
def listing_delete(*, listing: Listing, actor: Actor) -> None:
    """Drafts that were never submitted can be deleted; anything reviewed is closed instead."""
    if not listing_is_own(actor=actor, listing=listing):
        raise PermissionDenied(_("You cannot delete this listing."))
    if listing.status != ListingStatus.DRAFT or listing.reviewed_at is not None:
        raise ValidationError(
            _("Only unsubmitted drafts can be deleted; close the listing instead.")
        )
    listing.delete()


def attachment_add(
    *, listing: Listing, actor: Actor, file: File, is_confidential: bool = False
) -> Attachment:
    if not listing_can_edit(actor=actor, listing=listing):
        raise PermissionDenied(_("You cannot add files to this listing."))
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    attachment = Attachment(
        listing=listing, file=file, is_confidential=is_confidential, uploaded_by=actor.user
    )
    attachment.full_clean()
    upload_check_content(
        file, field="file", label=capfirst(Attachment._meta.get_field("file").verbose_name)
    )
    attachment.save()
    _record(
        listing,
        actor.user,
        ListingRevision.Action.EDITED,
        {"attachments": ["", attachment.filename]},
    )
    return attachment


def attachment_delete(*, attachment: Attachment, actor: Actor) -> None:
    listing = attachment.listing
    if not listing_can_edit(actor=actor, listing=listing):
        raise PermissionDenied(_("You cannot remove files from this listing."))
    name = attachment.filename
    attachment.file.delete(save=False)
    attachment.delete()
    _record(listing, actor.user, ListingRevision.Action.EDITED, {"attachments": [name, ""]})


def access_request_create(
    *, listing: Listing, actor: Actor, organization: Organization, message: str
) -> DetailAccessRequest:
    """Ask the owner to open a listing's confidential details to one's organization."""
    if not listing_can_act_for(actor=actor, organization_id=organization.id):
        raise PermissionDenied(_("You can ask only for your own organization."))
    if not organization.is_verified:
        raise ValidationError(_("Your organization must be verified first."))
    if listing.organization_id == organization.id:
        raise ValidationError(_("This is your own listing."))
    if not message.strip():
        raise ValidationError({"message": _("Say why you need the details.")})
    request, created = DetailAccessRequest.objects.get_or_create(
        listing=listing,
        organization=organization,
        defaults={"requested_by": actor.user, "message": message.strip()},
    )
    if not created:
        raise ValidationError(_("Your organization has already asked for these details."))
    notify_organization(
        organization=listing.organization,
        topic=Notification.Topic.ACCESS_REQUESTED,
        title=lambda: (
            _("%(organization)s asks for the details of “%(title)s”")
            % {"organization": organization.name, "title": listing.title}
        ),
        body=request.message,
        url=reverse("repositories:workspace"),
    )
    return request


def access_request_decide(
    *, access_request: DetailAccessRequest, actor: Actor, grant: bool
) -> DetailAccessRequest:
    if not listing_can_manage(actor=actor, listing=access_request.listing):
        raise PermissionDenied(_("Only the listing's owner can decide."))
    if access_request.status != DetailAccessRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    access_request.status = (
        DetailAccessRequest.Status.GRANTED if grant else DetailAccessRequest.Status.DECLINED
    )
    access_request.decided_by = actor.user
    access_request.decided_at = timezone.now()
    access_request.save(update_fields=["status", "decided_by", "decided_at"])
    listing = access_request.listing
    if grant:
        message = gettext_lazy("Details of “%(title)s” are open to you")
    else:
        message = gettext_lazy("Your request for the details of “%(title)s” was declined")
    notify(
        users=[access_request.requested_by],
        topic=Notification.Topic.ACCESS_DECIDED,
        title=lambda: message % {"title": listing.title},
        url=listing.get_absolute_url(),
    )
    return access_request


IMPORT_STATUSES = (ListingStatus.DRAFT, ListingStatus.SUBMITTED, ListingStatus.PUBLISHED)


def listing_import_row(
    *,
    kind: str,
    organization: Organization,
    user: User,
    external_id: str,
    data: dict[str, Any],
    cooperation_modes: list[CooperationMode],
    status: str,
    published_at: datetime | None = None,
) -> str:
    """Create or update the listing with this external id: 'created', 'updated' or 'unchanged'.

    Imported listings are published by the operator who runs the import, with a fresh
    validity period: the source's own dates only set `published_at`.
    """
    if status not in IMPORT_STATUSES:
        raise ValueError(f"status must be one of {IMPORT_STATUSES}")
    model = MODEL_BY_KIND[kind]
    # Look the id up on the base table, where (kind, external_id) is indexed.
    existing_pk = (
        Listing.objects.filter(kind=kind, external_id=external_id)
        .values_list("pk", flat=True)
        .first()
    )
    listing = (
        model.objects.select_related("field__parent__parent").get(pk=existing_pk)
        if existing_pk
        else None
    )
    if listing is None:
        outcome = "created"
        before = {}
        listing = model(
            kind=kind,
            organization=organization,
            created_by=user,
            external_id=external_id,
            region_id=organization.region_id,
        )
    else:
        if listing.organization_id != organization.id:
            raise ValidationError(
                {"external_id": _("This external id belongs to another organization's listing.")}
            )
        outcome = "updated"
        before = _values(listing, listing.cooperation_modes.all(), [])
    for name, value in data.items():
        setattr(listing, name, value)
    _validate(listing, [])
    changes = _changes(before, _values(listing, cooperation_modes, []))
    if outcome == "updated" and not changes:
        return "unchanged"
    if outcome == "created":
        listing.status = status
        if status != ListingStatus.DRAFT:
            listing.submitted_at = timezone.now()
        if status == ListingStatus.PUBLISHED:
            listing.published_at = published_at or timezone.now()
            listing.expires_at = _validity_end()
    _refresh_derived(listing, cooperation_modes)
    listing.save()
    _announce_change(listing)
    listing.cooperation_modes.set(cooperation_modes)
    if outcome == "created" and status == ListingStatus.PUBLISHED:
        _record_outcome(listing, user, OutcomeEvent.Name.LISTING_PUBLISHED)
    _record(listing, user, ListingRevision.Action.IMPORTED, changes)
    return outcome
