"""/api/v1/notifications/: a signed-in person's own notification centre; API tokens are refused.

Every error comes back as {"status", "code", "message", "fields"}.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.models import Match, SupplyKind
from notifications.models import Notification
from notifications.services import notify
from tests.factories import (
    HANGZHOU,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    UserFactory,
    api_token_for,
    cast_staff,
    member_of,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"
MARK_READ = f"{URL}mark-read/"


def error_body(response):
    body = response.json()
    assert set(body) == {"status", "code", "message", "fields"}
    assert body["status"] == response.status_code
    return body


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def note(user, topic=Notification.Topic.MATCH, title="有新的匹配", read=False, minutes_ago=0):
    (notification,) = notify(users=[user], topic=topic, title=title, body="正文", url="/matches/1/")
    fields = {"created_at": timezone.now() - timedelta(minutes=minutes_ago)}
    if read:
        fields["read_at"] = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(**fields)
    notification.refresh_from_db()
    return notification


@pytest.fixture
def person():
    return UserFactory()


@pytest.fixture
def inbox(person):
    """Three of the person's notifications (oldest first) and one of someone else's."""
    return {
        "old_read": note(
            person, Notification.Topic.LISTING_REVIEWED, "已审核", read=True, minutes_ago=30
        ),
        "match": note(person, Notification.Topic.MATCH, "有新的匹配", minutes_ago=20),
        "membership": note(person, Notification.Topic.MEMBERSHIP, "入会申请", minutes_ago=10),
        "theirs": note(UserFactory(), Notification.Topic.MATCH, "别人的通知"),
    }


def pick(inbox, *names):
    return [inbox[name].pk for name in names]


# --- reading ----------------------------------------------------------------------------------


def test_a_person_sees_their_own_newest_first(client, person, inbox):
    client.force_login(person)
    response = client.get(URL)
    assert ids(response) == pick(inbox, "membership", "match", "old_read")
    row = response.json()["results"][1]
    assert row == {
        "id": inbox["match"].pk,
        "topic": "match",
        "title": "有新的匹配",
        "body": "正文",
        "url": "/matches/1/",
        "unread": True,
        "read_at": None,
        "created_at": row["created_at"],
    }
    assert response.json()["results"][2]["unread"] is False
    assert response.json()["results"][2]["read_at"]


def test_someone_elses_notification_is_404(client, person, inbox):
    client.force_login(person)
    assert client.get(f"{URL}{inbox['match'].pk}/").json()["title"] == "有新的匹配"
    response = client.get(f"{URL}{inbox['theirs'].pk}/")
    assert response.status_code == 404
    assert error_body(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"unread": "true"}, ["membership", "match"]),
        ({"unread": "false"}, ["old_read"]),
        ({"topic": "match"}, ["match"]),
        ({"topic": "match", "unread": "false"}, []),
        ({"topic": "webhook"}, []),
        ({"ordering": "created_at"}, ["old_read", "match", "membership"]),
    ],
)
def test_filters(client, person, inbox, query, expected):
    client.force_login(person)
    assert ids(client.get(URL, query)) == pick(inbox, *expected)


def test_an_unknown_topic_is_400(client, person, inbox):
    client.force_login(person)
    response = client.get(URL, {"topic": "gossip"})
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["topic"]


def test_notifications_are_paginated(client, person):
    for index in range(3):
        note(person, title=f"通知{index}", minutes_ago=index)
    client.force_login(person)
    body = client.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_anonymous_is_401(client, inbox):
    for response in (client.get(URL), client.post(MARK_READ, {}, content_type="application/json")):
        assert response.status_code == 401
        assert error_body(response)["code"] == "not_authenticated"


def test_an_organizations_api_token_is_refused(client, auth, person, inbox):
    """Notifications are personal: a token, even its creator's, cannot read or mark them."""
    organization = OrganizationFactory()
    creator = member_of(organization)
    mine = note(creator, title="令牌创建者的通知")
    _token, key = api_token_for(organization, user=creator)
    for response in (
        client.get(URL, headers=auth(key)),
        client.get(f"{URL}{mine.pk}/", headers=auth(key)),
        client.post(MARK_READ, {}, content_type="application/json", headers=auth(key)),
    ):
        assert response.status_code == 403
        assert error_body(response)["code"] == "permission_denied"
    mine.refresh_from_db()
    assert mine.read_at is None
    # The same token still works where tokens belong.
    assert client.get("/api/v1/matches/", headers=auth(key)).status_code == 200


