"""A sponsor enterprise in Hangzhou with a draft challenge, a rival applicant, the CAST staff of
Hangzhou and of Shenzhen."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from challenges import services
from challenges.models import Challenge, IpArrangement
from organizations.models import Membership, Organization
from organizations.selectors import actor_for
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    OrganizationFactory,
    cast_staff,
    direction,
    member_of,
    region,
)

INDICATORS = [
    {
        "name": "锂回收率",
        "current_value": "85",
        "target_value": "95",
        "unit": "%",
        "test_method": "ICP-OES 测定浸出液",
    },
    {
        "name": "单吨处理成本",
        "current_value": "9000",
        "target_value": "6000",
        "unit": "元/吨",
        "test_method": "连续三批中试核算",
    },
]


def act(user):
    return actor_for(user=user)


def challenge_data(**overrides):
    today = timezone.localdate()
    return {
        "title": "退役动力电池锂高效回收技术揭榜",
        "problem": "现有湿法工艺锂回收率仅85%，酸耗高，需要新的浸出与分离方法。",
        "success_criteria": "连续三批中试全部指标达标，并通过第三方检测。",
        "trl_now": 4,
        "trl_wanted": 7,
        "reward_amount": Decimal("300"),
        "reward_terms": "签约后支付30%，中试验收后支付70%。",
        "ip_arrangement": IpArrangement.EXCLUSIVE,
        "eligibility": "国内高校、科研院所及企业均可揭榜。",
        "max_winners": 3,
        "applications_close_on": today + timedelta(days=30),
        "decision_by": today + timedelta(days=60),
        "field": direction(),
        "hide_sponsor": False,
        **overrides,
    }


@dataclass
class World:
    sponsor: Organization
    sponsor_user: object
    sponsor_member: object
    rival: Organization
    rival_user: object
    other: Organization
    other_user: object
    staff: object
    far_staff: object
    challenge: Challenge


def publish(world, challenge=None):
    challenge = challenge or world.challenge
    services.challenge_transition(
        actor=act(world.sponsor_user), challenge=challenge, action="submit"
    )
    services.challenge_transition(actor=act(world.staff), challenge=challenge, action="publish")
    challenge.refresh_from_db()
    return challenge


def milestones_for(challenge):
    due = timezone.localdate() + timedelta(days=40)
    return [
        {"title": f"里程碑{n}", "due_on": due, "deliverable": "中试报告", "covers_indicator": i}
        for n, i in enumerate(challenge.indicators.all(), start=1)
    ]


APPLICATION = {
    "approach": "采用低温选择性浸出与膜分离耦合工艺。",
    "budget": Decimal("280"),
    "team": "教授1名，博士3名。",
    "evidence": "已完成小试，回收率93%。",
    "coi_declared": True,
    "originality_declared": True,
}


def apply(world, challenge=None, user=None, applicant=None):
    challenge = challenge or world.challenge
    return services.application_submit(
        actor=act(user or world.rival_user),
        challenge=challenge,
        applicant=applicant or world.rival,
        data=APPLICATION,
        milestones=milestones_for(challenge),
    )


@pytest.fixture
def world(db):
    sponsor = OrganizationFactory(name="杭州绿锂新能源有限公司", region=region(HANGZHOU))
    rival = OrganizationFactory(name="浙江材料研究院", kind=Organization.Kind.INSTITUTION)
    other = OrganizationFactory(name="深圳回收科技有限公司", region=region(SHENZHEN))
    sponsor_user = member_of(sponsor, username="sponsor")
    sponsor_member = member_of(sponsor, role=Membership.Role.MEMBER, username="sponsor-member")
    challenge = services.challenge_save(
        actor=act(sponsor_user), sponsor=sponsor, data=challenge_data(), indicators=INDICATORS
    )
    return World(
        sponsor=sponsor,
        sponsor_user=sponsor_user,
        sponsor_member=sponsor_member,
        rival=rival,
        rival_user=member_of(rival, username="rival"),
        other=other,
        other_user=member_of(other, username="other"),
        staff=cast_staff(HANGZHOU, username="hz-staff"),
        far_staff=cast_staff(SHENZHEN, username="sz-staff"),
        challenge=challenge,
    )
