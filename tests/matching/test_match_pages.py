"""The match pages people use: a listing's matches, a match's page and its answer form.

The UI is in Chinese (LANGUAGE_CODE zh-hans), so the assertions read Chinese text.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Match, MatchAnswer
from organizations.models import Membership, Organization
from repositories.models import Listing
from tests.factories import (
    HANGZHOU,
    NINGBO,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
    region,
)
from tests.matching.builders import make_match

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    need_org = OrganizationFactory(name="杭州光电科技有限公司", region=region(HANGZHOU))
    supply_org = OrganizationFactory(
        name="江南理工大学", kind=Organization.Kind.INSTITUTION, region=region(NINGBO)
    )
    need = NeedFactory(organization=need_org, title="红外感应开关的误触发问题")
    achievement = AchievementFactory(organization=supply_org, title="低功耗红外开关模组")
    pending = AchievementFactory(organization=supply_org, title="尚待审核的成果")
    return SimpleNamespace(
        need=need,
        achievement=achievement,
        pending=pending,
        approved=make_match(need, achievement, status=Match.Status.APPROVED, score=0.8),
        proposed=make_match(need, pending, score=0.9),
        need_member=member_of(need_org, role=Membership.Role.MEMBER),
        supply_member=member_of(supply_org, role=Membership.Role.MEMBER),
        staff=cast_staff(HANGZHOU),
    )


# --- answering a match ------------------------------------------------------------------------


def post_answer(client, match, **data):
    return client.post(reverse("matching:answer", args=[match.pk]), data)


def test_an_answer_with_errors_comes_back_with_everything_typed(client, world):
    """Not relevant without a reason: the form returns as sent, never reset to "interested"."""
    client.force_login(world.need_member)
    response = post_answer(
        client, world.approved, answer="not_relevant", reason="", comment="我们做的是激光器"
    )
    assert response.status_code == 200
    form = response.context["answer_form"]
    assert form.is_bound
    assert form.errors == {"reason": ["请说明该匹配为何不相关。"]}
    html = response.content.decode()
    assert '<option value="not_relevant" selected>不相关</option>' in html
    assert '<option value="interested" selected' not in html
    assert "我们做的是激光器</textarea>" in html
    assert "理由：请说明该匹配为何不相关。" in html
    assert not MatchAnswer.objects.exists()


def test_the_answer_form_chooses_nothing_for_the_user(client, world):
    client.force_login(world.need_member)
    html = client.get(world.approved.get_absolute_url()).content.decode()
    assert '<option value="" selected>' in html
    assert '<option value="interested" selected' not in html
    response = post_answer(client, world.approved, comment="稍后再说")
    assert response.context["answer_form"].errors == {"answer": ["请选择感兴趣、已联系或不相关。"]}
    assert "稍后再说</textarea>" in response.content.decode()
    assert not MatchAnswer.objects.exists()


def test_a_valid_answer_is_recorded_as_chosen(client, world):
    client.force_login(world.need_member)
    response = post_answer(
        client, world.approved, answer="not_relevant", reason="not_our_field", comment="方向不同"
    )
    assert response.status_code == 302
    assert response.url == world.approved.get_absolute_url()
    stored = MatchAnswer.objects.get()
    assert (stored.answer, stored.reason, stored.comment) == (
        "not_relevant",
        "not_our_field",
        "方向不同",
    )
    # The saved answer is what the form shows next time.
    html = client.get(world.approved.get_absolute_url()).content.decode()
    assert '<option value="not_relevant" selected>不相关</option>' in html


# --- who sees which match ---------------------------------------------------------------------


def shown(response):
    return [match.pk for match in response.context["matches"]]


@pytest.mark.parametrize(
    ("person", "page", "expected"),
    [
        ("need_member", "need", ["approved"]),
        ("supply_member", "achievement", ["approved"]),
        ("supply_member", "pending", []),
    ],
)
def test_the_parties_see_only_matches_pushed_to_them(client, world, person, page, expected):
    client.force_login(getattr(world, person))
    response = client.get(getattr(world, page).get_absolute_url())
    assert shown(response) == [getattr(world, name).pk for name in expected]
    html = response.content.decode()
    assert f"match-{world.proposed.pk}" not in html
    assert client.get(world.proposed.get_absolute_url()).status_code == 404
    assert client.get(world.approved.get_absolute_url()).status_code == 200


def test_the_regions_staff_see_every_match_best_first(client, world):
    client.force_login(world.staff)
    response = client.get(world.need.get_absolute_url())
    assert shown(response) == [world.proposed.pk, world.approved.pk]
    assert client.get(world.proposed.get_absolute_url()).status_code == 200


def test_the_owner_is_told_proposals_wait_for_review(client, world):
    Match.objects.filter(pk=world.approved.pk).delete()
    # Matching has run (indexed): the section no longer says it is looking.
    Listing.objects.filter(pk=world.need.pk).update(indexed_at=timezone.now())
    client.force_login(world.need_member)
    response = client.get(world.need.get_absolute_url())
    assert shown(response) == []
    assert "科协工作人员审核后推送" in response.content.decode()


# --- scores as people read them ---------------------------------------------------------------


def test_people_read_the_match_degree_and_reasons_never_raw_numbers(client, world):
    Match.objects.filter(pk=world.approved.pk).update(
        score=1.14,
        degree=81,
        parts={"relevance": 0.97, "dense": 0.9123, "title": 0.88, "keyword": 95.74},
        explanation={
            "terms": ["锂电池", "回收"],
            "passage": "采用湿法冶金从废旧锂电池中回收钴镍。",
            "fields": [],
            "field_levels": 0,
            "region": "province",
            "cooperation_modes": [],
            "maturity": 6,
            "maturity_wanted": 5,
        },
    )
    client.force_login(world.need_member)
    listing_html = client.get(world.need.get_absolute_url()).content.decode()
    detail_html = client.get(world.approved.get_absolute_url()).content.decode()
    assert "匹配度 81%" in listing_html and "匹配度 81%" in detail_html
    assert "很可能相关" in listing_html
    for raw in ("1.14", "95.74", "95.7", "0.97", "0.912", "91%", "97%"):
        assert raw not in listing_html and raw not in detail_html, raw
    assert "都提到锂电池、回收" in detail_html
    assert "同省" in detail_html
    assert "成果已达 TRL 6，需求要求 TRL 5 以上" in detail_html
    assert "采用湿法冶金从废旧锂电池中回收钴镍。" in detail_html
