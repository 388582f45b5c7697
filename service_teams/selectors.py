"""Reads of service teams, missions and pilot cities.

A pilot city's actuals are read from the outcome log only (outcomes.OutcomeEvent in the
city's region and its cities, since the pilot started), never from the other apps' tables:
roadshows and deals are siblings or above, and the log is what every programme writes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, time
from decimal import Decimal

from django.db.models import DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from organizations.models import Organization
from organizations.selectors import Actor
from outcomes.models import OutcomeEvent
from service_teams.models import (
    Mission,
    MissionHost,
    MissionStatus,
    PilotCity,
    ServiceHourRecord,
    TeamMember,
)
from service_teams.permissions import mission_can_read, mission_can_verify
from taxonomy.models import Region

N = OutcomeEvent.Name
ACTUALS_EVENTS = (
    N.MISSION_REPORTED,
    N.MISSION_VERIFIED,
    N.LISTING_PUBLISHED,
    N.CONVERSATION_OPENED,
    N.DEAL_OPENED,
    N.ROADSHOW_HELD,
)


def region_ids_within(region_id: int) -> set[int]:
    """The region and its cities."""
    return {region_id, *Region.objects.filter(parent_id=region_id).values_list("id", flat=True)}


@dataclass(frozen=True)
class PilotActuals:
    needs_collected: int  # needs collected on missions, published
    needs_matched: int  # of those, the ones that reached contact or a deal
    match_rate: int  # percent
    missions_verified: int
    roadshows_held: int
    events_held: int  # missions verified + roadshows held
    projects: int  # deals opened on the region's needs
    service_hours: str  # verified, as a decimal string

    def as_dict(self) -> dict:
        return asdict(self)


def pilot_actuals(*, pilot: PilotCity) -> PilotActuals:
    """What the pilot city has done since it started, from the outcome log of its region."""
    within = region_ids_within(pilot.region_id)
    since = timezone.make_aware(datetime.combine(pilot.starts_on, time.min))
    rows = OutcomeEvent.objects.filter(
        name__in=ACTUALS_EVENTS, region_id__in=within, occurred_at__gte=since
    ).values_list("name", "subject_type", "subject_id", "data")
    mission_needs: set[int] = set()
    published_needs: set[int] = set()
    verified: set[int] = set()
    hours = Decimal("0")
    roadshows: set[int] = set()
    contacts: list[tuple[str, int, object]] = []
    for name, _subject_type, subject_id, data in rows:
        data = data or {}
        if name == N.MISSION_REPORTED:
            mission_needs.update(int(i) for i in data.get("needs") or [] if str(i).isdigit())
        elif name == N.MISSION_VERIFIED and subject_id not in verified:
            verified.add(subject_id)
            try:
                hours += Decimal(str(data.get("service_hours") or "0"))
            except ArithmeticError:
                pass
        elif name == N.LISTING_PUBLISHED and data.get("kind") == "need":
            published_needs.add(subject_id)
        elif name == N.ROADSHOW_HELD:
            roadshows.add(subject_id)
        elif name in (N.CONVERSATION_OPENED, N.DEAL_OPENED):
            contacts.append((name, subject_id, data.get("need")))
    collected = mission_needs & published_needs
    matched = {need for _name, _id, need in contacts if need in collected}
    projects = {
        subject_id
        for name, subject_id, need in contacts
        if name == N.DEAL_OPENED and need in published_needs
    }
    rate = round(100 * len(matched) / len(collected)) if collected else 0
    return PilotActuals(
        needs_collected=len(collected),
        needs_matched=len(matched),
        match_rate=rate,
        missions_verified=len(verified),
        roadshows_held=len(roadshows),
        events_held=len(verified) + len(roadshows),
        projects=len(projects),
        service_hours=str(hours),
    )


def _percent(actual, target) -> int:
    if not target:
        return 100 if actual else 0
    return min(100, round(100 * actual / target))


def pilot_progress(*, pilot: PilotCity, actuals: PilotActuals | None = None) -> list[dict]:
    """Each target beside its actual, with the share reached (0–100) for a progress bar."""
    actuals = actuals or pilot_actuals(pilot=pilot)
    rows = [
        ("needs", pilot.target_needs, actuals.needs_collected),
        ("match_rate", pilot.target_match_rate, actuals.match_rate),
        ("events", pilot.target_events, actuals.events_held),
        ("projects", pilot.target_projects, actuals.projects),
    ]
    return [
        {"key": key, "target": target, "actual": actual, "percent": _percent(actual, target)}
        for key, target, actual in rows
    ]


def pilot_list() -> QuerySet[PilotCity]:
    return PilotCity.objects.select_related("region", "region__parent").prefetch_related(
        "focus_fields", "lead_societies"
    )


def pilot_get(*, pk) -> PilotCity:
    pilot = pilot_list().filter(pk=pk).first()
    if pilot is None:
        raise Http404
    return pilot


# --- teams ---------------------------------------------------------------------------------


def team_list() -> QuerySet[Organization]:
    """Verified service teams by society, in pinyin order."""
    return (
        Organization.objects.filter(
            kind=Organization.Kind.SERVICE_TEAM, status=Organization.Status.VERIFIED
        )
        .select_related("parent", "region")
        .order_by("parent__name_sort_key", "name_sort_key")
    )


def team_get(*, pk) -> Organization:
    team = (
        Organization.objects.filter(pk=pk, kind=Organization.Kind.SERVICE_TEAM)
        .select_related("parent", "region")
        .first()
    )
    if team is None:
        raise Http404
    return team


def member_list(*, team: Organization) -> QuerySet[TeamMember]:
    """The team's members with their verified service hours."""
    return (
        TeamMember.objects.filter(team=team)
        .select_related("field", "user")
        .annotate(
            verified_hours=Coalesce(
                Sum("hour_records__hours"),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=10, decimal_places=1),
            )
        )
        .order_by("role", "name", "id")
    )


