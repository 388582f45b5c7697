"""A society with a service team in Hangzhou's pilot city: two hosts there, one in Shenzhen,
the CAST staff of Hangzhou, of Zhejiang (the province) and of Shenzhen, and an evaluator."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from organizations.models import Membership, Organization
from organizations.selectors import actor_for
from service_teams import services
from service_teams.models import MemberRole, Mission, PilotCity, TeamMember
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    ZHEJIANG,
    OrganizationFactory,
    cast_staff,
    direction,
    member_of,
    region,
)


def act(user):
    return actor_for(user=user)


def evidence():
    return SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 sign-in sheet")


@dataclass
class World:
    society: Organization
    society_admin: object
    team: Organization
    team_user: object
    chief: TeamMember
    commissioner: TeamMember
    host: Organization
    host_user: object
    host2: Organization
    host2_user: object
    far_host: Organization
    other_user: object
    staff: object
    province_staff: object
    far_staff: object
    agency: Organization
    agency_user: object
    pilot: PilotCity
    far_pilot: PilotCity


def plan(world, *, hosts=None, starts_in=0, **data) -> Mission:
    today = timezone.localdate()
    return services.mission_plan(
        actor=act(world.team_user),
        team=world.team,
        data={
            "title": "锂电材料企业技术诊断",
            "kind": "diagnosis",
            "pilot_city": world.pilot,
            "starts_on": today + timedelta(days=starts_in),
            "ends_on": today + timedelta(days=starts_in + 1),
            "plan": "走访两家企业，诊断工艺问题。",
            **data,
        },
        hosts=hosts or [world.host, world.host2],
        members=[world.chief, world.commissioner],
    )


def report(world, mission, *, needs=None, hours=None):
    return services.mission_report(
        actor=act(world.team_user),
        mission=mission,
        summary="诊断了浸出工艺，提出三条改进建议。",
        problems_answered=3,
        hours=hours or {world.chief.pk: "6", world.commissioner.pk: "8.5"},
        needs=needs
        if needs is not None
        else [{"host": world.host.pk, "title": "浸出液除杂技术需求", "problem": "铁铝杂质高。"}],
        evidence_files=[evidence()],
    )


def confirm_all(world, mission):
    for user in (world.host_user, world.host2_user):
        services.mission_transition(actor=act(user), mission=mission, action="confirm")
    mission.refresh_from_db()
    return mission


def verify(world, mission):
    return services.mission_transition(actor=act(world.staff), mission=mission, action="verify")


@pytest.fixture
def world(db):
    society = OrganizationFactory(
        name="中国有色金属学会", kind=Organization.Kind.SOCIETY, region=region(HANGZHOU)
    )
    team = OrganizationFactory(
        name="有色金属科技服务团", kind=Organization.Kind.SERVICE_TEAM, parent=society
    )
    team_user = member_of(team, role=Membership.Role.MEMBER, username="team")
    chief = TeamMember.objects.create(
        team=team, role=MemberRole.CHIEF, name="张院士", affiliation="中南大学", field=direction()
    )
    commissioner = TeamMember.objects.create(
        team=team, role=MemberRole.COMMISSIONER, name="李特派员", user=team_user
    )
    host = OrganizationFactory(name="杭州锂源材料有限公司")
    host2 = OrganizationFactory(name="杭州钴业科技有限公司")
    far_host = OrganizationFactory(name="深圳电池有限公司", region=region(SHENZHEN))
    agency = OrganizationFactory(name="浙江评估咨询有限公司", kind=Organization.Kind.AGENCY)
    pilot = PilotCity.objects.create(
        region=region(HANGZHOU),
        name="杭州市",
        batch=1,
        starts_on=timezone.localdate() - timedelta(days=30),
        target_needs=10,
        target_match_rate=50,
        target_events=4,
        target_projects=2,
    )
    pilot.evaluators.add(agency)
    far_pilot = PilotCity.objects.create(
        region=region(SHENZHEN), name="深圳市", starts_on=timezone.localdate() - timedelta(days=30)
    )
    return World(
        society=society,
        society_admin=member_of(society, username="society-admin"),
        team=team,
        team_user=team_user,
        chief=chief,
        commissioner=commissioner,
        host=host,
        host_user=member_of(host, username="host"),
        host2=host2,
        host2_user=member_of(host2, username="host2"),
        far_host=far_host,
        other_user=member_of(OrganizationFactory(name="无关企业"), username="other"),
        staff=cast_staff(HANGZHOU, username="hz-staff"),
        province_staff=cast_staff(ZHEJIANG, username="zj-staff"),
        far_staff=cast_staff(SHENZHEN, username="sz-staff"),
        agency=agency,
        agency_user=member_of(agency, username="agency"),
        pilot=pilot,
        far_pilot=far_pilot,
    )
