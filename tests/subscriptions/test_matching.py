"""Which subscriptions a new listing meets, and the rules a subscription's criteria follow."""

from datetime import timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone

from organizations.models import Membership
from repositories.models import ListingStatus
from subscriptions.keywords import keyword_phrases, keywords_match, phrase_tokens
from subscriptions.models import Frequency, Subscription
from subscriptions.selectors import subscription_preview, subscriptions_match_listing
from subscriptions.services import subscription_update
from tests.factories import (
    HANGZHOU,
    NINGBO,
    SHENZHEN,
    ZHEJIANG,
    AchievementFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    UserFactory,
    member_of,
    region,
)
from tests.subscriptions.conftest import field

pytestmark = pytest.mark.django_db

WATER = "050102"  # 资源环境与现代农业 / 生态环境 / 水污染治理
BATTERY = "040204"  # 新材料与新能源 / 新能源与储能 / 锂离子电池


def water_need(**kwargs):
    values = {
        "title": "印染废水深度脱色处理技术需求",
        "summary": "印染企业寻求低成本的废水脱色与回用工艺。",
        "problem": "现有生化处理后色度仍超标，需要新的深度处理方法。",
        "field": field(WATER),
        "region": region(HANGZHOU),
    }
    return NeedFactory(**{**values, **kwargs})


def battery_achievement(**kwargs):
    values = {
        "title": "废旧锂电池回收再利用技术",
        "summary": "从退役动力电池中高效回收锂、钴、镍。",
        "description": "湿法冶金工艺，金属回收率达到98%。",
        "field": field(BATTERY),
        "region": region(SHENZHEN),
    }
    return AchievementFactory(**{**values, **kwargs})


def matched(listing):
    return {subscription.pk for subscription in subscriptions_match_listing(listing)}


def test_a_domain_or_industry_covers_its_directions(subscribe):
    domain = subscribe(fields=[field("05")])
    industry = subscribe(fields=[field("0501")])
    direction = subscribe(fields=[field(WATER)])
    sibling = subscribe(fields=[field("050101")])  # 大气污染防治
    other_domain = subscribe(fields=[field("04")])
    assert matched(water_need()) == {domain.pk, industry.pk, direction.pk}
    assert sibling.pk not in matched(water_need()) and other_domain.pk not in matched(water_need())


def test_a_province_covers_its_cities_but_a_city_not_its_province(subscribe):
    zhejiang = subscribe(regions=[region(ZHEJIANG)])
    hangzhou = subscribe(regions=[region(HANGZHOU)])
    ningbo = subscribe(regions=[region(NINGBO)])
    assert matched(water_need(region=region(HANGZHOU))) == {zhejiang.pk, hangzhou.pk}
    assert matched(water_need(region=region(ZHEJIANG))) == {zhejiang.pk}
    assert ningbo.pk not in matched(water_need(region=region(HANGZHOU)))


def test_keywords_need_every_word_of_any_one_phrase(subscribe):
    recycling = subscribe(keywords="锂电池回收；固态电池")
    solid_state = subscribe(keywords="固态电池")
    dyeing = subscribe(keywords="印染 脱色、膜分离")
    unrelated = subscribe(keywords="大模型推理加速")
    battery = battery_achievement()
    assert matched(battery) == {recycling.pk}
    solid = battery_achievement(
        title="高安全固态电池电解质", summary="硫化物固态电解质。", description="室温离子电导率高。"
    )
    assert matched(solid) == {recycling.pk, solid_state.pk}
    assert matched(water_need()) == {dyeing.pk}
    assert unrelated.pk not in matched(battery) | matched(solid) | matched(water_need())


def test_a_phrase_does_not_match_on_part_of_its_words():
    tokens = [phrase_tokens("锂电池回收")]
    assert keywords_match(tokens, " ".join(["废旧", "锂电池", "锂电", "电池", "回收"]))
    assert not keywords_match(tokens, " ".join(["锂电池", "锂电", "电池", "正极"]))
    assert keywords_match([], "任何 文本")


def test_keyword_phrases_split_on_chinese_and_ascii_separators():
    assert keyword_phrases("锂电池回收，固态电池; 印染  脱色、膜分离；锂电池回收\n氢能") == [
        "锂电池回收",
        "固态电池",
        "印染 脱色",
        "膜分离",
        "氢能",
    ]


def test_kinds_limit_what_matches_and_empty_means_every_kind(subscribe):
    achievements_only = subscribe(kinds=["achievement"], fields=[field("04")])
    needs_only = subscribe(kinds=["need", "project"], fields=[field("04")])
    every_kind = subscribe(fields=[field("04")])
    assert matched(battery_achievement()) == {achievements_only.pk, every_kind.pk}
    battery_need = NeedFactory(title="锂电池回收产线自动化改造", field=field(BATTERY))
    assert matched(battery_need) == {needs_only.pk, every_kind.pk}


def test_all_criteria_must_hold_together(subscribe):
    both = subscribe(fields=[field("05")], regions=[region(ZHEJIANG)], keywords="废水")
    wrong_region = subscribe(fields=[field("05")], regions=[region(SHENZHEN)])
    wrong_keyword = subscribe(fields=[field("05")], keywords="土壤修复")
    assert matched(water_need()) == {both.pk}
    assert {wrong_region.pk, wrong_keyword.pk}.isdisjoint(matched(water_need()))


