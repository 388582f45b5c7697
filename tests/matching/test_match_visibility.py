"""What the other side of a match sees of a listing that is no longer live, or has changes
awaiting review: only the published, reviewed version, or (once it is closed, expired or back
in review, or a team is awaiting verification again) no match at all. Its owner and the CAST
staff still see everything. Checked on the web pages and the API, as the other side.

The UI is in Chinese (LANGUAGE_CODE zh-hans), so the assertions read Chinese text.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from matching.services import match_review
from notifications.models import Notification
from organizations.models import Membership, Organization
from organizations.services import organization_update
from repositories import services as listing_services
from repositories.models import Listing, ListingStatus
from tests.api.openapi import validate_api_responses  # noqa: F401  (a fixture, used below)
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

API = "/api/v1/matches/"
PUBLISHED_TITLE = "低功耗红外开关模组"
PUBLISHED_SUMMARY = "一种已经审核发布的红外开关模组。"
UNREVIEWED_TITLE = "尚未审核的新标题：含客户名称"
UNREVIEWED_SUMMARY = "尚未审核的新摘要，写着不该公开的客户信息。"


@pytest.fixture(autouse=True)
def _api_responses_match_the_schema(validate_api_responses):  # noqa: F811
    """Every API response here is checked against api/openapi.yaml."""


@pytest.fixture
def world():
    need_org = OrganizationFactory(name="杭州光电科技有限公司", region=region(HANGZHOU))
    supply_org = OrganizationFactory(
        name="江南理工大学", kind=Organization.Kind.INSTITUTION, region=region(NINGBO)
    )
    need = NeedFactory(organization=need_org, title="红外感应开关的误触发问题")
    achievement = AchievementFactory(
        organization=supply_org, title=PUBLISHED_TITLE, summary=PUBLISHED_SUMMARY
    )
    return SimpleNamespace(
        need=need,
        achievement=achievement,
        match=make_match(need, achievement, status=Match.Status.APPROVED),
        need_member=member_of(need_org, role=Membership.Role.MEMBER),
        supply_owner=achievement.created_by,
        staff=cast_staff(HANGZHOU),
    )


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    client.logout()
    return response


def need_page(client, world, user):
    """The need's page, whose matches section lists the supply."""
    return page(client, user, world.need.get_absolute_url()).content.decode()


def api_matches(client, user):
    client.force_login(user)
    body = client.get(API).json()
    client.logout()
    return body["results"]


def sees_match(client, world, user):
    """Whether `user` sees the match anywhere: the need's page, the match's page, the API."""
    listed = f'id="match-{world.match.pk}"' in need_page(client, world, user)
    detail = page(client, user, world.match.get_absolute_url()).status_code
    api = [m["id"] for m in api_matches(client, user)]
    client.force_login(user)
    api_detail = client.get(f"{API}{world.match.pk}/").status_code
    client.logout()
    assert {listed, detail == 200, api == [world.match.pk], api_detail == 200} in ({True}, {False})
    return listed


def test_changes_awaiting_review_never_show_through_the_match(client, world, actor):
    listing_services.listing_update(
        listing=world.achievement,
        actor=actor(world.supply_owner),
        data={"title": UNREVIEWED_TITLE, "summary": UNREVIEWED_SUMMARY},
    )
    assert Listing.objects.get(pk=world.achievement.pk).pending_changes["title"] == UNREVIEWED_TITLE

    html = need_page(client, world, world.need_member)
    assert PUBLISHED_TITLE in html
    assert UNREVIEWED_TITLE not in html
    detail = page(client, world.need_member, world.match.get_absolute_url()).content.decode()
    assert PUBLISHED_TITLE in detail and PUBLISHED_SUMMARY in detail
    assert UNREVIEWED_TITLE not in detail and UNREVIEWED_SUMMARY not in detail
    (match,) = api_matches(client, world.need_member)
    assert match["supply"]["title"] == PUBLISHED_TITLE
    assert UNREVIEWED_TITLE not in str(match)


def close(world, actor):
    listing_services.listing_close(listing=world.achievement, actor=actor(world.supply_owner))


def expire(world, actor):
    Listing.objects.filter(pk=world.achievement.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )


