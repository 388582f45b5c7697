"""The API of roadshows (路演), checked against api/openapi.yaml: a roadshow driven by the host's,
the presenter's and the attendee's programs alone up to an accepted intent and its deal; what a
stranger's token cannot see; double booking refused; bad input named by field in Chinese."""

from types import SimpleNamespace

import pytest

from deals.models import Deal
from organizations.models import ApiToken
from roadshows.models import Pitch, Registration
from tests.factories import AchievementFactory, api_token_for
from tests.roadshows import conftest as roadshow_fixtures
from tests.roadshows.conftest import at, publish, selected_pitch, validated

pytestmark = pytest.mark.django_db

world = roadshow_fixtures.world

ROADSHOWS = "/api/v1/roadshows/"
PITCHES = "/api/v1/roadshow-pitches/"
REGISTRATIONS = "/api/v1/roadshow-registrations/"
MEETINGS = "/api/v1/roadshow-meetings/"
INTENTS = "/api/v1/roadshow-intents/"
TOO_BIG = "9" * 20


def call(client, method, path, key=None, data=None):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    if method == "get":
        return client.get(path, data or {}, **headers)
    return getattr(client, method)(
        path, {} if data is None else data, content_type="application/json", **headers
    )


def refused(response, field):
    assert response.status_code == 400, response.json()
    body = response.json()
    assert field in body["fields"], body
    return " ".join(str(m) for m in body["fields"][field])


@pytest.fixture
def keys(world):
    return SimpleNamespace(
        host=api_token_for(world.host, user=world.host_user)[1],
        presenter=api_token_for(world.presenter, user=world.presenter_user)[1],
        attendee=api_token_for(world.attendee, user=world.attendee_user)[1],
        stranger=api_token_for(world.stranger, user=world.stranger_user)[1],
    )


def test_the_whole_roadshow_by_programs(client, world, keys):
    body = {
        "title": "智能制造成果路演",
        "theme": "工业机器人",
        "format": "online",
        "starts_at": at(10, 9).isoformat(),
        "ends_at": at(10, 17).isoformat(),
        "stream_url": "https://live.example.cn/im",
        "pitches_close_on": at(5).date().isoformat(),
    }
    response = call(client, "post", ROADSHOWS, keys.host, body)
    assert response.status_code == 201, response.json()
    roadshow = response.json()
    assert roadshow["status"] == "draft"
    assert call(client, "get", f"{ROADSHOWS}{roadshow['id']}/", keys.stranger).status_code == 404
    response = call(client, "post", f"{ROADSHOWS}{roadshow['id']}/publish/", keys.host)
    assert response.json()["status"] == "published"
    assert response.json()["stream_url"] == "https://live.example.cn/im"
    assert (
        call(client, "get", f"{ROADSHOWS}{roadshow['id']}/", keys.stranger).json()["stream_url"]
        == ""
    )

    response = call(
        client,
        "post",
        PITCHES,
        keys.presenter,
        {"roadshow": roadshow["id"], "listing": world.achievement.pk, "summary": "六轴协作机器人"},
    )
    assert response.status_code == 201, response.json()
    pitch = response.json()
    # Not selected yet: a stranger does not see it.
    assert call(client, "get", f"{PITCHES}{pitch['id']}/", keys.stranger).status_code == 404
    assert (
        call(client, "post", f"{PITCHES}{pitch['id']}/select/", keys.presenter).status_code == 403
    )
    assert (
        call(client, "post", f"{PITCHES}{pitch['id']}/select/", keys.host).json()["status"]
        == "selected"
    )

    response = call(client, "post", REGISTRATIONS, keys.attendee, {"roadshow": roadshow["id"]})
    assert response.status_code == 201, response.json()
    registration = response.json()
    assert call(client, "get", REGISTRATIONS, keys.stranger).json()["count"] == 0
    response = call(client, "post", f"{REGISTRATIONS}{registration['id']}/validate/", keys.host)
    assert response.json()["status"] == "validated"
    assert (
        call(client, "get", f"{ROADSHOWS}{roadshow['id']}/", keys.attendee).json()["stream_url"]
        == "https://live.example.cn/im"
    )

    response = call(
        client,
        "post",
        MEETINGS,
        keys.attendee,
        {
            "pitch": pitch["id"],
            "starts_at": at(10, 15).isoformat(),
            "ends_at": at(10, 15, 30).isoformat(),
        },
    )
    assert response.status_code == 201, response.json()
    meeting = response.json()
    assert call(client, "get", MEETINGS, keys.stranger).json()["count"] == 0
    assert call(client, "get", f"{MEETINGS}{meeting['id']}/", keys.stranger).status_code == 404
    response = call(client, "post", f"{MEETINGS}{meeting['id']}/accept/", keys.presenter)
    assert response.json()["status"] == "accepted"

    response = call(
        client,
        "post",
        INTENTS,
        keys.attendee,
        {"pitch": pitch["id"], "kind": "co_develop", "note": "联合开发焊接场景"},
    )
    assert response.status_code == 201, response.json()
    intent = response.json()
    assert call(client, "get", INTENTS, keys.stranger).json()["count"] == 0
    response = call(client, "post", f"{INTENTS}{intent['id']}/accept/", keys.presenter)
    assert response.status_code == 200, response.json()
    deal = Deal.objects.get(pk=response.json()["deal"])
    assert deal.origin == Deal.Origin.ROADSHOW and deal.demand_party == world.attendee


