"""Demo service offerings for `make run`, written by the team and made through the same
services providers and the CAST staff go through: offerings in every category by the demo
agencies, universities and institutes, societies and expert service teams across regions;
most approved by the staff of the provider's region, two awaiting review, one rejected."""

from decimal import Decimal

from django.db import transaction

from catalogue import services
from catalogue.models import PriceKind, ServiceCategory, ServiceOffering
from catalogue.permissions import provider_kind_allowed
from organizations.models import Organization
from organizations.selectors import (
    Actor,
    actor_for,
    first_active_member,
    organization_reviewers,
    region_office,
)
from taxonomy.models import Field

# (category, title, description, deliverables, price kind, amount in yuan, lead time (days),
#  regions served: "own" (the provider's province), "" (nationwide); field code prefix or "")
OFFERINGS = [
    (
        "evaluation",
        "科技成果第三方评价",
        "依据《科技成果评价规范》组织同行专家对成果的创新性、成熟度（TRL）和应用前景进行评价，出具评价报告，可用于成果登记、奖励申报与转化谈判。",
        "评价报告（含专家意见）\n技术成熟度（TRL）评定表",
        PriceKind.FROM,
        "8000",
        20,
        "own",
        "",
    ),
    (
        "valuation",
        "技术与专利价值评估",
        "由资产评估师与技术专家联合，对拟转让、许可或作价入股的技术和专利组合进行价值评估，采用收益法、市场法并给出敏感性分析。",
        "资产评估报告\n估值模型与参数说明",
        PriceKind.FROM,
        "30000",
        30,
        "",
        "",
    ),
    (
        "demand_analysis",
        "企业技术需求诊断与挖掘",
        "技术经理人驻企走访，梳理生产与产品中的技术瓶颈，将其转化为可对接的技术需求与量化指标，并协助在平台发布。",
        "需求诊断报告\n可发布的技术需求（含目标指标）",
        PriceKind.FIXED,
        "5000",
        10,
        "own",
        "",
    ),
    (
        "patent_search",
        "专利检索与自由实施（FTO）分析",
        "面向技术引进与产品上市，检索国内外相关专利，分析侵权风险并给出规避设计建议。",
        "检索报告\nFTO 分析意见书\n规避设计建议",
        PriceKind.FROM,
        "12000",
        15,
        "",
        "",
    ),
    (
        "patent_agency",
        "发明专利申请代理",
        "资深专利代理师撰写发明专利申请文件，代理提交、答复审查意见直至授权。",
        "专利申请文件\n审查意见答复",
        PriceKind.FIXED,
        "6800",
        30,
        "",
        "",
    ),
    (
        "legal",
        "技术合同起草与审查",
        "律师团队起草或审查技术转让、许可、开发合同，重点把握知识产权归属、权利瑕疵担保与付款条款。",
        "合同文本（修订版）\n法律意见书",
        PriceKind.FROM,
        "5000",
        7,
        "own",
        "",
    ),
    (
        "contract_registration",
        "技术合同认定登记代办",
        "协助整理合同材料，代办技术合同认定登记，指导享受增值税、所得税减免政策。",
        "技术合同登记证明\n税收优惠办理指引",
        PriceKind.FIXED,
        "800",
        5,
        "own",
        "",
    ),
    (
        "testing",
        "材料性能检测（CMA/CNAS）",
        "具备 CMA、CNAS 资质的实验室，提供金属与高分子材料力学、热学、耐候性能检测。",
        "检测报告（CMA/CNAS）",
        PriceKind.FROM,
        "1500",
        7,
        "",
        "04",
    ),
    (
        "testing",
        "电子产品 EMC 与可靠性测试",
        "提供电磁兼容、环境可靠性与安规测试，可按企业目标指标定制测试方案。",
        "测试方案\n测试报告",
        PriceKind.ON_QUOTE,
        None,
        14,
        "own",
        "01",
    ),
    (
        "proof_of_concept",
        "高校成果概念验证支持",
        "概念验证中心为实验室成果提供样机开发、应用场景验证与市场评估，并对接种子基金。",
        "概念验证报告\n样机或演示系统",
        PriceKind.ON_QUOTE,
        None,
        90,
        "own",
        "",
    ),
    (
        "pilot",
        "化工新材料中试熟化",
        "依托千吨级中试基地，为新材料与精细化工工艺提供放大试验、工艺包编制与安全评价。",
        "中试试验报告\n工艺包\n安全评价意见",
        PriceKind.ON_QUOTE,
        None,
        120,
        "",
        "04",
    ),
    (
        "financing",
        "科技型企业投融资对接",
        "为科技型中小企业提供知识产权质押融资、股权融资对接与政府资金申报辅导。",
        "融资方案\n投资人对接会",
        PriceKind.ON_QUOTE,
        None,
        30,
        "own",
        "",
    ),
    (
        "brokerage",
        "技术经纪全程服务",
        "持证技术经理人为供需双方牵线，陪同谈判直至签约登记，按成交额收取佣金。",
        "对接方案\n谈判纪要\n签约支持",
        PriceKind.ON_QUOTE,
        None,
        60,
        "own",
        "",
    ),
    (
        "consulting",
        "技术路线咨询与可行性研究",
        "学会专家团队就技术路线选择、项目可行性与创新战略提供咨询意见。",
        "咨询报告\n专家论证会纪要",
        PriceKind.FROM,
        "10000",
        20,
        "",
        "",
    ),
    (
        "translation",
        "专利与科技文献翻译",
        "中英日德专利文件与科技文献翻译，由具有理工背景的译员完成并校对。",
        "译文\n术语表",
        PriceKind.FROM,
        "200",
        5,
        "",
        "",
    ),
    (
        "training",
        "技术转移与知识产权实务培训",
        "面向企业与高校的技术经理人、知识产权专员的实务课程，可上门授课。",
        "课程与讲义\n培训证书",
        PriceKind.FIXED,
        "2000",
        3,
        "",
        "",
    ),
    (
        "testing",
        "电子产品可靠性试验",
        "高低温、湿热、振动与盐雾试验，出具试验报告。",
        "试验报告",
        PriceKind.FROM,
        "3000",
        10,
        "own",
        "",
    ),
    (
        "valuation",
        "作价入股评估咨询",
        "为以技术作价入股的成果提供评估与股权结构咨询。",
        "评估报告\n入股方案建议",
        PriceKind.ON_QUOTE,
        None,
        25,
        "own",
        "",
    ),
    (
        "legal",
        "知识产权尽职调查",
        "在技术交易前对标的专利的权属、法律状态与许可情况进行尽职调查。",
        "尽职调查报告",
        PriceKind.FROM,
        "15000",
        15,
        "",
        "",
    ),
]
# The last ones stay pending, and the one before them is rejected.
PENDING = 2
REJECTED_NOTE = "价格与交付物描述不一致，请补充检测项目清单后重新提交。"


