"""Writes: joining the platform (入驻), verification, memberships, API tokens."""

import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.uploads import EXTENSIONS, upload_content_type, upload_extension
from notifications.models import Notification
from notifications.services import Words, notify
from organizations.models import ApiToken, Membership, Organization
from organizations.permissions import organization_can_administer
from organizations.selectors import (
    Actor,
    mandated_managers,
    organization_can_review,
    organization_reviewers,
    organization_reviewing_office,
)
from organizations.signals import organization_changed
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from taxonomy.models import Field

LICENCE_MAX_BYTES = 10 * 1024 * 1024
# What a licence file may be, judged by its content (core.uploads), whatever its name says.
LICENCE_TYPES = ("pdf", "png", "jpg")


def notify_organization(
    *,
    organization: Organization,
    topic: str,
    title: Words,
    body: Words = "",
    url: str = "",
    admins_only: bool = False,
    listing_ids: Iterable[int] = (),
) -> list[Notification]:
    """Notify the active members (or only the administrators) of an organization, and the
    technology managers it mandated on any of `listing_ids` (they act for it there)."""
    memberships = Membership.objects.filter(
        organization=organization, status=Membership.Status.ACTIVE
    ).select_related("user")
    if admins_only:
        memberships = memberships.filter(role=Membership.Role.ADMIN)
    users = [m.user for m in memberships]
    if listing_ids:
        users += mandated_managers(organization_id=organization.pk, listing_ids=listing_ids)
    return notify(users=users, topic=topic, title=title, body=body, url=url)


def _announce_change(organization: Organization) -> None:
    organization_changed.send(sender=Organization, organization_id=organization.pk)


def _check_licence(file):
    """Accept a PDF, JPG or PNG of at most 10 MB, judged by its first bytes, not by its name.

    The file is renamed after its real type, so it is served as what it is.
    """
    if file.size > LICENCE_MAX_BYTES:
        raise ValidationError(
            {
                "business_licence": _(
                    "The business licence file may be at most 10 MB; this one is %(size).1f MB."
                )
                % {"size": file.size / 1024 / 1024}
            }
        )
    kind = upload_content_type(file)
    if kind not in LICENCE_TYPES:
        raise ValidationError(
            {
                "business_licence": _(
                    "Upload the business licence as a PDF, JPG or PNG file; "
                    "the content of this file is none of these."
                )
            }
        )
    extension = upload_extension(file)
    if extension not in EXTENSIONS[kind]:
        raise ValidationError(
            {
                "business_licence": _(
                    "The file's content is %(kind)s but its name ends in "
                    "“.%(extension)s”: upload the original scan or PDF."
                )
                % {"kind": kind.upper(), "extension": extension}
            }
        )
    file.name = f"licence.{kind}"


def organization_reviewer_name(*, office: Organization | None) -> str:
    """Who verifies, as the applicant reads it: the office's name or the platform administrators."""
    return office.name if office is not None else _("the platform administrators")


def _announce_for_review(organization: Organization) -> Organization | None:
    """Tell the office that verifies the organization (or the platform administrators)."""
    office = organization_reviewing_office(organization=organization)
    notify(
        users=organization_reviewers(office=office),
        topic=Notification.Topic.ORGANIZATION_REVIEWED,
        title=lambda: _("%(name)s awaits your verification") % {"name": organization.name},
        body=lambda: (
            _("%(kind)s in %(region)s.")
            % {
                "kind": organization.get_kind_display(),
                "region": organization.region.path_label,
            }
        ),
        url=reverse("organizations:detail", kwargs={"pk": organization.pk}),
    )
    return office


@transaction.atomic
def organization_register(
    *,
    user: User,
    data: dict[str, Any],
    fields: Iterable[Field] = (),
    business_licence: UploadedFile | None = None,
) -> Organization:
    """Create an organization awaiting verification, with the user as its administrator.

    The verifying office (the city's, else the province's, else the platform administrators)
    is told, and so is the applicant, with who will verify.
    """
    if data.get("kind") == Organization.Kind.CAST_OFFICE:
        raise ValidationError({"kind": _("Local CAST offices are set up by the platform.")})
    organization = Organization(status=Organization.Status.PENDING, **data)
    if business_licence is not None:
        _check_licence(business_licence)
        organization.business_licence = business_licence
    organization.full_clean()
    organization.save()
    organization.fields.set(fields)
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    office = _announce_for_review(organization)
    notify(
        users=[user],
        topic=Notification.Topic.ORGANIZATION_REVIEWED,
        title=lambda: (
            _("%(name)s is registered: %(reviewer)s will verify it")
            % {"name": organization.name, "reviewer": organization_reviewer_name(office=office)}
        ),
        url=reverse("organizations:detail", kwargs={"pk": organization.pk}),
    )
    return organization