def test_bad_input_named_by_field_in_chinese(client, world, keys):
    response = call(
        client,
        "post",
        ROADSHOWS,
        keys.host,
        {
            "title": "x",
            "theme": "y",
            "format": "hybrid",
            "starts_at": at(-1, 9).isoformat(),
            "ends_at": at(-1, 10).isoformat(),
            "stream_url": "javascript:alert(1)",
            "pitches_close_on": at(-3).date().isoformat(),
        },
    )
    assert "线下或线上线下结合的路演需要填写地点" in refused(response, "venue")
    assert "http" in refused(response, "stream_url")
    assert "晚于现在" in refused(response, "starts_at")
    response = call(client, "post", ROADSHOWS, keys.host, {"format": "space"})
    assert {"title", "format", "starts_at"} <= set(response.json()["fields"])
    assert call(client, "get", f"{ROADSHOWS}{TOO_BIG}/", keys.host).status_code == 404


def test_pitch_of_someone_elses_listing_refused(client, world, keys):
    publish(world)
    someone_elses = AchievementFactory(organization=world.stranger)
    response = call(
        client,
        "post",
        PITCHES,
        keys.presenter,
        {"roadshow": world.roadshow.pk, "listing": someone_elses.pk, "summary": "摘要"},
    )
    assert "本机构自己已发布" in refused(response, "listing")
    assert not Pitch.objects.exists()


def test_double_booking_refused_by_the_api(client, world, keys):
    pitch = selected_pitch(world)
    validated(world)
    ids = []
    for start, end in ((at(10, 14), at(10, 14, 30)), (at(10, 14, 20), at(10, 14, 50))):
        response = call(
            client,
            "post",
            MEETINGS,
            keys.attendee,
            {"pitch": pitch.pk, "starts_at": start.isoformat(), "ends_at": end.isoformat()},
        )
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    assert call(client, "post", f"{MEETINGS}{ids[0]}/accept/", keys.presenter).status_code == 200
    response = call(client, "post", f"{MEETINGS}{ids[1]}/accept/", keys.presenter)
    assert "时间冲突" in refused(response, "starts_at")
    response = call(
        client,
        "post",
        MEETINGS,
        keys.attendee,
        {
            "pitch": pitch.pk,
            "starts_at": at(30, 9).isoformat(),
            "ends_at": at(30, 10).isoformat(),
        },
    )
    assert "路演期间" in refused(response, "starts_at")


