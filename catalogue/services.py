"""Writes of the catalogue. Every change of an offering's status goes through
offering_transition, by the table in catalogue.models.TRANSITIONS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.models import (
    TRANSITIONS,
    OfferingAction,
    OfferingStatus,
    PriceKind,
    ServiceOffering,
)
from catalogue.permissions import (
    offering_can_edit,
    offering_can_provide_for,
    offering_is_own,
    offering_may_take,
)
from notifications.models import Notification
from organizations.models import Organization
from organizations.selectors import Actor
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from taxonomy.models import Field, Region

EDITABLE_FIELDS = (
    "category",
    "title",
    "description",
    "deliverables",
    "price_kind",
    "price_amount",
    "lead_time_days",
)


def _validate(offering: ServiceOffering) -> None:
    """The model's own checks, the price's consistency and who may offer the category; each
    error on the field it concerns."""
    errors: dict[str, list] = {}
    try:
        offering.full_clean(exclude=["provider", "created_by", "reviewed_by"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if "price_amount" not in errors and "price_kind" not in errors:
        amount = offering.price_amount
        if offering.price_kind == PriceKind.ON_QUOTE and amount is not None:
            errors["price_amount"] = [_("Leave the amount empty when the price is on quote.")]
        elif offering.price_kind != PriceKind.ON_QUOTE and amount is None:
            errors["price_amount"] = [_("Enter the amount for a fixed price or a price from.")]
        elif offering.price_kind == PriceKind.FROM and amount is not None and amount <= 0:
            errors["price_amount"] = [_("A price from must be more than 0 yuan.")]
    if (
        "category" not in errors
        and offering.category_id
        and not offering.category.may_be_offered_by(offering.provider)
    ):
        errors["category"] = [
            _("A %(kind)s cannot offer services in this category.")
            % {"kind": offering.provider.get_kind_display()}
        ]
    if errors:
        raise ValidationError(errors)


def _set_relations(offering, regions, fields):
    if regions is not None:
        offering.regions.set(regions)
    if fields is not None:
        offering.fields.set(fields)


@transaction.atomic
def offering_create(
    *,
    actor: Actor,
    provider: Organization,
    data: dict[str, Any],
    regions: Iterable[Region] = (),
    fields: Iterable[Field] = (),
) -> ServiceOffering:
    """A new draft in the name of one of the actor's organizations that provides services."""
    if not offering_can_provide_for(actor=actor, organization=provider):
        raise PermissionDenied(_("You can offer services only for your own organization."))
    offering = ServiceOffering(provider=provider, created_by=actor.user)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(offering, name, data[name])
    _validate(offering)
    offering.save()
    _set_relations(offering, list(regions), list(fields))
    return offering


@transaction.atomic
def offering_update(
    *,
    actor: Actor,
    offering: ServiceOffering,
    data: dict[str, Any],
    regions: Iterable[Region] | None = None,
    fields: Iterable[Field] | None = None,
) -> ServiceOffering:
    """Change an offering. A published one goes back to review: buyers must not see an
    unreviewed price or text, and orders placed earlier keep what they were placed on."""
    offering = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
    if not offering_is_own(actor=actor, offering=offering):
        raise PermissionDenied(_("You cannot edit this offering."))
    if not offering_can_edit(actor=actor, offering=offering):
        raise ValidationError(_("An offering awaiting review cannot be edited; withdraw it first."))
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(offering, name, data[name])
    _validate(offering)
    if offering.status == OfferingStatus.PUBLISHED:
        offering.status = OfferingStatus.PENDING
        offering.submitted_at = timezone.now()
    offering.save()
    _set_relations(
        offering,
        list(regions) if regions is not None else None,
        list(fields) if fields is not None else None,
    )
    return offering


@transaction.atomic
def offering_transition(
    *, actor: Actor, offering: ServiceOffering, action: str, note: str = ""
) -> ServiceOffering:
    """Take one step of the table: submit, withdraw (the provider), approve or reject (the
    CAST staff of the provider's region, a note required to reject). The provider is told of
    the review; a publication is an `offering.published` event in the outcome log."""
    offering = (
        ServiceOffering.objects.select_for_update()
        .select_related("provider", "category")
        .get(pk=offering.pk)
    )
    step = TRANSITIONS.get((offering.status, action))
    if step is None:
        raise ValidationError(
            {
                "status": _("This cannot be done while the offering is %(status)s.")
                % {"status": offering.get_status_display()}
            }
        )
    if not offering_may_take(actor=actor, offering=offering, action=action):
        raise PermissionDenied(_("You may not do this to this offering."))
    note = note.strip()
    if action == OfferingAction.REJECT and not note:
        raise ValidationError({"note": _("Give the reason, so the provider can fix it.")})
    if action == OfferingAction.SUBMIT and not offering.provider.is_verified:
        raise ValidationError(
            _(
                "Your organization is awaiting verification by the local CAST office; "
                "you can keep drafts until then."
            )
        )
    now = timezone.now()
    offering.status = step[0]
    if action == OfferingAction.SUBMIT:
        offering.submitted_at = now
    if action in (OfferingAction.APPROVE, OfferingAction.REJECT):
        offering.reviewed_by = actor.user
        offering.reviewed_at = now
        offering.review_note = note
    if action == OfferingAction.APPROVE:
        offering.published_at = now
    offering.save()
    if action == OfferingAction.APPROVE:
        first_field = offering.fields.order_by("id").first()
        outcome_record(
            name=OutcomeEvent.Name.OFFERING_PUBLISHED,
            subject_type="offering",
            subject_id=offering.pk,
            actor=actor.user,
            organization=offering.provider,
            region_id=offering.provider.region_id,
            field_id=first_field.id if first_field else None,
            data={"category": offering.category.code},
        )
    if action in (OfferingAction.APPROVE, OfferingAction.REJECT):
        template = (
            gettext_lazy("Service published: %(title)s")
            if action == OfferingAction.APPROVE
            else gettext_lazy("Service not published: %(title)s")
        )
        notify_organization(
            organization=offering.provider,
            topic=Notification.Topic.SERVICE,
            title=lambda: template % {"title": offering.title},
            body=note,
            url=offering.get_absolute_url(),
        )
    return offering


def offering_submit(*, actor: Actor, offering: ServiceOffering) -> ServiceOffering:
    return offering_transition(actor=actor, offering=offering, action=OfferingAction.SUBMIT)


def offering_withdraw(*, actor: Actor, offering: ServiceOffering) -> ServiceOffering:
    return offering_transition(actor=actor, offering=offering, action=OfferingAction.WITHDRAW)


def offering_review(
    *, actor: Actor, offering: ServiceOffering, approve: bool, note: str = ""
) -> ServiceOffering:
    action = OfferingAction.APPROVE if approve else OfferingAction.REJECT
    return offering_transition(actor=actor, offering=offering, action=action, note=note)