@transaction.atomic
def organization_review(
    *, organization: Organization, actor: Actor, approve: bool, note: str = ""
) -> Organization:
    if not organization_can_review(actor=actor, organization=organization):
        raise PermissionDenied(_("This organization is outside your region."))
    if organization.status != Organization.Status.PENDING:
        raise ValidationError(_("This organization is not awaiting verification."))
    if not approve and not note.strip():
        raise ValidationError(
            {"note": _("Give the reason for rejecting, so the applicant can fix it.")}
        )
    organization.status = Organization.Status.VERIFIED if approve else Organization.Status.REJECTED
    organization.review_note = note.strip()
    organization.reviewed_by = actor.user
    organization.reviewed_at = timezone.now()
    organization.save(
        update_fields=["status", "review_note", "reviewed_by", "reviewed_at", "updated_at"]
    )
    _announce_change(organization)
    outcome_record(
        name=(
            OutcomeEvent.Name.ORGANIZATION_VERIFIED
            if approve
            else OutcomeEvent.Name.ORGANIZATION_REJECTED
        ),
        subject_type="organization",
        subject_id=organization.pk,
        actor=actor.user,
        organization=organization,
        region_id=organization.region_id,
        data={"kind": organization.kind},
    )
    if approve:
        message = gettext_lazy("%(name)s is verified: you can now submit listings")
    else:
        message = gettext_lazy("%(name)s was not verified")
    notify_organization(
        organization=organization,
        topic=Notification.Topic.ORGANIZATION_REVIEWED,
        title=lambda: message % {"name": organization.name},
        body=organization.review_note,
        url=reverse("organizations:detail", kwargs={"pk": organization.pk}),
    )
    return organization


# What the CAST office checked when it verified the organization.
IDENTITY_FIELDS = ("name", "kind", "region", "credit_code")


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: Actor,
    data: dict[str, Any],
    fields: Iterable[Field] | None = None,
    business_licence: UploadedFile | None = None,
) -> Organization:
    """Edit an organization's profile; a new business licence file replaces the old one.

    A rejected organization, or one whose identity (name, type, region, credit code) changed,
    goes back to the verification queue, and its verifying office is told.
    """
    if not organization_can_administer(actor=actor, organization_id=organization.id):
        raise PermissionDenied(_("Only the organization's administrators can edit it."))
    identity_changed = any(
        getattr(organization, name) != data[name] for name in IDENTITY_FIELDS if name in data
    )
    was_pending = organization.status == Organization.Status.PENDING
    for name, value in data.items():
        setattr(organization, name, value)
    replaced_licence = None
    if business_licence is not None:
        _check_licence(business_licence)
        replaced_licence = organization.business_licence.name or None
        organization.business_licence = business_licence
    if organization.status == Organization.Status.REJECTED or (
        identity_changed and organization.kind != Organization.Kind.CAST_OFFICE
    ):
        organization.status = Organization.Status.PENDING
    organization.full_clean()
    organization.save()
    if replaced_licence:
        storage = organization.business_licence.storage
        transaction.on_commit(partial(storage.delete, replaced_licence))
    if organization.status == Organization.Status.PENDING and not was_pending:
        _announce_for_review(organization)
    _announce_change(organization)
    if fields is not None:
        organization.fields.set(fields)
    return organization


def membership_request(*, user: User, organization: Organization) -> Membership:
    """Ask to join an existing organization; its administrators approve."""
    membership, created = Membership.objects.get_or_create(
        user=user,
        organization=organization,
        defaults={"role": Membership.Role.MEMBER, "status": Membership.Status.PENDING},
    )
    if not created:
        raise ValidationError(_("You have already joined or asked to join this organization."))
    notify_organization(
        organization=organization,
        topic=Notification.Topic.MEMBERSHIP,
        title=lambda: (
            _("%(user)s asks to join %(name)s") % {"user": user, "name": organization.name}
        ),
        url=reverse("organizations:detail", kwargs={"pk": organization.pk}),
        admins_only=True,
    )
    return membership