def test_a_stranger_cannot_act_or_see_private_rows(client, world, keys):
    pitch = selected_pitch(world)
    registration = validated(world)
    assert call(client, "get", REGISTRATIONS, keys.attendee).json()["count"] == 1
    assert call(client, "get", REGISTRATIONS, keys.host).json()["count"] == 1
    response = call(client, "post", f"{REGISTRATIONS}{registration.pk}/refuse/", keys.stranger)
    assert response.status_code == 404
    response = call(
        client,
        "post",
        MEETINGS,
        keys.stranger,
        {
            "pitch": pitch.pk,
            "starts_at": at(10, 14).isoformat(),
            "ends_at": at(10, 14, 30).isoformat(),
        },
    )
    assert response.status_code == 403
    response = call(
        client,
        "post",
        INTENTS,
        keys.stranger,
        {"pitch": pitch.pk, "kind": "buy", "note": "x"},
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == Registration.Status.VALIDATED


def test_a_read_only_token_writes_nothing(client, world):
    publish(world)
    key = api_token_for(world.attendee, user=world.attendee_user, scopes=[])[1]
    response = call(client, "post", REGISTRATIONS, key, {"roadshow": world.roadshow.pk})
    assert response.status_code == 403
    assert not Registration.objects.exists()
    assert ApiToken.Scope.WRITE  # the scope that would allow it


def test_questions_scores_ranking_and_suggestions(client, world, keys):
    from matching.models import Match
    from roadshows import services
    from tests.factories import OrganizationFactory, member_of
    from tests.roadshows.conftest import act, end_roadshow

    pitch = selected_pitch(world)
    base = f"{PITCHES}{pitch.pk}/"
    # Not yet validated: asking is refused, and nothing is shown.
    response = call(client, "post", f"{base}questions/", keys.attendee, {"text": "成本多少？"})
    assert response.status_code == 403
    validated(world)
    response = call(client, "post", f"{base}questions/", keys.attendee, {"text": ""})
    refused(response, "text")
    response = call(client, "post", f"{base}questions/", keys.attendee, {"text": "成本多少？"})
    assert response.status_code == 201, response.json()
    question = response.json()
    assert question["asked_by_you"] is True
    assert call(client, "get", f"{base}questions/", keys.stranger).json()["count"] == 0
    answer = f"{base}questions/{question['id']}/answer/"
    assert call(client, "post", answer, keys.attendee, {"answer": "x"}).status_code == 403
    response = call(client, "post", answer, keys.presenter, {"answer": "每吨6000元"})
    assert response.json()["answer"] == "每吨6000元"
    assert call(client, "get", f"{base}questions/", keys.presenter).json()["count"] == 1

    Match.objects.create(
        need=world.need,
        supply_kind="achievement",
        supply_listing=world.achievement,
        supply_key=f"achievement:{world.achievement.pk}",
        region=world.need.region,
        score=0.7,
        model="test",
        status=Match.Status.APPROVED,
    )
    path = f"{ROADSHOWS}{world.roadshow.pk}/suggestions/"
    rows = call(client, "get", path, keys.attendee).json()
    assert [row["pitch"]["id"] for row in rows] == [pitch.pk]
    assert world.need.title in rows[0]["reason"]
    assert call(client, "get", path, keys.stranger).json() == []

    host = act(world.host_user)
    criterion = services.criterion_add(actor=host, roadshow=world.roadshow, name="技术", weight=1)
    judge = member_of(OrganizationFactory(), username="judge")
    services.panel_add(actor=host, roadshow=world.roadshow, username="judge")
    services.panel_add(actor=host, roadshow=world.roadshow, username="presenter")
    scores = {"scores": {str(criterion.pk): 88}}
    # A token is not a person of the panel; the presenter's own member is refused on `pitch`.
    assert call(client, "post", f"{base}score/", keys.presenter, scores).status_code == 403
    client.force_login(world.presenter_user)
    refused(call(client, "post", f"{base}score/", None, scores), "pitch")
    client.force_login(judge)
    refused(call(client, "post", f"{base}score/", None, {"scores": {"x": 101}}), "scores")
    assert call(client, "post", f"{base}score/", None, scores).status_code == 200
    client.logout()
    ranking = f"{ROADSHOWS}{world.roadshow.pk}/ranking/"
    assert call(client, "get", ranking, keys.stranger).json() == []
    assert call(client, "get", ranking, keys.host).json()[0]["score"] == 88.0
    end_roadshow(world)
    assert call(client, "get", ranking, keys.stranger).json()[0]["pitch"]["id"] == pitch.pk


def test_bad_input_on_every_decision_endpoint(client, world, keys):
    pitch = selected_pitch(world)
    validated(world)
    response = call(
        client,
        "post",
        MEETINGS,
        keys.attendee,
        {"pitch": pitch.pk, "starts_at": "昨天", "ends_at": at(10, 15).isoformat()},
    )
    refused(response, "starts_at")
    meeting = call(
        client,
        "post",
        MEETINGS,
        keys.attendee,
        {"pitch": pitch.pk, "starts_at": at(10, 14).isoformat(), "ends_at": at(10, 15).isoformat()},
    ).json()
    intent = call(
        client, "post", INTENTS, keys.attendee, {"pitch": pitch.pk, "kind": "x", "note": "y"}
    )
    refused(intent, "kind")
    intent = call(
        client, "post", INTENTS, keys.attendee, {"pitch": pitch.pk, "kind": "buy", "note": "采购"}
    ).json()
    for path, key in (
        (f"{MEETINGS}{meeting['id']}/decline/", keys.presenter),
        (f"{INTENTS}{intent['id']}/decline/", keys.presenter),
    ):
        assert "必填" in refused(call(client, "post", path, key, {}), "reason")
    response = call(
        client,
        "post",
        f"{PITCHES}{pitch.pk}/schedule/",
        keys.host,
        {
            "position": 1,
            "slot_starts_at": at(30, 9).isoformat(),
            "slot_ends_at": at(30, 10).isoformat(),
        },
    )
    assert "路演时间之内" in refused(response, "slot_starts_at")
    response = call(client, "post", f"{PITCHES}{pitch.pk}/replay/", keys.host, {"replay_url": "x"})
    refused(response, "replay_url")
    response = call(client, "post", f"{ROADSHOWS}{world.roadshow.pk}/cancel/", keys.host, {})
    assert "请填写此项。" in refused(response, "note")


def test_pitches_filtered_by_roadshow(client, world, keys):
    pitch = selected_pitch(world)
    assert [
        row["id"]
        for row in call(client, "get", f"{PITCHES}?roadshow={world.roadshow.pk}").json()["results"]
    ] == [pitch.pk]
    assert call(client, "get", f"{PITCHES}?roadshow={world.roadshow.pk + 1}").json()["count"] == 0
    refused(call(client, "get", f"{PITCHES}?roadshow={TOO_BIG}"), "roadshow")


def test_the_host_sets_the_panel_and_criteria(client, world, keys):
    selected_pitch(world)
    base = f"{ROADSHOWS}{world.roadshow.pk}/"
    response = call(client, "post", f"{base}criteria/", keys.host, {"name": "技术", "weight": 60})
    assert [(c["name"], c["weight"]) for c in response.json()["criteria"]] == [("技术", 60)]
    refused(call(client, "post", f"{base}criteria/", keys.host, {"name": "", "weight": 0}), "name")
    assert (
        call(client, "post", f"{base}criteria/", keys.stranger, {"name": "x", "weight": 1})
    ).status_code == 403
    assert (
        call(client, "post", f"{base}panel/", keys.host, {"username": "attendee"}).status_code
        == 200
    )
    assert "已在评审团中" in refused(
        call(client, "post", f"{base}panel/", keys.host, {"username": "attendee"}), "username"
    )
    assert (
        call(client, "post", f"{base}panel/", keys.attendee, {"username": "x"}).status_code == 403
    )


def test_roadshows_filtered_by_status_and_time(client, world, keys):
    from tests.roadshows.conftest import end_roadshow

    publish(world)
    assert call(client, "get", f"{ROADSHOWS}?upcoming=true").json()["count"] == 1
    assert call(client, "get", f"{ROADSHOWS}?upcoming=false").json()["count"] == 0
    end_roadshow(world)
    assert call(client, "get", f"{ROADSHOWS}?upcoming=false&status=held").json()["count"] == 1
    refused(call(client, "get", f"{ROADSHOWS}?status=flying"), "status")
