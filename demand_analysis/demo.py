"""Demo demand analyses for `make run`, written by the team for five of the demo needs, in every
status: asked of the CAST staff and waiting, a draft the staff are writing, one delivered for a
service order and awaiting the owner, one accepted into the need (its changes now in the CAST
office's review queue) and one the owner declined. Everything goes through the services, with
the clock set back for each step (core.demo.demo_clock); a need, team, office or offering the
demo lacks is skipped."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from catalogue.models import OfferingStatus, PriceKind, ServiceOffering
from core.demo import demo_clock
from demand_analysis import services
from demand_analysis.models import DemandAnalysis
from orders.services import order_place, order_transition
from orders.transitions import Action
from organizations.models import Organization
from organizations.selectors import (
    actor_for,
    first_active_member,
    organization_reviewers,
    region_office,
)
from repositories.models import ListingStatus, Need

WASTEWATER = "印染废水深度处理COD与色度稳定达标"
FABRIC = "针织坯布及成品布面疵点在线视觉检测"
MOULDING = "注塑成型工艺参数智能推荐与试模优化软件"
COLD_CHAIN = "冷链运输全程温度监测低成本标签"
SCHEDULING = "农机零部件多品种小批量车间智能排产"

CONTENT = {
    WASTEWATER: {
        "problem_statement": (
            "在不新增占地、尽量利用现有芬顿反应池和沉淀池的前提下，把 8000 m³/d 印染废水生化出水"
            "（COD 150–200 mg/L、色度 60–80 倍）稳定处理到 COD≤50 mg/L、色度≤15 倍，"
            "同时把吨水深度处理成本由约 2.5 元降到 1.5 元以内，并大幅减少芬顿铁泥。"
        ),
        "sub_problems": [
            "难降解组分识别：PVA、分散染料和助剂在生化出水 COD 中各占多少",
            "水质波动：换产期间进水 COD 与色度的峰值及持续时间",
            "芬顿池改造的可行性：停水窗口、池容与水力停留时间",
            "副产物与污泥：新工艺的污泥量、处置去向及危废属性",
        ],
        "trl_wanted": 7,
        "contract_type": "development_commissioned",
        "indicators": [
            {
                "name": "出水 COD",
                "target": "≤ 50",
                "unit": "mg/L",
                "test_method": "HJ 828-2017 重铬酸盐法，连续 30 天日均值",
            },
            {
                "name": "出水色度",
                "target": "≤ 15",
                "unit": "倍",
                "test_method": "GB/T 11903 稀释倍数法",
            },
            {
                "name": "吨水处理成本",
                "target": "≤ 1.5",
                "unit": "元/m³",
                "test_method": "电耗与药剂消耗按月核算",
            },
            {
                "name": "化学污泥产量",
                "target": "比现状减少 ≥ 70",
                "unit": "%",
                "test_method": "压滤后污泥称重，对比改造前三个月",
            },
        ],
        "routes": [
            {
                "route": "非均相催化臭氧氧化 + 曝气生物滤池",
                "rationale": (
                    "可利用现有池体改造，几乎不产生化学污泥；需中试确定臭氧投加量与催化剂寿命。"
                ),
            },
            {
                "route": "电催化氧化 + 混凝",
                "rationale": "对色度去除效果好，但电耗偏高，需核算吨水成本。",
            },
            {
                "route": "优化芬顿（铁泥回用）作为过渡方案",
                "rationale": "改造量最小，可先行降低药剂成本，但难以达到污泥减量目标。",
            },
        ],
    },
    MOULDING: {
        "problem_statement": (
            "建立一套面向多品种注塑件的工艺参数推荐系统：依据材料、模具和机台数据给出首模参数，"
            "并根据试模缺陷迭代修正，把新模具平均试模次数和调机时间降下来，经验沉淀为企业知识库。"
        ),
        "sub_problems": [
            "历史试模记录的整理与结构化（参数、缺陷、修正措施）",
            "缺陷类型（短射、飞边、缩痕、翘曲）与参数调整规则的建模",
            "与现有注塑机控制器的数据读写接口",
        ],
        "trl_wanted": 6,
        "contract_type": "development_cooperative",
        "indicators": [
            {
                "name": "新模具平均试模次数",
                "target": "≤ 3",
                "unit": "次",
                "test_method": "上线后 6 个月内新模具试模记录统计",
            },
            {
                "name": "首模合格率",
                "target": "≥ 60",
                "unit": "%",
                "test_method": "首模按产品图纸全尺寸检验",
            },
            {"name": "单次调机时间", "target": "≤ 2", "unit": "h", "test_method": "MES 停机记录"},
        ],
        "routes": [
            {
                "route": "基于案例推理的参数推荐 + 规则修正",
                "rationale": "对历史数据量要求低，可解释性好，适合先行落地。",
            },
            {
                "route": "模流仿真与机器学习代理模型结合",
                "rationale": "精度更高，但需要模流分析能力和较多样本。",
            },
        ],
    },
    COLD_CHAIN: {
        "problem_statement": (
            "为冻品和预制菜的每个包装箱配一枚可全程记录温度曲线的一次性标签，"
            "在单价不超过 5 元的前提下满足 -30～+20℃ 测温和 30 天记录，收货时手机即可读取，"
            "用于界定解冻复冻的责任环节。"
        ),
        "sub_problems": [
            "低温下电池容量衰减与 30 天续航",
            "NFC 与 UHF RFID 两种读取方式的成本和读取距离取舍",
            "与物流商和商超的数据共享方式",
        ],
        "trl_wanted": 7,
        "contract_type": "transfer",
        "indicators": [
            {"name": "单标签成本", "target": "≤ 5", "unit": "元", "test_method": "10 万枚批量报价"},
            {
                "name": "测温精度",
                "target": "± 0.5",
                "unit": "℃",
                "test_method": "JJF 1366 温度数据采集仪校准规范，-30、-18、0、+20℃ 四点",
            },
            {
                "name": "数据存储时长",
                "target": "≥ 30",
                "unit": "天",
                "test_method": "10 分钟间隔连续记录",
            },
        ],
        "routes": [
            {
                "route": "超低功耗 NFC 温度记录芯片 + 纸电池",
                "rationale": "平台上已有相近成果，可评估技术转让。",
            },
        ],
    },
    SCHEDULING: {
        "problem_statement": (
            "为机加工车间（120 台数控设备、4000 余种零部件）开发支持插单和设备故障局部重排的"
            "高级排产系统，5000 道工序规模 5 分钟内出计划，与现有 ERP/MES 对接，计划员可人工锁定。"
        ),
        "sub_problems": [
            "刀具、工装等辅助资源约束的建模",
            "插单时的局部重排策略与计划稳定性",
            "ERP 订单与 MES 报工数据的质量治理",
        ],
        "trl_wanted": 8,
        "contract_type": "service",
        "indicators": [
            {
                "name": "排产计算时间",
                "target": "≤ 5",
                "unit": "min",
                "test_method": "5000 道工序实际订单数据，服务器实测",
            },
            {
                "name": "准时交付率",
                "target": "≥ 95",
                "unit": "%",
                "test_method": "上线后连续 3 个月统计",
            },
            {
                "name": "在制品库存",
                "target": "降低 ≥ 20",
                "unit": "%",
                "test_method": "对比上线前 3 个月月均值",
            },
        ],
        "routes": [
            {
                "route": "采购成熟 APS 软件并二次开发",
                "rationale": "周期短，但对小批量多品种的刀具约束支持有限。",
            },
            {
                "route": "基于约束规划求解器自研",
                "rationale": "贴合车间约束，需要算法团队长期维护。",
            },
        ],
    },
    FABRIC: {},
}


def _staff(need):
    office = region_office(region=need.region)
    if office is None:
        return None
    users = [user for user in organization_reviewers(office=office) if not user.is_superuser]
    return users[0] if users else None


def _need(title):
    return (
        Need.objects.filter(title=title, status=ListingStatus.PUBLISHED)
        .select_related("organization", "region")
        .order_by("id")
        .first()
    )


def _teams():
    return [
        team
        for team in Organization.objects.filter(
            kind=Organization.Kind.SERVICE_TEAM, status=Organization.Status.VERIFIED
        ).order_by("id")
        if first_active_member(team) is not None
    ]


def _team_for(need, teams):
    """A team of the need's province if there is one, else the first."""
    province = need.region.parent_id or need.region_id
    for team in teams:
        if province in (team.region_id, team.region.parent_id):
            return team
    return teams[0] if teams else None


