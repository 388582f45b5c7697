"""A service agency in Hangzhou with a member, an enterprise, CAST staff of Hangzhou and of
Shenzhen, and a helper that makes offerings through the services."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from catalogue import services
from catalogue.models import PriceKind, ServiceCategory
from organizations.models import Organization
from organizations.selectors import actor_for
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    OrganizationFactory,
    cast_staff,
    member_of,
)


@dataclass
class World:
    agency: Organization
    provider: object  # a member of the agency
    enterprise: Organization
    buyer: object  # a member of the enterprise
    staff: object  # CAST staff of Hangzhou (the agency's region)
    far_staff: object  # CAST staff of Shenzhen


@pytest.fixture
def world(db):
    agency = OrganizationFactory(name="杭州睿桥技术转移服务有限公司", kind=Organization.Kind.AGENCY)
    enterprise = OrganizationFactory(name="宁海手电筒制造有限公司")
    return World(
        agency=agency,
        provider=member_of(agency, role="member", username="rq_member"),
        enterprise=enterprise,
        buyer=member_of(enterprise, username="nh_owner"),
        staff=cast_staff(HANGZHOU, username="hz_staff"),
        far_staff=cast_staff(SHENZHEN, username="sz_staff"),
    )


def offering_data(category="valuation", **overrides):
    data = {
        "category": ServiceCategory.objects.get(code=category),
        "title": "技术与专利价值评估",
        "description": "资产评估师与技术专家联合评估。",
        "deliverables": "资产评估报告\n估值模型",
        "price_kind": PriceKind.FROM,
        "price_amount": Decimal("30000"),
        "lead_time_days": 30,
    }
    data.update(overrides)
    return data


def make_offering(world, *, publish=True, regions=(), fields=(), provider=None, **overrides):
    provider = provider or world.agency
    user = world.provider if provider == world.agency else member_of(provider)
    actor = actor_for(user=user)
    offering = services.offering_create(
        actor=actor,
        provider=provider,
        data=offering_data(**overrides),
        regions=regions,
        fields=fields,
    )
    if publish:
        services.offering_submit(actor=actor, offering=offering)
        staff = world.staff if provider.region.code.startswith("33") else None
        reviewer = actor_for(user=staff) if staff else _superuser_actor()
        services.offering_review(actor=reviewer, offering=offering, approve=True)
        offering.refresh_from_db()
    return offering


def _superuser_actor():
    from organizations.selectors import Actor

    return Actor(user=None, is_superuser=True)