def test_paused_subscriptions_and_inactive_users_get_nothing(subscribe):
    paused = subscribe(keywords="废水", is_active=False)
    gone = subscribe(user=UserFactory(is_active=False), keywords="废水")
    active = subscribe(keywords="废水")
    assert matched(water_need()) == {active.pk}
    assert {paused.pk, gone.pk}.isdisjoint(matched(water_need()))


def test_nobody_is_pushed_their_own_organizations_listing(subscribe):
    need = water_need()
    colleague = member_of(need.organization, role=Membership.Role.MEMBER)
    pending = MembershipFactory(
        organization=need.organization, status=Membership.Status.PENDING
    ).user
    own = subscribe(user=colleague, keywords="废水")
    author = subscribe(user=need.created_by, keywords="废水")
    applicant = subscribe(user=pending, keywords="废水")
    outsider = subscribe(user=member_of(OrganizationFactory()), keywords="废水")
    assert matched(need) == {applicant.pk, outsider.pk}
    assert {own.pk, author.pk}.isdisjoint(matched(need))


@pytest.mark.parametrize(
    "changes",
    [
        {"status": ListingStatus.SUBMITTED},
        {"status": ListingStatus.DRAFT, "published_at": None},
        {"status": ListingStatus.CLOSED},
        {"expires_at": timezone.now() - timedelta(days=1)},
    ],
)
def test_only_live_listings_match(subscribe, changes):
    subscribe(keywords="废水")
    assert matched(water_need(**changes)) == set()


def test_a_subscription_needs_a_field_a_region_or_a_keyword(subscribe):
    with pytest.raises(ValidationError) as caught:
        subscribe(kinds=["need"], frequency=Frequency.DAILY)
    assert set(caught.value.message_dict) == {NON_FIELD_ERRORS}
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("data", "bad_field"),
    [
        ({"keywords": "的，和"}, "keywords"),
        ({"keywords": "、".join(f"关键词{n}" for n in range(11))}, "keywords"),
        ({"keywords": "废水", "kinds": ["patent"]}, "kinds"),
        ({"keywords": "废水", "frequency": "hourly"}, "frequency"),
        ({"keywords": "废水", "name": "名" * 65}, "name"),
    ],
)
def test_bad_values_are_named_by_field(subscribe, data, bad_field):
    with pytest.raises(ValidationError) as caught:
        subscribe(**data)
    assert set(caught.value.message_dict) == {bad_field}


def test_keywords_are_normalised_and_a_name_is_made_from_the_criteria(subscribe):
    subscription = subscribe(
        keywords=" 锂电池回收 ; 固态电池，锂电池回收 ", regions=[region(ZHEJIANG)]
    )
    assert subscription.keywords == "锂电池回收，固态电池"
    assert subscription.keyword_tokens == [["锂电", "电池", "锂电池", "回收"], ["固态", "电池"]]
    assert subscription.name == "锂电池回收、固态电池、浙江省"
    assert subscription.frequency == Frequency.INSTANT


def test_one_person_keeps_at_most_the_configured_number(subscribe, settings):
    settings.SUBSCRIPTIONS_PER_USER_MAX = 2
    user = UserFactory()
    subscribe(user=user, keywords="废水")
    subscribe(user=user, keywords="固态电池")
    with pytest.raises(ValidationError) as caught:
        subscribe(user=user, keywords="氢能")
    assert not hasattr(caught.value, "error_dict")
    assert Subscription.objects.filter(user=user).count() == 2
    subscribe(keywords="氢能")  # someone else still can


def test_only_the_owner_can_change_a_subscription(subscribe):
    subscription = subscribe(keywords="废水")
    with pytest.raises(PermissionDenied):
        subscription_update(subscription=subscription, user=UserFactory(), data={"name": "改"})


def test_an_update_keeps_what_it_does_not_name(subscribe):
    subscription = subscribe(keywords="废水", regions=[region(ZHEJIANG)], kinds=["need"])
    subscription_update(
        subscription=subscription, user=subscription.user, data={"frequency": Frequency.DAILY}
    )
    subscription.refresh_from_db()
    assert (subscription.keywords, subscription.kinds, subscription.frequency) == (
        "废水",
        ["need"],
        Frequency.DAILY,
    )
    assert list(subscription.regions.all()) == [region(ZHEJIANG)]
    with pytest.raises(ValidationError):
        subscription_update(
            subscription=subscription,
            user=subscription.user,
            data={"keywords": "", "regions": []},
        )


def preview_ids(user, **criteria):
    return [listing.pk for listing in subscription_preview(user=user, **criteria)]


def test_the_preview_shows_the_latest_live_listings_the_criteria_meet():
    user = member_of(OrganizationFactory())
    old = water_need(published_at=timezone.now() - timedelta(days=3))
    new = water_need(title="化工园区废水零排放需求")
    water_need(title="印染废水回用（草稿）", status=ListingStatus.DRAFT)
    water_need(title="本单位的废水需求", organization=user.memberships.get().organization)
    battery = battery_achievement()
    assert preview_ids(user, fields=[field("0501")], keywords="废水") == [new.pk, old.pk]
    assert preview_ids(user, keywords="废水", limit=1) == [new.pk]
    assert preview_ids(user, kinds=["achievement"], keywords="锂电池回收") == [battery.pk]
    assert preview_ids(user, kinds=["need"], keywords="锂电池回收") == []
    assert preview_ids(user, regions=[region(NINGBO)]) == []
