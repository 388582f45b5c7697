"""Reads about technology managers: the public directory, mandates an actor may see, the
commissions due, and a manager's standing computed from the outcome log."""

from __future__ import annotations

from collections import defaultdict
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
from search.text import query_words

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
    for word in query_words(query):
        managers = managers.filter(
            Q(name__icontains=word) | Q(headline__icontains=word) | Q(bio__icontains=word)
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


def manager_records(*, user_ids) -> dict[int, dict]:
    """What the public profiles show of managers' records, in three queries for a whole page:
    mandates held (and in force), organizations served, deals brokered and registered — never
    the amounts or the organizations."""
    user_ids = list(user_ids)
    records = {
        user_id: {"mandates": 0, "mandates_in_force": 0, "organizations": 0, "deals_registered": 0}
        for user_id in user_ids
    }
    served = defaultdict(set)
    for mandate in Mandate.objects.filter(manager_id__in=user_ids, accepted_at__isnull=False):
        record = records[mandate.manager_id]
        record["mandates"] += 1
        record["mandates_in_force"] += mandate.is_in_force()
        served[mandate.manager_id].add(mandate.organization_id)
    brokered = (
        Commission.objects.filter(mandate__manager_id__in=user_ids)
        .values_list("mandate__manager_id", "deal_id")
        .distinct()
    )
    for user_id, _deal_id in brokered:
        records[user_id]["deals_registered"] += 1
    for user_id, organizations in served.items():
        records[user_id]["organizations"] = len(organizations)
    return records


def manager_record(*, profile: ManagerProfile) -> dict:
    return manager_records(user_ids=[profile.user_id])[profile.user_id]


def manager_standings(*, user_ids, at: datetime | None = None) -> dict[int, Standing]:
    """Managers' standings at `at`, from the outcome log only, by credit's rules: the contracts
    registered in each manager's mandates (commission.due naming the manager) and how those
    deals ended, weighed by age over the same window. Two queries for a whole page."""
    user_ids = list(user_ids)
    at = at or timezone.now()
    since = at - timedelta(days=settings.CREDIT_WINDOW_DAYS)
    brokered = OutcomeEvent.objects.filter(
        name=N.COMMISSION_DUE, data__manager__in=user_ids, occurred_at__lte=at
    ).values_list("pk", "subject_id", "data__manager")
    managers_of_deal, manager_of_event = defaultdict(set), {}
    for pk, deal_id, user_id in brokered:
        managers_of_deal[deal_id].add(int(user_id))
        manager_of_event[pk] = int(user_id)
    events = (
        OutcomeEvent.objects.filter(
            Q(pk__in=list(manager_of_event))
            | Q(
                subject_type="deal",
                subject_id__in=list(managers_of_deal),
                name__in=[N.DEAL_COMPLETED, N.DEAL_TERMINATED],
            ),
            occurred_at__gt=since,
            occurred_at__lte=at,
        )
        .select_related("organization")
        .order_by("-occurred_at", "-id")
    )
    kind_labels = dict(Organization.Kind.choices)
    lines_of = defaultdict(list)
    for event in events:
        points, label = MANAGER_EFFECTS[event.name]
        kind = event.organization.kind if event.organization_id else ""
        line = Line(
            event_id=event.pk,
            occurred_at=event.occurred_at,
            name=event.name,
            label=label,
            points=points,
            weight=weight_at(occurred_at=event.occurred_at, at=at),
            counterpart_kind=kind_labels.get(kind, ""),
        )
        owners = (
            {manager_of_event[event.pk]}
            if event.pk in manager_of_event
            else managers_of_deal[event.subject_id]
        )
        for user_id in owners:
            lines_of[user_id].append(line)
    return {user_id: _standing(lines_of[user_id], at) for user_id in user_ids}


def _standing(lines: list[Line], at: datetime) -> Standing:
    good = sum(line.weighted for line in lines if line.points > 0)
    bad = -sum(line.weighted for line in lines if line.points < 0)
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


def manager_credit_compute(*, profile: ManagerProfile, at: datetime | None = None) -> Standing:
    """One manager's standing (see manager_standings)."""
    return manager_standings(user_ids=[profile.user_id], at=at)[profile.user_id]
