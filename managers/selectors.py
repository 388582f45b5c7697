"""Reads about technology managers: the public directory, mandates an actor may see, the
commissions due, and a manager's standing computed from the outcome log."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit import rules
from credit.selectors import Line, Standing, weight_at
from managers.models import Commission, ManagerProfile
from managers.permissions import mandate_can_read
from organizations.models import Mandate, Organization
from organizations.selectors import Actor
from outcomes.models import OutcomeEvent

N = OutcomeEvent.Name

# How a brokered deal counts for its manager: the same points as for the parties.
MANAGER_EFFECTS = {
    N.COMMISSION_DUE: (rules.REGISTRATION_VERIFIED, _("Brokered contract registered")),
    N.DEAL_COMPLETED: (rules.DEAL_COMPLETED, _("Brokered deal completed")),
    N.DEAL_TERMINATED: (rules.TERMINATED, _("Brokered contract terminated")),
}


def manager_list_public(*, query: str = "", field_id: int | None = None) -> QuerySet:
    """Managers whose certificate the CAST staff verified: the public directory."""
    managers = ManagerProfile.objects.filter(
        certificate_status=ManagerProfile.CertificateStatus.VERIFIED
    ).select_related("region__parent")
    if query:
        managers = managers.filter(
            Q(name__icontains=query) | Q(headline__icontains=query) | Q(bio__icontains=query)
        )
    if field_id:
        managers = managers.filter(Q(fields=field_id) | Q(fields__parent=field_id)).distinct()
    return managers.prefetch_related("fields")


def manager_get_public(*, actor: Actor, pk: int) -> ManagerProfile:
    """A verified manager's profile; an unverified one only for its owner and the staff who
    verify it; else 404."""
    profile = ManagerProfile.objects.select_related("region", "user").filter(pk=pk).first()
    if profile is None:
        raise Http404
    if profile.is_verified:
        return profile
    if actor.is_authenticated and (
        profile.user_id == actor.user.pk or actor.can_review_region(profile.region_id)
    ):
        return profile
    raise Http404


def manager_list_for_review(*, actor: Actor) -> QuerySet:
    managers = ManagerProfile.objects.filter(
        certificate_status=ManagerProfile.CertificateStatus.PENDING
    )
    if not actor.is_superuser:
        managers = managers.filter(region_id__in=actor.review_region_ids)
    return managers.select_related("region", "user").order_by("updated_at")


def mandate_list_visible(*, actor: Actor) -> QuerySet[Mandate]:
    """The actor's own mandates as a manager, and those its organizations gave."""
    mandates = Mandate.objects.select_related("organization", "manager__manager_profile")
    if not actor.is_authenticated:
        return mandates.none()
    if actor.is_superuser:
        return mandates
    visible = Q(organization_id__in=actor.organization_ids)
    if actor.is_person:  # a token acts for its organization, never as its creator
        visible |= Q(manager=actor.user)
    return mandates.filter(visible)


def mandate_get(*, actor: Actor, pk: int) -> Mandate:
    mandate = Mandate.objects.select_related("organization__region").filter(pk=pk).first()
    if mandate is None or not mandate_can_read(actor=actor, mandate=mandate):
        raise Http404
    return mandate


def commission_list_for_mandate(*, mandate: Mandate) -> QuerySet[Commission]:
    return mandate.commissions.select_related("deal")


def manager_record(*, profile: ManagerProfile) -> dict:
    """What the public profile shows of a manager's record: mandates held, deals brokered and
    registered (never the amounts or the organizations that chose to stay private)."""
    mandates = Mandate.objects.filter(manager_id=profile.user_id, accepted_at__isnull=False)
    commissions = Commission.objects.filter(mandate__manager_id=profile.user_id)
    return {
        "mandates": mandates.count(),
        "mandates_in_force": sum(1 for m in mandates if m.is_in_force()),
        "organizations": mandates.values("organization").distinct().count(),
        "deals_registered": commissions.values("deal").distinct().count(),
    }


def manager_credit_compute(*, profile: ManagerProfile, at: datetime | None = None) -> Standing:
    """A manager's standing at `at`, from the outcome log only, by credit's rules: the
    contracts registered in the manager's mandates (commission.due naming the manager) and how
    those deals ended, weighed by age over the same window."""
    at = at or timezone.now()
    since = at - timedelta(days=settings.CREDIT_WINDOW_DAYS)
    brokered = OutcomeEvent.objects.filter(
        name=N.COMMISSION_DUE, data__manager=profile.user_id, occurred_at__lte=at
    )
    deal_ids = set(brokered.values_list("subject_id", flat=True))
    events = (
        OutcomeEvent.objects.filter(
            Q(pk__in=brokered.values("pk"))
            | Q(
                subject_type="deal",
                subject_id__in=deal_ids,
                name__in=[N.DEAL_COMPLETED, N.DEAL_TERMINATED],
            ),
            occurred_at__gt=since,
            occurred_at__lte=at,
        )
        .select_related("organization")
        .order_by("-occurred_at", "-id")
    )
    kind_labels = dict(Organization.Kind.choices)
    lines, good, bad = [], 0.0, 0.0
    for event in events:
        points, label = MANAGER_EFFECTS[event.name]
        weight = weight_at(occurred_at=event.occurred_at, at=at)
        if points > 0:
            good += points * weight
        else:
            bad -= points * weight
        kind = event.organization.kind if event.organization_id else ""
        lines.append(
            Line(
                event_id=event.pk,
                occurred_at=event.occurred_at,
                name=event.name,
                label=label,
                points=points,
                weight=weight,
                counterpart_kind=kind_labels.get(kind, ""),
            )
        )
    score = None
    if len(lines) >= settings.CREDIT_MIN_EVENTS:
        score = rules.score_from(good=good, bad=bad, prior=settings.CREDIT_PRIOR_POINTS)
    level, level_label = rules.level_for(score)
    return Standing(
        organization_id=None,
        computed_at=at,
        score=score,
        level=level,
        level_label=level_label,
        good=good,
        bad=bad,
        lines=lines,
    )
