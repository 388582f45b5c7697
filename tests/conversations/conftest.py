"""Two parties of an approved match — an enterprise with a need and a university with an
achievement, both in Hangzhou — and the people around them."""

from dataclasses import dataclass

import pytest

from matching.models import Match
from matching.services import match_answer
from organizations.models import Organization
from organizations.selectors import actor_for
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    api_token_for,
    cast_staff,
    member_of,
)
from tests.matching.builders import make_match


@dataclass
class World:
    enterprise: Organization
    university: Organization
    need: object
    achievement: object
    match: Match
    owner: object  # an administrator of the enterprise
    colleague: object  # a plain member of the enterprise
    scientist: object  # an administrator of the university
    staff: object  # CAST staff of Hangzhou (the need's region)
    far_staff: object  # CAST staff of Shenzhen
    stranger: object  # a member of a third organization
    stranger_org: Organization


@pytest.fixture
def world(db):
    enterprise = OrganizationFactory(
        name="宁海手电筒制造有限公司",
        contact_name="王经理",
        contact_phone="0574-65551234",
        contact_email="wang@ninghai.example.cn",
    )
    university = OrganizationFactory(
        name="浙江照明电子研究院",
        kind=Organization.Kind.INSTITUTION,
        contact_name="赵老师",
        contact_phone="13911112222",
        contact_email="zhao@lab.example.cn",
    )
    owner = member_of(enterprise, username="nh_owner", display_name="王经理")
    colleague = member_of(enterprise, role="member", username="nh_colleague")
    scientist = member_of(university, username="dr_zhao", display_name="赵老师")
    need = NeedFactory(organization=enterprise, created_by=owner, title="LED手电筒红外开关改进")
    achievement = AchievementFactory(
        organization=university, created_by=scientist, title="红外感应开关及LED照明控制电路"
    )
    match = make_match(need, achievement, status=Match.Status.APPROVED)
    stranger_org = OrganizationFactory(name="第三方科技公司")
    return World(
        enterprise=enterprise,
        university=university,
        need=need,
        achievement=achievement,
        match=match,
        owner=owner,
        colleague=colleague,
        scientist=scientist,
        staff=cast_staff(HANGZHOU, username="hz_staff"),
        far_staff=cast_staff(SHENZHEN, username="sz_staff"),
        stranger=member_of(stranger_org, username="stranger"),
        stranger_org=stranger_org,
    )


def answer(match, user, value="interested"):
    return match_answer(match=match, actor=actor_for(user=user), answer=value)


@pytest.fixture
def conversation(world):
    """Both sides answered 感兴趣: the conversation of the match."""
    answer(world.match, world.owner)
    answer(world.match, world.scientist)
    return world.match.conversation


@pytest.fixture
def stranger_token(world):
    _token, key = api_token_for(world.stranger_org, user=world.stranger)
    return key
