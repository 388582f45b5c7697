"""Demo expert service teams and pilot cities for `make run`: the demo societies' three teams
with their members and stations, three pilot cities (Hangzhou, Shenzhen, Suzhou) with targets,
missions in every status, collected needs published by the city's CAST office (one of them
already in contact with a supplier), and an assessment of each city, so the pilot pages show
real figures.

Everything goes through the services, with the clock set back for each step
(core.demo.demo_clock): the teams plan and report, the hosts confirm, the city's CAST office
verifies (or returns one), the provincial office or an agency assesses.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from conversations.services import conversation_open_for_program
from core.demo import demo_clock
from organizations.models import Membership, Organization
from organizations.selectors import actor_for, organization_reviewers, region_office
from repositories.services import listing_review
from service_teams import services
from service_teams.models import Mission, MissionStatus, PilotCity, TeamMember
from taxonomy.models import Field, Region

# Each team: its name, the city it serves and its members (role, name, affiliation, expertise).
TEAMS = [
    {
        "team": "浙江省生态环境科技学会工业废水治理专家服务团",
        "city": "330100",
        "members": [
            ("chief", "沈国华", "浙江大学环境与资源学院", "工业废水深度处理"),
            ("lead", "朱建平", "浙江省环境科学研究院", "印染废水提标改造"),
            ("member", "陈晓梅", "浙江工业大学", "膜分离与回用"),
            ("commissioner", "王立新", "杭州市环保产业协会", "企业环保合规诊断"),
        ],
        "station": ("expert", "钱塘新区工业废水专家服务站", "杭州澄源环保科技有限公司"),
    },
    {
        "team": "广东省机器人与智能装备学会机器人应用科技服务团",
        "city": "440300",
        "members": [
            ("chief", "黄志刚", "华南理工大学机械与汽车工程学院", "工业机器人控制"),
            ("lead", "何文博", "深圳湾前沿技术研究院", "产线自动化改造"),
            ("commissioner", "林少峰", "深圳市机器人协会", "中小企业智能化诊断"),
        ],
        "station": ("innovation", "宝安智能装备企业创新服务驿站", "深圳澜拓智能装备有限公司"),
    },
    {
        "team": "江苏省生物医药工程学会成果转化服务团",
        "city": "320500",
        "members": [
            ("chief", "顾明远", "苏州大学药学院", "生物药工艺放大"),
            ("lead", "毛立群", "江苏省医药工业研究院", "GMP合规与注册申报"),
            ("member", "许文静", "中国药科大学", "制剂开发"),
        ],
        "station": ("society", "苏州工业园区学会协作站", "苏州晶衡微电子有限公司"),
    },
]

PILOTS = [
    {
        "city": "330100",
        "name": "杭州市",
        "batch": 1,
        "targets": (12, 40, 6, 3),
        "lead_society": "浙江省生态环境科技学会",
        "evaluator": None,
    },
    {
        "city": "440300",
        "name": "深圳市",
        "batch": 1,
        "targets": (8, 30, 4, 2),
        "lead_society": "广东省机器人与智能装备学会",
        "evaluator": "深圳智衡知识产权运营有限公司",
    },
    {
        "city": "320500",
        "name": "苏州市",
        "batch": 2,
        "targets": (6, 30, 3, 2),
        "lead_society": "江苏省生物医药工程学会",
        "evaluator": None,
    },
]

# Each mission: the team's index, how far it goes, days ago it was planned, and its text.
MISSIONS = [
    (
        0,
        "verified",
        80,
        "training",
        "印染企业废水提标改造培训",
        "杭州澄源环保科技有限公司",
        [
            (
                "印染废水膜浓缩液处理技术需求",
                "膜浓缩液COD高达3000mg/L，现有蒸发工艺能耗高，需低成本处置方案。",
            )
        ],
    ),
    (
        0,
        "verified",
        55,
        "diagnosis",
        "化工园区企业废水处理诊断",
        "杭州知韵智能科技有限公司",
        [("废水在线监测数据异常识别", "在线监测数据漂移频繁，希望引入算法识别异常并预警。")],
    ),
    (0, "rejected", 30, "consulting", "工业废水回用政策咨询", "杭州澄源环保科技有限公司", []),
    (
        0,
        "reported",
        12,
        "evaluation",
        "废水处理新工艺成果评价",
        "杭州知韵智能科技有限公司",
        [("高盐废水分盐结晶技术", "需要将高盐废水中的氯化钠与硫酸钠分离，回收工业盐。")],
    ),
    (0, "planned", 2, "outreach", "环保科普进企业", "杭州澄源环保科技有限公司", []),
    (
        1,
        "verified",
        60,
        "transfer",
        "机器人视觉检测成果对接",
        "深圳澜拓智能装备有限公司",
        [("精密零件视觉检测节拍提升", "现有检测节拍3秒/件，需提升至1秒/件且漏检率低于0.1%。")],
    ),
    (1, "confirmed", 20, "diagnosis", "产线自动化改造诊断", "深圳澜拓智能装备有限公司", []),
    (1, "cancelled", 10, "training", "协作机器人应用培训", "深圳澜拓智能装备有限公司", []),
    (
        2,
        "verified",
        45,
        "consulting",
        "生物医药企业注册申报咨询",
        "苏州晶衡微电子有限公司",
        [("医用传感芯片注册检验方案", "医用传感芯片需要制定注册检验方案并对接检验机构。")],
    ),
    (2, "planned", 1, "training", "GMP合规培训", "苏州晶衡微电子有限公司", []),
]


def _user(organization: Organization, *, admin: bool = False):
    memberships = Membership.objects.filter(
        organization=organization, status=Membership.Status.ACTIVE
    )
    if admin:
        memberships = memberships.filter(role=Membership.Role.ADMIN)
    membership = memberships.select_related("user").order_by("pk").first()
    return membership.user if membership else None


def _staff(region: Region):
    users = organization_reviewers(office=region_office(region=region))
    return users[0] if users else None


def _evidence(title: str) -> ContentFile:
    return ContentFile(b"%PDF-1.4 demo sign-in sheet " + title.encode(), name="签到表.pdf")


def _team(spec: dict, regions: dict) -> Organization | None:
    team = Organization.objects.filter(name=spec["team"], status="verified").first()
    if team is None or team.parent_id is None:
        return None
    society_admin = _user(team.parent, admin=True)
    if society_admin is None:
        return None
    admin = actor_for(user=society_admin)
    team_user = _user(team)
    field = Field.objects.filter(level=Field.Level.DIRECTION).order_by("code").first()
    for role, name, affiliation, expertise in spec["members"]:
        services.member_save(
            actor=admin,
            team=team,
            data={
                "role": role,
                "name": name,
                "affiliation": affiliation,
                "expertise": expertise,
                "field": field,
                # The team's own login is its science and technology commissioner.
                "user": team_user if role == "commissioner" else None,
            },
        )
    kind, name, host_name = spec["station"]
    host = Organization.objects.filter(name=host_name).first()
    if host is not None:
        services.station_save(
            actor=admin,
            team=team,
            data={"kind": kind, "name": name, "host": host, "region": regions[spec["city"]]},
        )
    return team


def _pilot(spec: dict, regions: dict, start) -> PilotCity:
    needs, rate, events, projects = spec["targets"]
    pilot = PilotCity.objects.create(
        region=regions[spec["city"]],
        name=spec["name"],
        batch=spec["batch"],
        starts_on=start,
        target_needs=needs,
        target_match_rate=rate,
        target_events=events,
        target_projects=projects,
    )
    society = Organization.objects.filter(name=spec["lead_society"]).first()
    if society is not None:
        pilot.lead_societies.add(society)
    if spec["evaluator"]:
        evaluator = Organization.objects.filter(name=spec["evaluator"]).first()
        if evaluator is not None:
            pilot.evaluators.add(evaluator)
    staff = _staff(regions[spec["city"]])
    if staff is not None:
        pilot.working_group.add(staff)
    pilot.focus_fields.set(Field.objects.filter(level=Field.Level.INDUSTRY).order_by("code")[:2])
    return pilot


def _walk(spec, *, teams, pilots, now: datetime) -> Mission | None:
    index, target, days_ago, kind, title, host_name, needs = spec
    team = teams.get(index)
    host = Organization.objects.filter(name=host_name, status="verified").first()
    if team is None or host is None:
        return None
    pilot = pilots[TEAMS[index]["city"]]
    team_actor = actor_for(user=_user(team))
    members = list(TeamMember.objects.filter(team=team))
    start = now - timedelta(days=days_ago)
    with demo_clock(start):
        mission = services.mission_plan(
            actor=team_actor,
            team=team,
            data={
                "title": title,
                "kind": kind,
                "pilot_city": pilot,
                "starts_on": start.date() + timedelta(days=3),
                "ends_on": start.date() + timedelta(days=4),
                "plan": f"{title}：走访{host.name}，现场座谈并开展专题服务。",
            },
            hosts=[host],
            members=members,
        )
    if target == MissionStatus.PLANNED:
        return mission
    if target == MissionStatus.CANCELLED:
        with demo_clock(start + timedelta(days=1)):
            services.mission_transition(
                actor=team_actor, mission=mission, action="cancel", note="企业停产检修，改期举行。"
            )
        return mission
    with demo_clock(start + timedelta(days=5)):
        services.mission_report(
            actor=team_actor,
            mission=mission,
            summary=f"{title}顺利开展，服务团专家与企业技术人员座谈，现场解答技术问题并形成服务纪要。",
            problems_answered=len(members) + 2,
            hours={m.pk: 4 + 2 * n for n, m in enumerate(members)},
            needs=[{"host": host.pk, "title": t, "problem": p} for t, p in needs],
            evidence_files=[_evidence(title)],
        )
    if target == MissionStatus.REPORTED:
        return mission
    with demo_clock(start + timedelta(days=6)):
        services.mission_transition(
            actor=actor_for(user=_user(host)), mission=mission, action="confirm"
        )
    staff = _staff(pilot.region)
    if target == MissionStatus.CONFIRMED or staff is None:
        return mission
    staff_actor = actor_for(user=staff)
    with demo_clock(start + timedelta(days=8)):
        for link in mission.collected.select_related("listing"):
            listing_review(listing=link.listing, actor=staff_actor, approve=True)
        if target == MissionStatus.REJECTED:
            services.mission_transition(
                actor=staff_actor,
                mission=mission,
                action="reject",
                note="签到表人数与报告不符，请补充完整的签到表后重新报告。",
            )
        else:
            services.mission_transition(actor=staff_actor, mission=mission, action="verify")
    return mission


def _contact(mission: Mission, now) -> None:
    """The first need of the first verified mission reaches a supplier (for the 对接率)."""
    link = mission.collected.select_related("listing").first()
    supplier = (
        Organization.objects.filter(
            kind=Organization.Kind.INSTITUTION, status=Organization.Status.VERIFIED
        )
        .order_by("pk")
        .first()
    )
    if link is None or supplier is None:
        return
    with demo_clock(now - timedelta(days=20)):
        conversation_open_for_program(
            demand_party=link.listing.organization,
            supply_party=supplier,
            subject=link.listing.title,
            region_id=link.listing.region_id,
            listing=link.listing,
        )


def _assess(pilot: PilotCity, now) -> None:
    evaluator = pilot.evaluators.first()
    if evaluator is not None:
        user = _user(evaluator)
    else:
        user = _staff(pilot.region.parent or pilot.region)
    if user is None:
        return
    with demo_clock(now - timedelta(days=1)):
        services.pilot_assess(
            actor=actor_for(user=user),
            pilot=pilot,
            period="2026年第三季度",
            score="82.5",
            level="good",
            findings="服务团按计划开展服务，需求收集与对接进展良好；建议加强需求对接后的跟踪服务。",
        )


@transaction.atomic
def demo_service_teams_load() -> int:
    """Load once: the number of missions (existing ones when already loaded)."""
    if PilotCity.objects.filter(name__in=[p["name"] for p in PILOTS]).exists():
        return Mission.objects.count()
    now = timezone.now()
    regions = {r.code: r for r in Region.objects.filter(code__in=[t["city"] for t in TEAMS])}
    teams = {}
    for index, spec in enumerate(TEAMS):
        team = _team(spec, regions)
        if team is not None:
            teams[index] = team
    start = (now - timedelta(days=120)).date()
    pilots = {spec["city"]: _pilot(spec, regions, start) for spec in PILOTS}
    walked = [_walk(spec, teams=teams, pilots=pilots, now=now) for spec in MISSIONS]
    missions = list(Mission.objects.filter(pk__in=[m.pk for m in walked if m is not None]))
    verified = sorted(
        (m for m in missions if m.status == MissionStatus.VERIFIED), key=lambda m: m.starts_on
    )
    if verified:
        _contact(verified[0], now)
    for pilot in pilots.values():
        _assess(pilot, now)
    return len(missions)
