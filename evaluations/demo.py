"""Demo achievement evaluations for `make run`, written by the team: demo owners ask the demo
evaluation agency for quotes on evaluating their published achievements, accept one, and the
evaluations reach every state — being set up, panel scoring, report issued and awaiting the
owner, final, and final after an upheld appeal. Everything goes through the services, with the
clock set back for each step (core.demo.demo_clock)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalogue.models import OfferingStatus, ServiceOffering
from core.demo import demo_clock
from evaluations import rubric, services
from evaluations.models import Appeal, Evaluation, Purpose
from evaluations.selectors import opinions_current, result_from
from orders.services import (
    order_transition,
    quote_accept,
    quote_request_create,
    quote_submit,
    review_submit,
)
from orders.transitions import Action
from organizations.models import Organization
from organizations.selectors import actor_for, first_active_member
from repositories.models import Achievement, ListingStatus

# (how far it goes, days ago it was asked for, purpose)
PLAN = [
    ("appealed", 58, Purpose.TRANSFER),
    ("final", 45, Purpose.FINANCING),
    ("issued", 20, Purpose.AWARD),
    ("scoring", 12, Purpose.TRANSFER),
    ("setup", 4, Purpose.PRICING),
]
EXPERTS = [
    ("李明华", "教授", "浙江大学", "材料科学与工程"),
    ("陈静", "研究员", "中国科学院宁波材料技术与工程研究所", "新能源材料"),
    ("周建国", "教授级高级工程师", "中国电子技术标准化研究院", "电子信息"),
    ("王海燕", "教授", "上海交通大学", "机械工程"),
    ("刘振宇", "正高级工程师", "国家知识产权局专利局专利审查协作江苏中心", "知识产权"),
    ("赵立新", "研究员", "中国科学技术信息研究所", "科技评价"),
    ("孙晓梅", "副教授", "南京大学", "环境工程"),
]
SCOPE = (
    "评价成果的技术创新性、先进性、成熟度（TRL）、知识产权状况与市场前景，"
    "对照国内外同类技术的主要指标，出具评价报告，供{purpose}使用。"
)
COMMENTS = [
    "技术路线清晰，关键指标有第三方检测报告支撑，中试数据可信。",
    "与国内同类技术相比优势明显，建议补充长期稳定性数据。",
    "核心专利已授权，权属清晰；产业化还需完善工艺包。",
    "应用场景明确，已有用户试用意见，市场前景较好。",
    "创新点突出，但规模化生产的成本测算尚需细化。",
]
CONCLUSION = (
    "评价专家组认为，该成果技术路线合理，主要技术指标达到{level}水平，"
    "技术成熟度评定为TRL {trl}，具备开展{purpose}的条件。建议进一步完善工程化验证。"
)
SUMMARY = (
    "专家组对该成果的创新性、先进性与成熟度进行了评议，"
    "认为其具有较好的转化前景，评定技术成熟度为TRL {trl}。"
)
APPEAL = "我方已完成连续三个月的中试运行，补充检测报告表明成熟度应评定为更高等级，请予复核。"
UPHOLD = "经复核，补充的中试报告未覆盖全部工况，维持原评价结论。"


def _actor(organization):
    user = first_active_member(organization)
    return actor_for(user=user) if user is not None else None


class _Clock:
    def __init__(self, start, now, rng):
        self.when, self.now, self.rng = start, now, rng

    def later(self, low, high):
        step = timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(1, 5))
        self.when = max(self.when, min(self.when + step, self.now - timedelta(hours=1)))
        return demo_clock(self.when)


def _order(*, achievement, offering, clock, purpose):
    buyer = achievement.organization
    buyer_actor, provider_actor = _actor(buyer), _actor(offering.provider)
    with demo_clock(clock.when):
        request = quote_request_create(
            actor=buyer_actor,
            buyer=buyer,
            category=offering.category,
            title=f"成果评价：{achievement.title}"[:200],
            description=f"拟将该成果用于{purpose.label}，请组织第三方评价并出具评价报告。",
            quotes_due_at=timezone.now() + timedelta(days=7),
            budget=Decimal("12000"),
            invited=[offering.provider],
            listing=achievement,
        )
    with clock.later(1, 2):
        quote = quote_submit(
            actor=provider_actor,
            request=request,
            provider=offering.provider,
            offering=offering,
            price=Decimal("9800"),
            lead_time_days=30,
            note="组织三至五位同行专家会议评审，二十个工作日内出具报告。",
        )
    with clock.later(1, 2):
        order = quote_accept(actor=buyer_actor, quote=quote)
    return order, buyer_actor, provider_actor


def _walk(target, *, achievement, offering, start, now, rng, purpose) -> Evaluation | None:
    clock = _Clock(start, now, rng)
    order, buyer, provider = _order(
        achievement=achievement, offering=offering, clock=clock, purpose=purpose
    )
    evaluation = Evaluation.objects.filter(order=order).first()
    if evaluation is None:
        return None
    with clock.later(0, 1):
        services.evaluation_setup(
            actor=provider,
            evaluation=evaluation,
            purpose=purpose,
            scope=SCOPE.format(purpose=purpose.label),
        )
    materials = list(evaluation.materials.all())
    if target == "setup":
        with clock.later(0, 1):
            for material in materials[:2]:
                services.material_set_received(actor=provider, material=material, received=True)
            _seat_in_person(evaluation, provider)
        return evaluation
    with clock.later(1, 3):
        for material in materials:
            services.material_set_received(actor=provider, material=material, received=True)
        experts = [
            expert
            for expert in rng.sample(EXPERTS, len(EXPERTS))
            if not services.conflict_errors(
                evaluation=evaluation, organization=None, affiliation=expert[2]
            )
        ][: rng.choice((3, 3, 5))]
        members = [
            services.panel_member_add(
                actor=provider,
                evaluation=evaluation,
                name=name,
                title=title,
                affiliation=affiliation,
                field=field,
                declared_no_conflict=True,
                statement="本人与委托方、评价机构及相关交易方均无任职、投资或合作关系。",
            )
            for name, title, affiliation, field in experts
        ]
        services.panel_confirm(actor=provider, evaluation=evaluation)
    declared = achievement.maturity or 5
    with clock.later(2, 4):
        scored = members if target != "scoring" else members[:-1]
        for member in scored:
            services.opinion_record(
                actor=provider,
                member=member,
                comment=rng.choice(COMMENTS),
                innovation=rng.randint(3, 5),
                advancement=rng.randint(2, 5),
                maturity=max(1, min(9, declared + rng.choice((-1, -1, 0, 0, 1)))),
                ip_strength=rng.randint(3, 5),
                market=rng.randint(3, 5),
            )
    if target == "scoring":
        return evaluation
    with clock.later(1, 3):
        opinions = opinions_current(evaluation)
        result = result_from(list(opinions.values()))
        level = rubric.LEVELS[result.level]
        services.report_issue(
            actor=provider,
            evaluation=evaluation,
            conclusion=CONCLUSION.format(
                level=level, trl=result.evaluated_maturity, purpose=purpose.label
            ),
            public_summary=SUMMARY.format(trl=result.evaluated_maturity),
        )
    if target == "issued":
        return evaluation
    with clock.later(1, 3):
        order_transition(actor=buyer, order=order, action=Action.COMPLETE)
    with clock.later(0, 2):
        review_submit(actor=buyer, order=order, rating=5, comment="专家阵容权威，报告规范。")
        review_submit(actor=provider, order=order, rating=5, comment="材料提供及时、完整。")
    if target == "final":
        return evaluation
    evaluation.refresh_from_db()
    with clock.later(2, 5):
        services.appeal_file(actor=buyer, evaluation=evaluation, statement=APPEAL)
    with clock.later(2, 4):
        services.appeal_decide(
            actor=provider, evaluation=evaluation, decision=Appeal.Decision.UPHOLD, reasons=UPHOLD
        )
    return evaluation


def _seat_in_person(evaluation: Evaluation, provider) -> None:
    """A scientist of another institution, with an account, seated to declare and score in
    person (我的评审)."""
    institutions = Organization.objects.filter(
        kind=Organization.Kind.INSTITUTION, status=Organization.Status.VERIFIED
    ).order_by("id")
    for institution in institutions:
        user = first_active_member(institution)
        if user is None or services.conflict_errors(
            evaluation=evaluation, organization=institution, affiliation=institution.name, user=user
        ):
            continue
        services.panel_member_add(
            actor=provider,
            evaluation=evaluation,
            name=user.display_name or user.username,
            title="教授",
            affiliation=institution.name,
            organization=institution,
            user=user,
        )
        return


def demo_evaluations_load() -> int:
    """Create the demo evaluations once (nothing when evaluations exist); returns how many
    there are."""
    if Evaluation.objects.exists():
        return Evaluation.objects.count()
    offerings = list(
        ServiceOffering.objects.filter(
            category__code=services.CATEGORY_CODE, status=OfferingStatus.PUBLISHED
        )
        .select_related("provider", "category")
        .order_by("id")
    )
    if not offerings:
        return 0
    now = timezone.now()
    rng = random.Random(2027)
    used = set()
    index = 0
    for target, days_ago, purpose in PLAN:
        offering = offerings[index % len(offerings)]
        achievement = (
            Achievement.objects.filter(
                status=ListingStatus.PUBLISHED,
                organization__status=Organization.Status.VERIFIED,
            )
            .exclude(organization_id=offering.provider_id)
            .exclude(organization__kind=Organization.Kind.CAST_OFFICE)
            .exclude(pk__in=used)
            .select_related("organization")
            .order_by("id")
        )
        achievement = next(
            (a for a in achievement if first_active_member(a.organization) is not None), None
        )
        if achievement is None:
            break
        used.add(achievement.pk)
        index += 1
        start = now - timedelta(days=days_ago, hours=rng.randint(1, 8))
        with transaction.atomic():
            _walk(
                target,
                achievement=achievement,
                offering=offering,
                start=start,
                now=now,
                rng=rng,
                purpose=purpose,
            )
    return Evaluation.objects.count()