def _write(analyst, analysis, title, when, *, submit):
    with demo_clock(when):
        services.analysis_save(actor=analyst, analysis=analysis, **CONTENT[title])
    if submit:
        with demo_clock(when + timedelta(hours=3)):
            services.analysis_submit(actor=analyst, analysis=analysis)


def _accepted(now, teams):
    need = _need(WASTEWATER)
    team = need and _team_for(need, teams)
    if team is None or first_active_member(need.organization) is None:
        return
    owner = actor_for(user=first_active_member(need.organization))
    with demo_clock(now - timedelta(days=26)):
        analysis = services.analysis_request(
            actor=owner,
            need=need,
            team=team,
            note="新排放标准明年执行，想请专家帮我们把深度处理的技术需求和指标梳理清楚。",
        )
    _write(
        actor_for(user=first_active_member(team)),
        analysis,
        WASTEWATER,
        now - timedelta(days=18),
        submit=True,
    )
    with demo_clock(now - timedelta(days=15)):
        services.analysis_accept(
            actor=owner, analysis=analysis, parts=["sub_problems", "indicators", "routes"]
        )


def _requested(now):
    need = _need(FABRIC)
    if need is None or first_active_member(need.organization) is None:
        return
    with demo_clock(now - timedelta(days=2)):
        services.analysis_request(
            actor=actor_for(user=first_active_member(need.organization)),
            need=need,
            note="发布一个多月了，推送的匹配都不太对路，想请科协老师帮我们看看需求怎么写更准确。",
        )


