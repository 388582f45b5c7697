"""Writes about technology managers: the profile and its certificate (verified by the CAST staff
of the manager's region), mandates (offered by an organization's administrator, accepted or
declined by the manager, ended by either) and the commission computed when a deal in a
mandate's scope has its registration verified.

Every write that others rely on records its fact in the outcome log, in its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import upload_check_content
from deals.models import Contract, Deal
from managers.models import Commission, ManagerProfile
from managers.permissions import manager_can_review, mandate_can_end, mandate_can_offer
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Mandate, Organization
from organizations.selectors import Actor, organization_reviewers, region_office
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import Listing, ListingStatus

N = OutcomeEvent.Name
# A mandate longer than this is a standing employment, not a mandate.
MANDATE_MAX_YEARS = 5
TEN_THOUSAND = Decimal("10000")
CENT = Decimal("0.01")


# --- the profile and its certificate ---------------------------------------------------------


@transaction.atomic
def profile_save(*, actor: Actor, data: dict, fields: Iterable = ()) -> ManagerProfile:
    """Create or update the signed-in person's own profile (name, headline, experience, fields,
    region). Only a person edits their profile, never a token."""
    if not actor.is_person:
        raise PermissionDenied(_("Only the manager, signed in, edits their profile."))
    profile = ManagerProfile.objects.filter(user=actor.user).first() or ManagerProfile(
        user=actor.user
    )
    for name in ("name", "headline", "bio", "region"):
        if name in data:
            setattr(profile, name, data[name])
    profile.full_clean(exclude=["certificate_file"])
    profile.save()
    profile.fields.set(fields)
    return profile


@transaction.atomic
def certificate_submit(
    *,
    actor: Actor,
    profile: ManagerProfile,
    number: str,
    issuer: str,
    level: str = "",
    file: File | None = None,
) -> ManagerProfile:
    """Submit (or resubmit) the certificate for verification; a changed certificate is
    verified again, and until then the profile is not public."""
    if not actor.is_person or profile.user_id != actor.user.pk:
        raise PermissionDenied(_("Only the manager submits their certificate."))
    errors = {}
    if not number.strip():
        errors["certificate_number"] = _("Enter the certificate number.")
    if not issuer.strip():
        errors["certificate_issuer"] = _("Enter who issued the certificate.")
    if file is None and not profile.certificate_file:
        errors["certificate_file"] = _("Upload a scan of the certificate (PDF, PNG or JPG).")
    if errors:
        raise ValidationError(errors)
    if file is not None:
        kind = upload_check_content(file, field="certificate_file", label=_("certificate scan"))
        if kind not in ("pdf", "png", "jpg"):
            raise ValidationError(
                {"certificate_file": _("The certificate scan must be a PDF, PNG or JPG file.")}
            )
        profile.certificate_file = file
    profile.certificate_number = number.strip()
    profile.certificate_issuer = issuer.strip()
    profile.certificate_level = level.strip()
    profile.certificate_status = ManagerProfile.CertificateStatus.PENDING
    profile.certificate_note = ""
    profile.certificate_checked_by = None
    profile.certificate_checked_at = None
    profile.full_clean()
    profile.save()
    office = region_office(region=profile.region)
    notify(
        users=organization_reviewers(office=office),
        topic=Notification.Topic.MANDATE,
        title=lambda: (
            _("A technology manager's certificate awaits verification: %(name)s")
            % {"name": profile.name}
        ),
        url=reverse("managers:review_queue"),
    )
    return profile


@transaction.atomic
def certificate_decide(
    *, actor: Actor, profile: ManagerProfile, approve: bool, note: str = ""
) -> ManagerProfile:
    """The CAST staff of the manager's region verify the certificate, or say why not."""
    profile = ManagerProfile.objects.select_for_update().get(pk=profile.pk)
    if not manager_can_review(actor=actor, profile=profile):
        raise PermissionDenied(_("Only the CAST staff of the manager's region verify it."))
    if profile.certificate_status != ManagerProfile.CertificateStatus.PENDING:
        raise ValidationError(_("This certificate is not awaiting verification."))
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the certificate is not verified.")})
    profile.certificate_status = (
        ManagerProfile.CertificateStatus.VERIFIED
        if approve
        else ManagerProfile.CertificateStatus.REJECTED
    )
    profile.certificate_note = note
    profile.certificate_checked_by = actor.user
    profile.certificate_checked_at = timezone.now()
    profile.save()
    if approve:
        outcome_record(
            name=N.MANAGER_CERTIFICATE_VERIFIED,
            subject_type="manager",
            subject_id=profile.pk,
            actor=actor.user,
            region_id=profile.region_id,
            data={"manager": profile.user_id},
        )
    notify(
        users=[profile.user],
        topic=Notification.Topic.MANDATE,
        title=lambda: (
            _("Your technology manager's certificate is verified")
            if approve
            else _("Your technology manager's certificate was not verified")
        ),
        body=note,
        url=reverse("managers:me"),
    )
    return profile