@pytest.mark.openapi_exempt(reason="sends methods the schema does not have, to see 405")
def test_notifications_are_read_only(client, person, inbox):
    client.force_login(person)
    url = f"{URL}{inbox['match'].pk}/"
    for method in (client.put, client.patch, client.delete):
        assert method(url, {}, content_type="application/json").status_code == 405
    assert client.post(URL, {}, content_type="application/json").status_code == 405


# --- marking read -----------------------------------------------------------------------------


def mark_read(client, data):
    return client.post(MARK_READ, data, content_type="application/json")


def unread(*notifications):
    return [Notification.objects.get(pk=n.pk).read_at is None for n in notifications]


def test_mark_some_read(client, person, inbox):
    client.force_login(person)
    response = mark_read(client, {"ids": pick(inbox, "match", "old_read", "theirs")})
    assert response.status_code == 200, response.json()
    # Only the person's unread one counts: already read and someone else's are left out.
    assert response.json() == {"count": 1, "unread": 1}
    assert unread(inbox["match"], inbox["membership"], inbox["theirs"]) == [False, True, True]
    assert ids(client.get(URL, {"unread": "true"})) == pick(inbox, "membership")


def test_mark_all_read(client, person, inbox):
    client.force_login(person)
    response = mark_read(client, {})
    assert response.json() == {"count": 2, "unread": 0}
    assert unread(inbox["match"], inbox["membership"], inbox["theirs"]) == [False, False, True]
    assert mark_read(client, {}).json() == {"count": 0, "unread": 0}


def test_an_empty_list_marks_nothing(client, person, inbox):
    client.force_login(person)
    assert mark_read(client, {"ids": []}).json() == {"count": 0, "unread": 2}


def test_someone_elses_ids_are_ignored(client, person, inbox):
    client.force_login(person)
    assert mark_read(client, {"ids": pick(inbox, "theirs")}).json() == {"count": 0, "unread": 2}
    assert unread(inbox["theirs"]) == [True]


@pytest.mark.parametrize(
    "data",
    [
        {"ids": "all"},
        {"ids": ["一"]},
        {"ids": [0]},
        {"ids": [None]},
        {"ids": list(range(1, 1002))},
    ],
)
def test_bad_ids_are_400(client, person, inbox, data):
    client.force_login(person)
    response = mark_read(client, data)
    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["ids"]
    assert unread(inbox["match"], inbox["membership"]) == [True, True]


# --- end to end: a reviewed match lands in both sides' notification centres -------------------


def test_an_approved_match_reaches_both_sides(client):
    need = NeedFactory(title="红外感应开关的误触发问题")
    achievement = AchievementFactory(title="低功耗红外开关模组")
    need_side, supply_side = member_of(need.organization), member_of(achievement.organization)
    match = Match.objects.create(
        need=need,
        supply_kind=SupplyKind.ACHIEVEMENT,
        supply_listing=achievement,
        supply_key=f"achievement:{achievement.pk}",
        region=need.region,
        score=0.8,
        parts={},
        explanation={"terms": ["红外", "开关"], "field_levels": 2, "region": "city"},
        model="test-model",
    )
    client.force_login(cast_staff(HANGZHOU))
    response = client.post(
        f"/api/v1/matches/{match.pk}/review/",
        {"decision": "approve"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    for user, own_title in ((need_side, need.title), (supply_side, achievement.title)):
        client.force_login(user)
        rows = client.get(URL, {"topic": "match", "unread": "true"}).json()["results"]
        assert len(rows) == 1
        assert own_title in rows[0]["title"]
        assert rows[0]["url"] == match.get_absolute_url()
        assert mark_read(client, {"ids": [rows[0]["id"]]}).json() == {"count": 1, "unread": 0}