def membership_approve(*, membership: Membership, actor: Actor) -> Membership:
    if not organization_can_administer(actor=actor, organization_id=membership.organization_id):
        raise PermissionDenied(_("Only the organization's administrators can approve members."))
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["status"])
    notify(
        users=[membership.user],
        topic=Notification.Topic.MEMBERSHIP,
        title=lambda: (
            _("You are now a member of %(name)s") % {"name": membership.organization.name}
        ),
        url=reverse("organizations:detail", kwargs={"pk": membership.organization_id}),
    )
    return membership


def _check_not_last_admin(membership: Membership) -> None:
    admins = membership.organization.memberships.filter(
        role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
    )
    if membership.role == Membership.Role.ADMIN and admins.count() == 1:
        raise ValidationError(_("An organization needs at least one administrator."))


def membership_remove(*, membership: Membership, actor: Actor) -> None:
    if not organization_can_administer(actor=actor, organization_id=membership.organization_id):
        raise PermissionDenied(_("Only the organization's administrators can remove members."))
    _check_not_last_admin(membership)
    membership.delete()


def membership_set_role(*, membership: Membership, actor: Actor, role: str) -> Membership:
    """Make a member an administrator, or an administrator a plain member."""
    if not organization_can_administer(actor=actor, organization_id=membership.organization_id):
        raise PermissionDenied(_("Only the organization's administrators can change roles."))
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("Approve the member first."))
    if role == Membership.Role.MEMBER:
        _check_not_last_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


# How long a new token may live, in days; None: until revoked.
TOKEN_VALIDITY_DAYS = (30, 90, 365, None)


def api_token_create(
    *,
    organization: Organization,
    actor: Actor,
    name: str,
    scopes: Iterable[str] = (ApiToken.Scope.WRITE,),
    valid_days: int | None = 90,
) -> tuple[ApiToken, str]:
    """Create a token and return (token, raw key); the raw key is shown once and never stored.

    Every token reads what its organization may see; `scopes` add writing, reviewing (a CAST
    office's tokens only) and managing webhooks. It stops working after `valid_days`.
    """
    if not organization_can_administer(actor=actor, organization_id=organization.id):
        raise PermissionDenied(_("Only the organization's administrators can create API tokens."))
    if not organization.is_verified:
        raise ValidationError(_("API tokens can be created once the organization is verified."))
    errors = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Name the token after the program that will use it.")
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in ApiToken.Scope.values]
    if unknown:
        errors["scopes"] = _("Unknown permission: %(scopes)s.") % {"scopes": ", ".join(unknown)}
    elif ApiToken.Scope.REVIEW in scopes and organization.kind != Organization.Kind.CAST_OFFICE:
        errors["scopes"] = _("Only a CAST office's tokens can review.")
    if valid_days not in TOKEN_VALIDITY_DAYS:
        errors["valid_days"] = _("Choose 30, 90 or 365 days, or no expiry.")
    if errors:
        raise ValidationError(errors)
    key = "tb_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        name=name[:64],
        prefix=key[3:11],
        key_hash=ApiToken.hash_key(key),
        created_by=actor.user,
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=valid_days) if valid_days else None,
    )
    return token, key


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    if not organization_can_administer(actor=actor, organization_id=token.organization_id):
        raise PermissionDenied(_("Only the organization's administrators can revoke API tokens."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Record use at most once a minute, so reads do not write on every request."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


@transaction.atomic
def cast_office_save(*, office: Organization, actor: Actor) -> Organization:
    """Set up or edit a local CAST office: the platform administrators' job.

    An office is verified from the start: the platform vouches for it, and its staff then
    verify the organizations and review the listings of its region (and its cities).
    """
    if not actor.is_superuser:
        raise PermissionDenied(_("Only the platform administrators set up CAST offices."))
    office.kind = Organization.Kind.CAST_OFFICE
    if office.pk is None:
        office.status = Organization.Status.VERIFIED
        office.reviewed_by = actor.user
        office.reviewed_at = timezone.now()
    office.full_clean()
    office.save()
    return office