# --- mandates ----------------------------------------------------------------------------------


def _check_terms(
    *,
    organization: Organization,
    listings: list[Listing],
    base_fee: Decimal,
    success_share: Decimal,
    cap: Decimal | None,
    starts_on: date,
    ends_on: date,
) -> None:
    errors = {}
    if not listings:
        errors["listings"] = _("Choose at least one listing the manager acts on.")
    elif any(listing.organization_id != organization.pk for listing in listings):
        errors["listings"] = _("A mandate covers only the organization's own listings.")
    elif any(listing.status == ListingStatus.CLOSED for listing in listings):
        errors["listings"] = _("A closed listing cannot be put in a mandate.")
    if base_fee < 0:
        errors["base_fee"] = _("The base fee cannot be negative.")
    if not Decimal("0") <= success_share <= Decimal("100"):
        errors["success_share"] = _("The success share is a percentage from 0 to 100.")
    if cap is not None and cap < max(base_fee, Decimal("0")):
        errors["cap"] = _("The cap cannot be less than the base fee.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The mandate cannot end before it starts.")
    elif ends_on < timezone.localdate():
        errors["ends_on"] = _("The mandate would already have ended.")
    elif ends_on > starts_on + timedelta(days=365 * MANDATE_MAX_YEARS):
        errors["ends_on"] = _("A mandate runs for at most %(years)d years.") % {
            "years": MANDATE_MAX_YEARS
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def mandate_offer(
    *,
    actor: Actor,
    organization: Organization,
    manager: ManagerProfile,
    listings: Iterable[Listing],
    scope_note: str,
    base_fee: Decimal,
    success_share: Decimal,
    cap: Decimal | None,
    starts_on: date,
    ends_on: date,
) -> Mandate:
    """An organization's administrator offers a verified manager a mandate on some of its
    listings; it is in force once the manager accepts."""
    if not mandate_can_offer(actor=actor, organization=organization):
        raise PermissionDenied(_("Only the organization's administrators give mandates."))
    if not organization.is_verified:
        raise ValidationError(_("Your organization must be verified before it gives mandates."))
    if not manager.is_verified:
        raise ValidationError(
            {"manager": _("This manager's certificate has not been verified by CAST staff.")}
        )
    if manager.user_id == actor.user.pk:
        raise ValidationError({"manager": _("You cannot give a mandate to yourself.")})
    listings = list(listings)
    _check_terms(
        organization=organization,
        listings=listings,
        base_fee=base_fee,
        success_share=success_share,
        cap=cap,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    if not scope_note.strip():
        raise ValidationError({"scope_note": _("Say what the manager is asked to do.")})
    mandate = Mandate(
        organization=organization,
        manager=manager.user,
        scope_note=scope_note.strip(),
        base_fee=base_fee,
        success_share=success_share,
        cap=cap,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor.user,
    )
    mandate.full_clean()
    mandate.save()
    mandate.listings.set(listings)
    notify(
        users=[manager.user],
        topic=Notification.Topic.MANDATE,
        title=lambda: (
            _("%(organization)s offers you a mandate") % {"organization": organization.name}
        ),
        url=reverse("managers:mandate", kwargs={"pk": mandate.pk}),
    )
    return mandate


def _locked(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_for_update().select_related("organization").get(pk=mandate.pk)


def _mandate_data(mandate: Mandate, **extra) -> dict:
    return {
        "manager": mandate.manager_id,
        "mandate": mandate.pk,
        "listings": sorted(mandate.listings.values_list("pk", flat=True)),
        **extra,
    }


@transaction.atomic
def mandate_accept(*, actor: Actor, mandate: Mandate) -> Mandate:
    mandate = _locked(mandate)
    if not actor.is_person or mandate.manager_id != actor.user.pk:
        raise PermissionDenied(_("Only the manager it is offered to accepts a mandate."))
    if mandate.status != Mandate.Status.OFFERED:
        raise ValidationError(_("This mandate is no longer on offer."))
    if mandate.ends_on < timezone.localdate():
        raise ValidationError(_("This mandate's term is over; ask for a new one."))
    mandate.status = Mandate.Status.ACTIVE
    mandate.accepted_at = timezone.now()
    mandate.save(update_fields=["status", "accepted_at"])
    outcome_record(
        name=N.MANDATE_GRANTED,
        subject_type="mandate",
        subject_id=mandate.pk,
        actor=actor.user,
        organization=mandate.organization,
        region_id=mandate.organization.region_id,
        data=_mandate_data(mandate),
    )
    notify_organization(
        organization=mandate.organization,
        topic=Notification.Topic.MANDATE,
        title=lambda: _("%(manager)s accepted your mandate") % {"manager": _manager_name(mandate)},
        url=reverse("managers:mandate", kwargs={"pk": mandate.pk}),
        admins_only=True,
    )
    return mandate


@transaction.atomic
def mandate_decline(*, actor: Actor, mandate: Mandate, note: str = "") -> Mandate:
    mandate = _locked(mandate)
    if not actor.is_person or mandate.manager_id != actor.user.pk:
        raise PermissionDenied(_("Only the manager it is offered to declines a mandate."))
    if mandate.status != Mandate.Status.OFFERED:
        raise ValidationError(_("This mandate is no longer on offer."))
    mandate.status = Mandate.Status.DECLINED
    mandate.end_note = note.strip()[:1000]
    mandate.ended_at = timezone.now()
    mandate.save(update_fields=["status", "end_note", "ended_at"])
    notify_organization(
        organization=mandate.organization,
        topic=Notification.Topic.MANDATE,
        title=lambda: _("%(manager)s declined your mandate") % {"manager": _manager_name(mandate)},
        body=mandate.end_note,
        url=reverse("managers:mandate", kwargs={"pk": mandate.pk}),
        admins_only=True,
    )
    return mandate


@transaction.atomic
def mandate_end(*, actor: Actor, mandate: Mandate, note: str) -> Mandate:
    """Either side ends a mandate (the organization withdraws an offer the same way); the
    manager stops acting for the organization at once. Commissions already due stay due."""
    mandate = _locked(mandate)
    if not mandate_can_end(actor=actor, mandate=mandate):
        raise PermissionDenied(_("Only the manager or the organization's administrators end it."))
    if mandate.status not in (Mandate.Status.OFFERED, Mandate.Status.ACTIVE):
        raise ValidationError(_("This mandate has already ended."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say why the mandate ends.")})
    was_active = mandate.status == Mandate.Status.ACTIVE
    by_manager = mandate.manager_id == actor.user.pk
    mandate.status = Mandate.Status.ENDED
    mandate.end_note = note[:1000]
    mandate.ended_at = timezone.now()
    mandate.save(update_fields=["status", "end_note", "ended_at"])
    if was_active:
        outcome_record(
            name=N.MANDATE_ENDED,
            subject_type="mandate",
            subject_id=mandate.pk,
            actor=actor.user,
            organization=mandate.organization,
            region_id=mandate.organization.region_id,
            data=_mandate_data(mandate, by="manager" if by_manager else "organization"),
        )

    def title():
        return _("The mandate between %(organization)s and %(manager)s has ended") % {
            "organization": mandate.organization.name,
            "manager": _manager_name(mandate),
        }

    url = reverse("managers:mandate", kwargs={"pk": mandate.pk})
    if by_manager:
        notify_organization(
            organization=mandate.organization,
            topic=Notification.Topic.MANDATE,
            title=title,
            body=note,
            url=url,
            admins_only=True,
        )
    else:
        notify(
            users=[mandate.manager],
            topic=Notification.Topic.MANDATE,
            title=title,
            body=note,
            url=url,
        )
    return mandate


@transaction.atomic
def mandate_set_listings(*, actor: Actor, mandate: Mandate, listings: Iterable[Listing]) -> Mandate:
    """The organization's administrators widen or narrow the scope of a mandate in force."""
    mandate = _locked(mandate)
    if not mandate_can_offer(actor=actor, organization=mandate.organization):
        raise PermissionDenied(_("Only the organization's administrators change a mandate."))
    if mandate.status not in (Mandate.Status.OFFERED, Mandate.Status.ACTIVE):
        raise ValidationError(_("This mandate has already ended."))
    listings = list(listings)
    errors = {}
    if not listings:
        errors["listings"] = _("Choose at least one listing the manager acts on.")
    elif any(listing.organization_id != mandate.organization_id for listing in listings):
        errors["listings"] = _("A mandate covers only the organization's own listings.")
    if errors:
        raise ValidationError(errors)
    mandate.listings.set(listings)
    return mandate


def _manager_name(mandate: Mandate) -> str:
    profile = ManagerProfile.objects.filter(user_id=mandate.manager_id).first()
    return profile.name if profile else str(mandate.manager)


# --- commission --------------------------------------------------------------------------------


def commission_amounts(
    *, mandate: Mandate, technical_amount_yuan: Decimal
) -> tuple[Decimal, Decimal, bool]:
    """(share, amount due, capped): base fee + share of the technical-transaction amount, no
    more than the cap."""
    share = (technical_amount_yuan * mandate.success_share / 100).quantize(CENT, ROUND_HALF_UP)
    due = mandate.base_fee + share
    if mandate.cap is not None and due > mandate.cap:
        return share, mandate.cap, True
    return share, due, False


def _brokering_mandates(deal: Deal, contract: Contract) -> list[Mandate]:
    """The mandates whose scope holds the deal's need or listing, given by one of its parties,
    accepted and in force on the day the contract was signed."""
    signed_on = contract.signed_on or timezone.localdate()
    listing_ids = [pk for pk in (deal.need_id, deal.listing_id) if pk]
    return list(
        Mandate.objects.filter(
            listings__in=listing_ids,
            organization_id__in=deal.party_ids,
            status__in=[Mandate.Status.ACTIVE, Mandate.Status.ENDED],
            accepted_at__isnull=False,
            starts_on__lte=signed_on,
            ends_on__gte=signed_on,
        )
        .exclude(ended_at__date__lt=signed_on)
        .select_related("organization")
        .distinct()
    )


def _tell_commission_due(mandate: Mandate, deal: Deal, due: Decimal) -> None:
    """The manager and the mandating organization's administrators hear of the commission."""

    def title():
        return _("Commission due for %(deal)s: %(amount)s yuan") % {
            "deal": deal.title,
            "amount": f"{due:,.2f}",
        }

    url = reverse("managers:mandate", kwargs={"pk": mandate.pk})
    notify(users=[mandate.manager], topic=Notification.Topic.MANDATE, title=title, url=url)
    notify_organization(
        organization=mandate.organization,
        topic=Notification.Topic.MANDATE,
        title=title,
        url=url,
        admins_only=True,
    )


@transaction.atomic
def commissions_compute(*, deal: Deal) -> list[Commission]:
    """Once a deal's registration is verified, the commission each brokering manager is due,
    from the verified technical-transaction amount; computed once per mandate and deal."""
    contract = Contract.objects.filter(deal=deal).first()
    if contract is None or contract.registration_status != Contract.Registration.VERIFIED:
        return []
    technical_yuan = contract.technical_amount * TEN_THOUSAND
    created = []
    for mandate in _brokering_mandates(deal, contract):
        if Commission.objects.filter(mandate=mandate, deal=deal).exists():
            continue
        share, due, capped = commission_amounts(
            mandate=mandate, technical_amount_yuan=technical_yuan
        )
        commission = Commission.objects.create(
            mandate=mandate,
            deal=deal,
            technical_amount=technical_yuan,
            base_fee=mandate.base_fee,
            share_amount=share,
            amount_due=due,
            capped=capped,
        )
        outcome_record(
            name=N.COMMISSION_DUE,
            subject_type="deal",
            subject_id=deal.pk,
            organization=mandate.organization,
            counterpart=deal.supply_party
            if mandate.organization_id == deal.demand_party_id
            else deal.demand_party,
            region_id=deal.region_id,
            field_id=deal.field_id,
            amount=due,
            data={"manager": mandate.manager_id, "mandate": mandate.pk, "capped": capped},
        )
        _tell_commission_due(mandate, deal, due)
        created.append(commission)
    return created