def team_hours(*, team: Organization) -> Decimal:
    total = ServiceHourRecord.objects.filter(member__team=team).aggregate(total=Sum("hours"))
    return total["total"] or Decimal("0")


# --- missions ------------------------------------------------------------------------------


def _missions() -> QuerySet[Mission]:
    return Mission.objects.select_related(
        "team", "team__parent", "pilot_city", "pilot_city__region"
    ).prefetch_related(
        Prefetch("host_rows", queryset=MissionHost.objects.select_related("host")),
        "member_rows__member",
    )


def mission_list_visible(*, actor: Actor) -> QuerySet[Mission]:
    """Verified missions for all; the others for their team (and society), hosts and staff."""
    if actor.is_superuser:
        return _missions()
    visible = Q(status=MissionStatus.VERIFIED)
    if actor.is_authenticated:
        visible |= Q(team_id__in=actor.organization_ids)
        visible |= Q(team__parent_id__in=actor.admin_organization_ids)
        visible |= Q(
            pk__in=MissionHost.objects.filter(host_id__in=actor.organization_ids).values(
                "mission_id"
            )
        )
        if actor.review_region_ids:
            visible |= Q(pilot_city__region_id__in=actor.review_region_ids)
    return _missions().filter(visible)


def mission_get(*, actor: Actor, pk) -> Mission:
    mission = _missions().filter(pk=pk).first()
    if mission is None or not mission_can_read(actor=actor, mission=mission):
        raise Http404
    return mission


def mission_list_for_team(*, actor: Actor, team: Organization) -> QuerySet[Mission]:
    return mission_list_visible(actor=actor).filter(team=team)


def mission_verify_queue(*, actor: Actor) -> list[Mission]:
    """Confirmed missions awaiting the actor's verification, oldest first."""
    if not actor.is_staff_reviewer:
        return []
    qs = _missions().filter(status=MissionStatus.CONFIRMED)
    if not actor.is_superuser:
        qs = qs.filter(pilot_city__region_id__in=actor.review_region_ids)
    return [
        m for m in qs.order_by("reported_at", "id") if mission_can_verify(actor=actor, mission=m)
    ]


def mission_host_queue(*, actor: Actor) -> QuerySet[Mission]:
    """Reported missions a host of the actor's has still to confirm."""
    if not actor.is_authenticated:
        return Mission.objects.none()
    waiting = MissionHost.objects.filter(
        host_id__in=actor.organization_ids, confirmed_at=None
    ).values("mission_id")
    return _missions().filter(status=MissionStatus.REPORTED, pk__in=waiting)