def _staff_draft(now, teams):
    need = _need(COLD_CHAIN)
    if need is None or first_active_member(need.organization) is None:
        return
    owner = actor_for(user=first_active_member(need.organization))
    staff = _staff(need)
    with demo_clock(now - timedelta(days=9)):
        analysis = services.analysis_request(
            actor=owner, need=need, note="希望明确标签的关键指标，方便和物流商一起验收。"
        )
    if staff is not None:
        _write(actor_for(user=staff), analysis, COLD_CHAIN, now - timedelta(days=4), submit=False)


def _ordered(now):
    need = _need(MOULDING)
    offering = (
        ServiceOffering.objects.filter(
            category__code=services.CATEGORY_CODE,
            status=OfferingStatus.PUBLISHED,
            price_kind=PriceKind.FIXED,
        )
        .exclude(provider_id=getattr(need, "organization_id", None))
        .order_by("id")
        .first()
    )
    if need is None or offering is None or first_active_member(need.organization) is None:
        return
    provider_user = first_active_member(offering.provider)
    if provider_user is None:
        return
    with demo_clock(now - timedelta(days=20)):
        order = order_place(
            actor=actor_for(user=first_active_member(need.organization)),
            buyer=need.organization,
            offering=offering,
            scope="请梳理我司注塑试模环节的技术需求，形成可发布、可对接的需求描述和量化指标。",
            due_on=timezone.localdate() + timedelta(days=10),
            listing=need,
        )
    provider = actor_for(user=provider_user)
    with demo_clock(now - timedelta(days=19)):
        order_transition(actor=provider, order=order, action=Action.ACCEPT)
    analysis = DemandAnalysis.objects.get(order=order)
    _write(provider, analysis, MOULDING, now - timedelta(days=6), submit=True)


def _declined(now, teams):
    need = _need(SCHEDULING)
    team = need and _team_for(need, teams)
    if team is None or first_active_member(need.organization) is None:
        return
    owner = actor_for(user=first_active_member(need.organization))
    with demo_clock(now - timedelta(days=40)):
        analysis = services.analysis_request(actor=owner, need=need, team=team)
    _write(
        actor_for(user=first_active_member(team)),
        analysis,
        SCHEDULING,
        now - timedelta(days=33),
        submit=True,
    )
    with demo_clock(now - timedelta(days=30)):
        services.analysis_decline(
            actor=owner,
            analysis=analysis,
            note="我们更倾向于自研路线，已与高校团队接洽，暂不按此修改需求。",
        )


def demo_demand_analyses_load() -> int:
    """Create the demo analyses once (nothing when any exists); returns how many there are."""
    if DemandAnalysis.objects.exists():
        return DemandAnalysis.objects.count()
    now = timezone.now()
    teams = _teams()
    for step in (
        lambda: _accepted(now, teams),
        lambda: _requested(now),
        lambda: _staff_draft(now, teams),
        lambda: _ordered(now),
        lambda: _declined(now, teams),
    ):
        with transaction.atomic():
            step()
    return DemandAnalysis.objects.count()