def back_in_review(world, actor):
    """Submitted again with a new title (an import or the back office can do so)."""
    Listing.objects.filter(pk=world.achievement.pk).update(
        status=ListingStatus.SUBMITTED, title=UNREVIEWED_TITLE
    )


def returned(world, actor):
    Listing.objects.filter(pk=world.achievement.pk).update(
        status=ListingStatus.RETURNED, title=UNREVIEWED_TITLE
    )


@pytest.mark.parametrize("leave", [close, expire, back_in_review, returned])
def test_a_supply_no_longer_live_drops_out_of_the_other_sides_matches(client, world, actor, leave):
    assert sees_match(client, world, world.need_member)
    leave(world, actor)

    assert not sees_match(client, world, world.need_member)
    assert UNREVIEWED_TITLE not in need_page(client, world, world.need_member)
    assert api_matches(client, world.need_member) == []
    # Its owner and the CAST staff of the need's region still see it.
    assert sees_match(client, world, world.supply_owner)
    assert sees_match(client, world, world.staff)


def test_a_need_no_longer_live_drops_out_of_the_supply_sides_matches(client, world, actor):
    supply_page = world.achievement.get_absolute_url()
    assert (
        f'id="match-{world.match.pk}"'
        in page(client, world.supply_owner, supply_page).content.decode()
    )
    Listing.objects.filter(pk=world.need.pk).update(
        status=ListingStatus.SUBMITTED, title=UNREVIEWED_TITLE
    )
    html = page(client, world.supply_owner, supply_page).content.decode()
    assert f'id="match-{world.match.pk}"' not in html
    assert UNREVIEWED_TITLE not in html
    assert page(client, world.supply_owner, world.match.get_absolute_url()).status_code == 404
    assert api_matches(client, world.supply_owner) == []
    assert [m["id"] for m in api_matches(client, world.need_member)] == [world.match.pk]


def test_a_renamed_team_awaiting_verification_drops_out_of_the_needs_matches(client, world, actor):
    team = OrganizationFactory(
        kind=Organization.Kind.SERVICE_TEAM, name="照明电子专家服务团", region=region(HANGZHOU)
    )
    team_admin = member_of(team)
    match = make_match(world.need, team, status=Match.Status.APPROVED, score=0.7)
    client.force_login(world.need_member)
    assert [m["supply"]["title"] for m in client.get(API).json()["results"]] == [
        PUBLISHED_TITLE,
        "照明电子专家服务团",
    ]
    organization_update(
        organization=team, actor=actor(team_admin), data={"name": "未经核验的新团队名"}
    )
    assert Organization.objects.get(pk=team.pk).status == Organization.Status.PENDING

    results = client.get(API).json()["results"]
    assert [m["id"] for m in results] == [world.match.pk]
    assert "未经核验的新团队名" not in str(results)
    assert client.get(f"{API}{match.pk}/").status_code == 404
    assert client.get(match.get_absolute_url()).status_code == 404
    assert "未经核验的新团队名" not in client.get(world.need.get_absolute_url()).content.decode()
    client.force_login(team_admin)
    assert [m["id"] for m in client.get(API).json()["results"]] == [match.pk]


def test_a_match_whose_side_left_cannot_be_pushed(client, world, actor):
    """The push names both sides: the staff cannot approve a proposal once one side is no
    longer live, by the service or the API; rejecting stays possible."""
    proposed = make_match(
        world.need, AchievementFactory(organization=world.achievement.organization)
    )
    Listing.objects.filter(pk=proposed.supply_listing_id).update(
        status=ListingStatus.SUBMITTED, title=UNREVIEWED_TITLE
    )
    notices = Notification.objects.count()
    with pytest.raises(ValidationError) as error:
        match_review(match=proposed, actor=actor(world.staff), approve=True)
    assert "不再处于发布状态" in str(error.value)

    client.force_login(world.staff)
    response = client.post(
        f"{API}{proposed.pk}/review/", {"decision": "approve"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "不再处于发布状态" in response.json()["message"] + str(response.json()["fields"])
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED
    assert Notification.objects.count() == notices

    response = client.post(
        reverse("matching:review", args=[proposed.pk]), {"decision": "reject", "note": "已撤回"}
    )
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.REJECTED