def _reviewer(organization) -> Actor:
    office = region_office(region=organization.region)
    staff = organization_reviewers(office=office)
    if office is not None and staff:
        return actor_for(user=staff[0])
    return Actor(user=staff[0] if staff else None, is_superuser=True)


@transaction.atomic
def demo_offerings_load() -> int:
    """Create the demo offerings once (nothing when offerings exist); returns how many there
    are."""
    if ServiceOffering.objects.exists():
        return ServiceOffering.objects.count()
    providers = [
        organization
        for organization in Organization.objects.filter(status=Organization.Status.VERIFIED)
        .exclude(kind__in=[Organization.Kind.ENTERPRISE, Organization.Kind.INVESTOR])
        .select_related("region", "region__parent")
        .order_by("kind", "id")
        if provider_kind_allowed(organization) and first_active_member(organization) is not None
    ]
    if not providers:
        return 0
    categories = {category.code: category for category in ServiceCategory.objects.all()}
    # Spread the offerings over the providers, favouring different kinds and regions.
    providers.sort(key=lambda org: (org.region.province.code, org.kind, org.id))
    step = max(1, len(providers) // len(OFFERINGS))
    created = []
    for index, row in enumerate(OFFERINGS):
        code, title, description, deliverables, kind, amount, days, served, field_prefix = row
        provider = providers[(index * step) % len(providers)]
        user = first_active_member(provider)
        actor = actor_for(user=user)
        regions = [provider.region.province] if served == "own" else []
        fields = (
            list(Field.objects.filter(level=Field.Level.DOMAIN, code__startswith=field_prefix)[:1])
            if field_prefix
            else []
        )
        offering = services.offering_create(
            actor=actor,
            provider=provider,
            data={
                "category": categories[code],
                "title": title,
                "description": description,
                "deliverables": deliverables,
                "price_kind": kind,
                "price_amount": Decimal(amount) if amount else None,
                "lead_time_days": days,
            },
            regions=regions,
            fields=fields,
        )
        services.offering_submit(actor=actor, offering=offering)
        created.append(offering)
    for position, offering in enumerate(created):
        if position >= len(created) - PENDING:
            continue
        reviewer = _reviewer(offering.provider)
        rejected = position == len(created) - PENDING - 1
        services.offering_review(
            actor=reviewer,
            offering=offering,
            approve=not rejected,
            note=REJECTED_NOTE if rejected else "",
        )
    return ServiceOffering.objects.count()
