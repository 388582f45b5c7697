"""A hand-built history in the outcome log, written through outcome_record as the orders and
deals services write it, each event dated by the `clock` and every standing computed at AT
(timezone.now is fixed there): an agency that provides services (P), an enterprise that buys
from it (B), a partner in a contract (D) and the CAST staff of Hangzhou and of Shenzhen. The
points it must give are worked out by hand in test_standing.py."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from organizations.models import Organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from tests.factories import HANGZHOU, SHENZHEN, OrganizationFactory, cast_staff, member_of

N = OutcomeEvent.Name
AT = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def now(monkeypatch):
    """Fix the clock the standings are computed by (timezone.now) at AT; now(days) moves it."""
    moment = {"now": AT}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])

    def move(days):
        moment["now"] = AT + timedelta(days=days)
        return moment["now"]

    return move


@dataclass
class World:
    provider: Organization
    buyer: Organization
    partner: Organization
    member: object  # of the provider
    staff: object  # CAST staff of Hangzhou
    far_staff: object  # CAST staff of Shenzhen
    events: dict


class Log:
    """record(age_days, name, ...) writes one event `age_days` before AT (or `base`)."""

    def __init__(self, monkeypatch, base=AT):
        self.base = base
        self.moment = {"at": base}
        monkeypatch.setattr(
            OutcomeEvent._meta.get_field("occurred_at"),
            "_get_default",
            lambda: self.moment["at"] or timezone.now(),
        )

    def __call__(self, age_days, name, subject_type, subject_id, **kwargs):
        self.moment["at"] = self.base - timedelta(days=age_days)
        try:
            with transaction.atomic():
                return outcome_record(
                    name=name, subject_type=subject_type, subject_id=subject_id, **kwargs
                )
        finally:
            # What the services record afterwards (appeals' decisions) is dated by the clock.
            self.moment["at"] = None

    def order(self, age, name, order_id, *, buyer, provider, acting=None, **data):
        acting = acting or buyer
        other = provider if acting == buyer else buyer
        return self(
            age, name, "order", order_id, organization=acting, counterpart=other,
            region_id=buyer.region_id,
            data={"buyer": buyer.pk, "provider": provider.pk, **data},
        )  # fmt: skip

    def deal(self, age, name, deal_id, *, demand, supply, acting=None, **data):
        acting = acting or demand
        other = supply if acting == demand else demand
        return self(
            age, name, "deal", deal_id, organization=acting, counterpart=other,
            region_id=demand.region_id,
            data={"demand_party": demand.pk, "supply_party": supply.pk, **data},
        )  # fmt: skip


@pytest.fixture
def log(db, monkeypatch, now):
    return Log(monkeypatch)


@pytest.fixture
def world(db, log):
    return build_world(log)


def build_world(log):
    """P's history at AT (age in days; weight = 0.5 ** (age / 365)):

    e1   0  order 1 completed on time               P +3 × 1    = +3
    e2 365  order 2 completed late                  P +1 × 0.5  = +0.5
    e3 365  order 2 past its due date               P −2 × 0.5  = −1
    e4   0  order 3 dispute decided for the buyer   P −5 × 1    = −5
    e5 365  deal 1 registration verified            P +4 × 0.5  = +2 (D too)
    e6   0  deal 1 milestone accepted by D          P +2 × 1    = +2
    e7   0  B reviews order 1, 4 stars              hidden: P has not reviewed, window open
    --      order 4 declined                        does not count
    --      order 5 completed, 730 days ago         out of the window
    --      order 6 completed, 800 days ago         out of the window
    """
    provider = OrganizationFactory(
        name="杭州睿桥技术转移服务有限公司", kind=Organization.Kind.AGENCY
    )
    buyer = OrganizationFactory(name="宁海手电筒制造有限公司")
    partner = OrganizationFactory(name="浙江大学某研究院", kind=Organization.Kind.INSTITUTION)
    member = member_of(provider, username="rq_admin")
    staff = cast_staff(HANGZHOU, username="hz_staff")
    far_staff = cast_staff(SHENZHEN, username="sz_staff")
    p, b = provider, buyer
    events = {
        "e1": log.order(0, N.ORDER_COMPLETED, 1, buyer=b, provider=p, late=False),
        "e2": log.order(365, N.ORDER_COMPLETED, 2, buyer=b, provider=p, late=True),
        "e3": log.order(365, N.ORDER_LATE, 2, buyer=b, provider=p),
        "e4": log.order(
            0,
            N.ORDER_DISPUTE_DECIDED,
            3,
            buyer=b,
            provider=p,
            decision="for_buyer",
            opened_by=b.pk,
        ),  # fmt: skip
        "e5": log.deal(365, N.DEAL_REGISTRATION_VERIFIED, 1, demand=partner, supply=p),
        "e6": log.deal(0, N.DEAL_MILESTONE_ACCEPTED, 1, demand=partner, supply=p),
        "e7": log.order(0, N.ORDER_REVIEWED, 1, buyer=b, provider=p, acting=b, rating=4),
        "declined": log.order(3, N.ORDER_DECLINED, 4, buyer=b, provider=p, acting=p),
        "edge": log.order(730, N.ORDER_COMPLETED, 5, buyer=b, provider=p, late=False),
        "old": log.order(800, N.ORDER_COMPLETED, 6, buyer=b, provider=p, late=False),
    }
    return World(provider, buyer, partner, member, staff, far_staff, events)
