"""Demo challenges (揭榜挂帅) for `make run`, written by the team from the demo enterprises and
their lines of business: a draft, one awaiting vetting, two open (one hiding its sponsor; one
amended, with an answered question and two applications), one closed by the timer, and one
awarded after its panel's review: scored applications, the others declined with reasons, and
the winner's deal opened with its milestones.

Everything goes through challenges.services, with the clock set back for each step
(core.demo.demo_clock); the vetting is done by the CAST office that oversees the sponsor's
region, the applications by demo institutions and enterprises.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from challenges import services
from challenges.models import Challenge, IpArrangement
from challenges.transitions import Action
from core.demo import demo_clock
from organizations.models import Membership, Organization
from organizations.selectors import actor_for, first_active_member
from repositories.models import ListingKind, ListingStatus, Need
from taxonomy.models import Field

# Each: the sponsor's name, how far the challenge goes, days ago it was drafted, and its text.
PLAN = [
    {
        "sponsor": "绍兴越绮印染有限公司",
        "target": "open_busy",
        "days_ago": 34,
        "need": "印染废水深度处理COD与色度稳定达标",
        "field_hint": ["水污染治理"],
        "title": "印染废水深度脱色与高比例回用技术揭榜",
        "problem": (
            "我公司配套日处理8000吨的印染废水处理站，现采用“水解酸化＋好氧＋芬顿”工艺，"
            "出水色度仍在40–60倍，COD约80 mg/L，回用率仅35%。芬顿段每吨水药剂成本约2.1元，"
            "且产生大量铁泥。需要一种能耐受活性、分散染料混合废水水质波动的深度脱色与"
            "膜前预处理技术，使回用水满足染色工序用水要求，并降低污泥产量。"
        ),
        "success_criteria": (
            "在我公司处理站完成不少于500吨/日的现场中试，连续运行90天，"
            "各项指标由具备CMA资质的第三方检测机构每周取样检测，全部达标。"
        ),
        "indicators": [
            ("出水色度", "40–60", "≤10", "倍", "GB/T 11903 稀释倍数法，第三方每周检测"),
            ("废水回用率", "35", "≥65", "%", "回用水量与进水量在线流量计连续计量"),
            ("吨水运行成本", "2.1", "≤1.4", "元/吨", "中试期间药剂、电耗台账核算"),
            ("污泥产量", "—", "较现状下降≥40", "%", "中试前后各30天污泥外运量对比"),
        ],
        "trl_now": 4,
        "trl_wanted": 7,
        "reward": "260",
        "reward_terms": (
            "揭榜方案评审通过并签约后支付30%；中试连续运行90天并验收合格后支付50%；"
            "在我公司全面推广运行满一年后支付20%。"
        ),
        "ip": IpArrangement.NON_EXCLUSIVE,
        "eligibility": "国内高校、科研院所、企业均可揭榜，须具备印染废水处理中试经验。",
        "max_winners": 1,
        "close_in": 45,
        "decide_in": 75,
    },
    {
        "sponsor": "常州恒驰新能源科技有限公司",
        "target": "open_hidden",
        "days_ago": 26,
        "field_hint": ["锂离子电池", "储能"],
        "hide_sponsor": True,
        "title": "储能电池簇热失控早期预警与抑制技术揭榜",
        "problem": (
            "我方储能电池簇采用280Ah磷酸铁锂电芯，现有BMS依靠电压、温度阈值报警，"
            "热失控往往在报警后数分钟内发生，来不及处置。需要一种可集成到电池簇的早期预警"
            "方法（如特征气体、内阻或应变监测），在热失控前足够早地给出可靠预警，"
            "并配套簇级抑制措施，且不显著增加系统成本。"
        ),
        "success_criteria": (
            "在国家认可实验室按GB/T 36276开展过充、加热触发的热失控试验各不少于3次，"
            "预警提前量、误报率与成本增量全部达标。"
        ),
        "indicators": [
            ("热失控预警提前量", "＜3", "≥15", "分钟", "过充、加热触发试验，记录预警至热失控时刻"),
            ("误报率", "—", "≤0.1", "次/簇·年", "不少于20簇、连续6个月的现场运行统计"),
            ("单簇成本增量", "—", "≤800", "元", "按量产物料清单核算"),
        ],
        "trl_now": 3,
        "trl_wanted": 6,
        "reward": "400",
        "reward_terms": "签约后支付40%，实验室验证合格后支付30%，现场示范运行6个月后支付30%。",
        "ip": IpArrangement.EXCLUSIVE,
        "eligibility": "具备锂电池安全或传感器研发能力的高校、科研院所及企业，可联合申报。",
        "max_winners": 2,
        "close_in": 50,
        "decide_in": 80,
    },
    {
        "sponsor": "苏州晶衡微电子有限公司",
        "target": "closed",
        "days_ago": 70,
        "need": "车规功率模块芯片连接层热循环开裂问题",
        "field_hint": ["先进封装与测试", "功率半导体"],
        "title": "车规级碳化硅功率模块银烧结互连可靠性提升揭榜",
        "problem": (
            "我公司1200V碳化硅车规级功率模块采用纳米银烧结芯片贴装，功率循环试验中"
            "烧结层在ΔTj=100K条件下约2.5万次后出现分层，达不到主机厂要求。"
            "需要在现有产线上可实施的烧结工艺或材料改进方案。"
        ),
        "success_criteria": "按AQG 324完成功率循环与温度冲击试验，由第三方实验室出具报告。",
        "indicators": [
            ("功率循环寿命（ΔTj=100K）", "2.5", "≥6", "万次", "AQG 324 PCsec 试验"),
            ("烧结层空洞率", "5", "≤2", "%", "超声扫描（SAM）抽检30只"),
        ],
        "trl_now": 5,
        "trl_wanted": 7,
        "reward": "180",
        "reward_terms": "签约后支付50%，第三方试验报告达标后支付50%。",
        "ip": IpArrangement.NEGOTIATED,
        "eligibility": "国内高校、科研院所及封装材料企业均可揭榜。",
        "max_winners": 1,
        "close_in": 30,
        "decide_in": 60,
    },
    {
        "sponsor": "杭州澄源环保科技有限公司",
        "target": "submitted",
        "days_ago": 3,
        "need": "焦炉烟气中低温SCR脱硝催化剂与工艺",
        "field_hint": ["大气污染防治"],
        "title": "焦炉烟气中低温SCR脱硝催化剂及工艺揭榜",
        "problem": (
            "焦炉烟气经余热回收后温度仅180–230℃，含SO₂与水汽，常规钒钛SCR催化剂需250℃以上"
            "才能高效脱硝，现有项目只能加装烟气再热，每台焦炉年增燃气成本约300万元，"
            "且低温下硫酸氢铵沉积导致催化剂堵塞失活。需要在现有烟温下直接运行、"
            "耐硫耐水的中低温SCR催化剂及配套喷氨与再生工艺，用于我公司承建的焦化治理项目。"
        ),
        "success_criteria": (
            "在合作焦化企业完成不少于5000 m³/h的侧线试验，连续运行2000小时，"
            "由第三方检测机构按HJ 693检测，全部指标达标。"
        ),
        "indicators": [
            ("脱硝效率（200℃）", "65", "≥90", "%", "HJ 693 定电位电解法，进出口同步检测"),
            ("出口NOx浓度", "120", "≤50", "mg/m³", "CEMS在线监测小时均值"),
            ("氨逃逸", "5", "≤2.5", "mg/m³", "HJ 533 纳氏试剂分光光度法"),
            ("耐硫运行寿命", "—", "≥16000", "小时", "含SO₂ 100 mg/m³条件下加速老化试验外推"),
        ],
        "trl_now": 4,
        "trl_wanted": 7,
        "reward": "150",
        "reward_terms": "签约后支付30%，侧线试验达标后支付50%，首台套工程投运后支付20%。",
        "ip": IpArrangement.ASSIGNMENT,
        "eligibility": "催化材料或大气污染治理方向的高校、科研院所及企业。",
        "max_winners": 1,
        "close_in": 40,
        "decide_in": 70,
    },
    {
        "sponsor": "宁波濠运精密模塑有限公司",
        "target": "draft",
        "days_ago": 1,
        "field_hint": ["高分子材料", "模具", "注塑"],
        "title": "大型薄壁汽车注塑件翘曲变形控制技术揭榜",
        "problem": (
            "我公司生产的汽车门板、仪表板骨架等大型薄壁注塑件（长度＞1.2米、壁厚2.2毫米），"
            "翘曲变形量达1.5–2毫米，装配间隙面差超差，返修率约6%。需要从材料、模具冷却与"
            "工艺参数协同优化入手的翘曲控制方案，并能在现有注塑机上实施。"
        ),
        "success_criteria": "在两款在产零件上批量验证，连续三批次（每批≥500件）全部达标。",
        "indicators": [
            ("最大翘曲变形量", "1.5–2.0", "≤0.5", "毫米", "三坐标测量，每批抽检30件"),
            ("成型周期", "58", "≤55", "秒", "生产节拍记录"),
        ],
        "trl_now": 4,
        "trl_wanted": 8,
        "reward": "120",
        "reward_terms": "签约后支付30%，批量验证达标后支付70%。",
        "ip": IpArrangement.NON_EXCLUSIVE,
        "eligibility": "高分子材料、模具或CAE仿真方向的团队均可揭榜。",
        "max_winners": 1,
        "close_in": 30,
        "decide_in": 60,
    },
    {
        "sponsor": "绍兴越绮印染有限公司",
        "target": "awarded",
        "days_ago": 150,
        "field_hint": ["水污染治理"],
        "title": "印染定型机废气余热回收与油烟净化技术揭榜",
        "problem": (
            "我公司12台拉幅定型机排气温度约160℃，含增塑剂、硅油等油烟，现用水喷淋＋静电"
            "处理，余热未利用，静电段每两周需停机清洗。需要一套耐油污、易清洗的余热回收与"
            "高效油烟净化一体化装置。"
        ),
        "success_criteria": (
            "在我公司2台定型机上完成示范，连续运行60天，由第三方检测油烟排放浓度与余热回收量。"
        ),
        "indicators": [
            ("油烟排放浓度", "8", "≤2", "mg/m³", "HJ 1077 第三方每月检测"),
            ("余热回收率", "0", "≥45", "%", "热水流量与进出水温度在线计量"),
        ],
        "trl_now": 5,
        "trl_wanted": 7,
        "reward": "120",
        "reward_terms": "签约后支付40%，示范装置验收合格后支付60%。",
        "ip": IpArrangement.NEGOTIATED,
        "eligibility": "国内高校、科研院所、企业均可揭榜。",
        "max_winners": 1,
        "close_in": 30,
        "decide_in": 50,
    },
]
# The panel's scores of the awarded demo challenge: the first applicant wins.
DEMO_SCORES = [(9, 8, 9, 9), (7, 6, 5, 6), (6, 7, 4, 5)]
DEMO_DECLINES = [
    ("infeasible", "电化学方案在高油污工况下极板结垢风险未给出对策，示范周期难以保证。"),
    ("budget", "方案预算高于榜单奖励，且未说明自筹部分来源。"),
]

APPLICATIONS = [
    {
        "approach": (
            "采用“臭氧催化氧化＋生物活性炭”深度处理替代芬顿段：自制锰铈负载陶粒催化剂"
            "提高臭氧利用率，出水经超滤＋反渗透回用，浓水再经催化臭氧处理后达标排放。"
        ),
        "budget": "240",
        "team": "环境工程教授1名、副教授2名、博士后1名、工程师3名，具备10余个印染废水项目经验。",
        "evidence": "在柯桥两家印染企业完成200吨/日中试，出水色度≤8倍，相关发明专利3件已授权。",
    },
    {
        "approach": (
            "电絮凝—电催化氧化组合工艺：铁铝复合极板去除分散染料与胶体，掺硼金刚石电极"
            "降解残余活性染料，模块化设备可直接接入现有二沉池出水。"
        ),
        "budget": "210",
        "team": "企业研发中心高级工程师2名、电化学方向博士2名、现场运维工程师4名。",
        "evidence": "设备已在3家纺织企业稳定运行一年以上，提供用户证明与第三方检测报告。",
    },
]
MILESTONE_TITLES = ["小试工艺包定型", "现场中试装置建成", "90天连续运行验收", "推广方案交付"]

QUESTION = "中试用地与水电由贵公司提供吗？是否允许揭榜方在中试期间派驻人员？"
ANSWER = (
    "中试场地（约200平方米）与水电由我公司提供，允许揭榜方派驻不超过4名人员，"
    "食宿可在厂区安排；现场安全培训由我公司负责。"
)
AMENDMENT_REASON = "多家单位反映中试周期较长，申报截止日期延后两周，并明确联合申报要求。"
AMENDED_ELIGIBILITY = (
    "国内高校、科研院所、企业均可揭榜，须具备印染废水处理中试经验；"
    "允许联合申报，由牵头单位提交方案并承担合同责任。"
)
PUBLISH_NOTE = "材料齐全，指标可测，同意发布。"


def _actor(organization):
    user = first_active_member(organization)
    return actor_for(user=user) if user is not None else None


def _vetter(sponsor: Organization):
    """A person of the CAST office that vets the sponsor's region (its own, or the province's)."""
    region = sponsor.region
    offices = Organization.objects.filter(
        kind=Organization.Kind.CAST_OFFICE,
        status=Organization.Status.VERIFIED,
        region_id__in=[r for r in (region.pk, region.parent_id) if r],
    ).order_by("-region__level", "id")
    for office in offices:
        actor = _actor(office)
        if actor is not None and actor.can_review_region(sponsor.region_id):
            return actor
    return None


def _field(need: Need | None, hints: list[str]):
    """The need's field, else the first of the hinted names the taxonomy has."""
    if need is not None and need.field_id:
        return need.field
    for hint in hints:
        field = (
            Field.objects.filter(Q(name=hint) | Q(name__contains=hint))
            .order_by("-level", "code")
            .first()
        )
        if field is not None:
            return field
    return None


