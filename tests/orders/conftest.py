"""A buyer enterprise in Hangzhou, an evaluation agency that offers a fixed-price service, a
rival agency, and the CAST staff of Hangzhou and of Shenzhen."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import OfferingStatus, PriceKind, ServiceCategory, ServiceOffering
from orders.models import Order
from orders.services import order_place
from organizations.models import Organization
from organizations.selectors import actor_for
from tests.factories import HANGZHOU, SHENZHEN, OrganizationFactory, cast_staff, member_of, region


@dataclass
class Market:
    buyer: Organization
    agency: Organization
    rival: Organization
    buyer_user: object
    agency_user: object
    rival_user: object
    staff: object
    far_staff: object
    category: ServiceCategory
    offering: ServiceOffering


def act(user):
    return actor_for(user=user)


def offering_of(provider, category, *, price="8000", kind=PriceKind.FIXED, user=None):
    return ServiceOffering.objects.create(
        provider=provider,
        category=category,
        title="科技成果评价（第三方）",
        description="组织同行专家对成果的创新性、先进性与成熟度进行评价，出具评价报告。",
        deliverables="评价报告（PDF）",
        price_kind=kind,
        price_amount=Decimal(price) if kind != PriceKind.ON_QUOTE else None,
        lead_time_days=30,
        status=OfferingStatus.PUBLISHED,
        created_by=user or provider.memberships.first().user,
    )


@pytest.fixture
def market(db):
    buyer = OrganizationFactory(name="杭州澄源环保科技有限公司", region=region(HANGZHOU))
    agency = OrganizationFactory(name="浙江科技评估中心", kind=Organization.Kind.AGENCY)
    rival = OrganizationFactory(name="深圳知识产权服务所", kind=Organization.Kind.AGENCY)
    buyer_user = member_of(buyer, username="buyer")
    agency_user = member_of(agency, username="evaluator")
    rival_user = member_of(rival, username="rival")
    category = ServiceCategory.objects.get(code="evaluation")
    return Market(
        buyer=buyer,
        agency=agency,
        rival=rival,
        buyer_user=buyer_user,
        agency_user=agency_user,
        rival_user=rival_user,
        staff=cast_staff(HANGZHOU, username="hz_staff"),
        far_staff=cast_staff(SHENZHEN, username="sz_staff"),
        category=category,
        offering=offering_of(agency, category, user=agency_user),
    )


@pytest.fixture
def order(market) -> Order:
    return order_place(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        offering=market.offering,
        scope="对我司“印染废水膜处理”成果做第三方评价。",
        due_on=timezone.localdate() + timedelta(days=30),
    )


def office_of(user) -> Organization:
    """The CAST office a staff user (tests.factories.cast_staff) works for."""
    return user.memberships.get().organization


@pytest.fixture
def in_progress(market, order) -> Order:
    from orders.services import order_transition

    return order_transition(actor=act(market.agency_user), order=order, action="accept")


@pytest.fixture
def voucher(market):
    """20,000 yuan granted by the Hangzhou CAST office to the buyer, valid for a year."""
    from orders.services import voucher_issue

    return voucher_issue(
        actor=act(market.staff),
        office=office_of(market.staff),
        holder=market.buyer,
        amount=Decimal("20000"),
        valid_until=timezone.localdate() + timedelta(days=365),
    )
