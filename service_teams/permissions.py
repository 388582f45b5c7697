"""Who may see and act on teams, missions and pilot cities, read from the Actor.

A team acts through its own members (or its token) and its society's administrators; the
society's administrators (and the team's) manage its members and stations. A host confirms
only the missions it hosts. The CAST staff of the pilot city's office (the province's where the
city has none) verify or return missions. A pilot city's targets are set by the
staff of its region; it is assessed by the provincial office's staff or by a third-party
evaluator (an agency) named on the pilot city.
"""

from organizations.models import Organization
from organizations.selectors import Actor, region_office
from service_teams.models import Mission, MissionStatus, PilotCity


def is_team(organization: Organization) -> bool:
    return organization.kind == Organization.Kind.SERVICE_TEAM


def team_can_act(*, actor: Actor, team: Organization) -> bool:
    """Plan, report and cancel the team's missions."""
    if not actor.is_authenticated:
        return False
    return team.pk in actor.organization_ids or (
        team.parent_id is not None and team.parent_id in actor.admin_organization_ids
    )


def team_can_manage(*, actor: Actor, team: Organization) -> bool:
    """Manage the team's members and stations: a person, administrator of the society or team."""
    if not actor.is_person:
        return False
    return actor.is_superuser or bool({team.pk, team.parent_id} & set(actor.admin_organization_ids))


def mission_is_host(*, actor: Actor, mission: Mission) -> bool:
    return any(row.host_id in actor.organization_ids for row in mission.host_rows.all())


def mission_verifying_office(*, mission: Mission) -> Organization | None:
    """The CAST office that verifies: the pilot city's own, else its province's (None: the
    platform's administrators)."""
    return region_office(region=mission.pilot_city.region)


def mission_can_verify(*, actor: Actor, mission: Mission) -> bool:
    """The staff (or reviewing token) of the verifying office only: where the city has its
    own office, the province's staff read the mission but do not verify it."""
    if not actor.is_authenticated:
        return False
    if actor.is_superuser:
        return True
    region_id = mission.pilot_city.region_id
    if not actor.can_review_region(region_id):
        return False
    office = mission_verifying_office(mission=mission)
    return office is not None and office.pk in actor.organization_ids


def mission_can_read(*, actor: Actor, mission: Mission) -> bool:
    """Verified missions are public; the others: the team, the hosts and the CAST staff who
    review the pilot city's region (the province's too, as the missions list shows them)."""
    if mission.status == MissionStatus.VERIFIED:
        return True
    return (
        team_can_act(actor=actor, team=mission.team)
        or mission_is_host(actor=actor, mission=mission)
        or actor.can_review_region(mission.pilot_city.region_id)
    )


def pilot_can_set_targets(*, actor: Actor, pilot: PilotCity) -> bool:
    return actor.is_person and actor.can_review_region(pilot.region_id)


def pilot_province_id(pilot: PilotCity) -> int:
    return pilot.region.parent_id or pilot.region_id


def pilot_assessor(*, actor: Actor, pilot: PilotCity) -> Organization | None:
    """The organization the actor assesses the pilot city for: the provincial CAST office
    (its staff), or a third-party evaluator named on the pilot city; None when neither."""
    if not actor.is_authenticated:
        return None
    province_id = pilot_province_id(pilot)
    candidates = Organization.objects.filter(pk__in=actor.organization_ids).order_by("pk")
    for organization in candidates:
        if (
            organization.kind == Organization.Kind.CAST_OFFICE
            and organization.region_id == province_id
            and actor.can_review_region(province_id)
        ):
            return organization
        if (
            organization.kind == Organization.Kind.AGENCY
            and organization.is_verified
            and pilot.evaluators.filter(pk=organization.pk).exists()
        ):
            return organization
    return None
