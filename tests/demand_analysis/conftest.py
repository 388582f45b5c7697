"""An enterprise in Hangzhou with a need published ten days ago, the CAST staff of Hangzhou and
of Shenzhen, two expert service teams, an agency offering demand analysis at a fixed price and
a rival agency."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import OfferingStatus, PriceKind, ServiceCategory, ServiceOffering
from orders.services import order_place, order_transition
from orders.transitions import Action
from organizations.models import Organization
from organizations.selectors import actor_for
from repositories.models import Need
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
    region,
)


def act(user):
    return actor_for(user=user)


@dataclass
class World:
    owner: Organization
    owner_user: object
    need: Need
    staff: object
    far_staff: object
    team: Organization
    team_user: object
    other_team: Organization
    other_team_user: object
    agency: Organization
    agency_user: object
    rival: Organization
    rival_user: object
    offering: ServiceOffering


@pytest.fixture
def world(db):
    owner = OrganizationFactory(name="杭州澄源环保科技有限公司", region=region(HANGZHOU))
    owner_user = member_of(owner, username="owner")
    need = NeedFactory(
        organization=owner,
        created_by=owner_user,
        title="印染废水深度处理回用",
        problem="废水回用率低，想提高。",
        target_indicators="",
        background="企业位于萧山，日排放印染废水 3000 吨。",
        published_at=timezone.now() - timedelta(days=10),
        indexed_at=timezone.now() - timedelta(days=10),  # the matcher has run
    )
    team = OrganizationFactory(
        name="浙江环保专家服务团", kind=Organization.Kind.SERVICE_TEAM, region=region(HANGZHOU)
    )
    other_team = OrganizationFactory(
        name="深圳水处理专家服务团", kind=Organization.Kind.SERVICE_TEAM
    )
    agency = OrganizationFactory(name="浙江技术转移服务中心", kind=Organization.Kind.AGENCY)
    rival = OrganizationFactory(name="深圳科技咨询所", kind=Organization.Kind.AGENCY)
    agency_user = member_of(agency, username="agency")
    offering = ServiceOffering.objects.create(
        provider=agency,
        category=ServiceCategory.objects.get(code="demand_analysis"),
        title="企业技术需求诊断与挖掘",
        description="技术经理人驻企走访，梳理技术瓶颈，转化为可对接的技术需求与量化指标。",
        deliverables="需求诊断报告",
        price_kind=PriceKind.FIXED,
        price_amount=Decimal("5000"),
        lead_time_days=10,
        status=OfferingStatus.PUBLISHED,
        created_by=agency_user,
    )
    return World(
        owner=owner,
        owner_user=owner_user,
        need=need,
        staff=cast_staff(HANGZHOU, username="hz_staff"),
        far_staff=cast_staff(SHENZHEN, username="sz_staff"),
        team=team,
        team_user=member_of(team, username="team"),
        other_team=other_team,
        other_team_user=member_of(other_team, username="other_team"),
        agency=agency,
        agency_user=agency_user,
        rival=rival,
        rival_user=member_of(rival, username="rival"),
        offering=offering,
    )


@pytest.fixture
def order(world):
    """A demand-analysis order on the need, accepted by the agency (so under way)."""
    placed = order_place(
        actor=act(world.owner_user),
        buyer=world.owner,
        offering=world.offering,
        scope="请梳理我司废水回用的技术需求，给出量化指标。",
        due_on=timezone.localdate() + timedelta(days=20),
        listing=world.need,
    )
    return order_transition(actor=act(world.agency_user), order=placed, action=Action.ACCEPT)


INDICATORS = [
    {"name": "回用率", "target": "≥ 85", "unit": "%", "test_method": "连续 30 天在线计量"},
    {"name": "COD", "target": "≤ 50", "unit": "mg/L", "test_method": "HJ 828-2017 重铬酸盐法"},
]
ROUTES = [
    {"route": "双膜法（超滤 + 反渗透）", "rationale": "工艺成熟，国内已有同规模案例。"},
    {"route": "臭氧催化氧化 + 生化", "rationale": ""},
]


def content(**overrides):
    values = {
        "problem_statement": "将印染废水深度处理后回用于生产，回用率由 40% 提高到 85% 以上。",
        "sub_problems": ["膜污染控制", "浓水处置"],
        "trl_wanted": 7,
        "contract_type": "development_commissioned",
        "indicators": INDICATORS,
        "routes": ROUTES,
    }
    values.update(overrides)
    return values