def _applicants(sponsor: Organization, count: int) -> list[tuple[Organization, object]]:
    """Verified universities and institutes with a member, then enterprises; never the
    sponsor."""
    kinds = [Organization.Kind.INSTITUTION, Organization.Kind.ENTERPRISE]
    candidates = (
        Organization.objects.filter(status=Organization.Status.VERIFIED, kind__in=kinds)
        .exclude(pk=sponsor.pk)
        .order_by(
            Case(
                When(kind=Organization.Kind.INSTITUTION, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "id",
        )
    )
    found = []
    for organization in candidates:
        actor = _actor(organization)
        if actor is not None:
            found.append((organization, actor))
        if len(found) == count:
            break
    return found


def _draft(spec: dict, sponsor: Organization, sponsor_actor, today) -> Challenge:
    need = None
    if spec.get("need"):
        need = Need.objects.filter(
            organization=sponsor,
            kind=ListingKind.NEED,
            status=ListingStatus.PUBLISHED,
            title=spec["need"],
        ).first()
    data = {
        "title": spec["title"],
        "problem": spec["problem"],
        "success_criteria": spec["success_criteria"],
        "hide_sponsor": spec.get("hide_sponsor", False),
        "trl_now": spec["trl_now"],
        "trl_wanted": spec["trl_wanted"],
        "reward_amount": Decimal(spec["reward"]),
        "reward_terms": spec["reward_terms"],
        "ip_arrangement": spec["ip"],
        "eligibility": spec["eligibility"],
        "max_winners": spec["max_winners"],
        "applications_close_on": today + timedelta(days=spec["close_in"]),
        "decision_by": today + timedelta(days=spec["decide_in"]),
        "field": _field(need, spec["field_hint"]),
        "need": need,
    }
    indicators = [
        {
            "name": name,
            "current_value": current,
            "target_value": target,
            "unit": unit,
            "test_method": method,
        }
        for name, current, target, unit, method in spec["indicators"]
    ]
    return services.challenge_save(
        actor=sponsor_actor, sponsor=sponsor, data=data, indicators=indicators
    )


def _apply(challenge, applicant, actor, text: dict, when: datetime):
    indicators = list(challenge.indicators.all())
    due = when.date()
    milestones = []
    for number, indicator in enumerate(indicators):
        due = due + timedelta(days=45)
        milestones.append(
            {
                "title": MILESTONE_TITLES[number % len(MILESTONE_TITLES)],
                "due_on": due,
                "deliverable": f"达到“{indicator.name}”目标值的检测报告与阶段技术总结",
                "covers_indicator": indicator.pk,
            }
        )
    data = {
        **text,
        "budget": Decimal(text["budget"]),
        "coi_declared": True,
        "coi_note": "",
        "originality_declared": True,
    }
    with demo_clock(when):
        return services.application_submit(
            actor=actor, challenge=challenge, applicant=applicant, data=data, milestones=milestones
        )


def _walk(spec: dict, *, now: datetime) -> Challenge | None:
    sponsor = (
        Organization.objects.filter(name=spec["sponsor"], status=Organization.Status.VERIFIED)
        .select_related("region")
        .first()
    )
    sponsor_actor = _actor(sponsor) if sponsor else None
    if sponsor_actor is None:
        return None
    start = now - timedelta(days=spec["days_ago"])
    with demo_clock(start):
        challenge = _draft(spec, sponsor, sponsor_actor, start.date())
    target = spec["target"]
    if target == "draft":
        return challenge
    with demo_clock(start + timedelta(hours=5)):
        challenge = services.challenge_transition(
            actor=sponsor_actor, challenge=challenge, action=Action.SUBMIT
        )
    if target == "submitted":
        return challenge
    vetter = _vetter(sponsor)
    if vetter is None:
        return challenge
    with demo_clock(start + timedelta(days=2)):
        challenge = services.challenge_transition(
            actor=vetter, challenge=challenge, action=Action.PUBLISH, note=PUBLISH_NOTE
        )
    applicants = _applicants(sponsor, 2)
    if target == "open_hidden":
        return challenge
    if target == "awarded":
        return _award(challenge, spec, sponsor, sponsor_actor, start)
    if target == "closed":
        if applicants:
            organization, actor = applicants[0]
            _apply(challenge, organization, actor, APPLICATIONS[0], start + timedelta(days=12))
        # The hourly timer closes it the day after its closing day.
        with demo_clock(start + timedelta(days=spec["close_in"] + 1, hours=2)):
            return services.challenge_transition(
                actor=None, challenge=challenge, action=Action.EXPIRE
            )
    # open_busy: a question answered, an amendment, two applications.
    if applicants:
        organization, actor = applicants[0]
        with demo_clock(start + timedelta(days=5)):
            question = services.question_ask(
                actor=actor, challenge=challenge, organization=organization, text=QUESTION
            )
        with demo_clock(start + timedelta(days=6)):
            services.question_answer(actor=sponsor_actor, question=question, answer=ANSWER)
    with demo_clock(start + timedelta(days=9)):
        services.challenge_amend(
            actor=sponsor_actor,
            challenge=challenge,
            changes={
                "applications_close_on": challenge.applications_close_on + timedelta(days=14),
                "eligibility": AMENDED_ELIGIBILITY,
            },
            reason=AMENDMENT_REASON,
        )
    for days, (organization, actor), text in zip((15, 22), applicants, APPLICATIONS, strict=False):
        _apply(challenge, organization, actor, text, start + timedelta(days=days))
    challenge.refresh_from_db()
    return challenge


def _award(challenge, spec, sponsor, sponsor_actor, start):
    """Three applications, closed by the timer, a panel of the sponsor's member and an
    institute's expert who score them, the award with reasons for the others."""
    applicants = _applicants(sponsor, 3)
    texts = [*APPLICATIONS, APPLICATIONS[0]]
    applications = [
        _apply(challenge, organization, actor, text, start + timedelta(days=8 + 4 * n))
        for n, ((organization, actor), text) in enumerate(zip(applicants, texts, strict=False))
    ]
    with demo_clock(start + timedelta(days=spec["close_in"] + 1, hours=2)):
        challenge = services.challenge_transition(
            actor=None, challenge=challenge, action=Action.EXPIRE
        )
    if not applications:
        return challenge
    applying = {a.applicant_id for a in applications}
    experts = [sponsor_actor.user]
    outsider = (
        Membership.objects.filter(
            status=Membership.Status.ACTIVE,
            organization__kind=Organization.Kind.INSTITUTION,
            organization__status=Organization.Status.VERIFIED,
        )
        .exclude(organization_id__in=applying)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if outsider is not None:
        experts.append(outsider.user)
    with demo_clock(start + timedelta(days=spec["close_in"] + 3)):
        for user in experts:
            services.panel_seat(actor=sponsor_actor, challenge=challenge, user=user)
        services.panel_assign(actor=sponsor_actor, challenge=challenge)
        challenge = services.challenge_transition(
            actor=sponsor_actor, challenge=challenge, action=Action.START_REVIEW
        )
    criteria = list(challenge.criteria.all())
    with demo_clock(start + timedelta(days=spec["close_in"] + 8)):
        for user in experts:
            expert = actor_for(user=user)
            for application, values in zip(applications, DEMO_SCORES, strict=False):
                services.conflict_declare(actor=expert, application=application, conflict=False)
                services.scores_submit(
                    actor=expert,
                    application=application,
                    scores=[
                        {"criterion": c.pk, "value": v, "comment": "评审意见见附表。"}
                        for c, v in zip(criteria, values, strict=False)
                    ],
                )
    with demo_clock(start + timedelta(days=spec["decide_in"] - 2)):
        return services.challenge_award(
            actor=sponsor_actor,
            challenge=challenge,
            winners=[applications[0].pk],
            declines={
                a.pk: reason for a, reason in zip(applications[1:], DEMO_DECLINES, strict=False)
            },
        )


def demo_challenges_load() -> int:
    """Create the demo challenges once (nothing when challenges exist); returns how many there
    are."""
    if Challenge.objects.exists():
        return Challenge.objects.count()
    now = timezone.now()
    for spec in PLAN:
        with transaction.atomic():
            _walk(spec, now=now)
    return Challenge.objects.count()
