"""The roadshow pages: public lists, the stream link only for validated attendees, the host's
page closed to others, bad input named by field in Chinese, the replay on the listing's page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal
from notifications.models import Notification
from roadshows import services
from roadshows.models import Intent, Meeting, Pitch, Question, Registration, Roadshow
from tests.factories import AchievementFactory

from .conftest import act, at, end_roadshow, publish, selected_pitch, validated

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_lists_show_published_not_drafts(client, world):
    draft_title = world.roadshow.title
    assert draft_title not in client.get(reverse("roadshows:list")).content.decode()
    publish(world)
    page = client.get(reverse("roadshows:list")).content.decode()
    assert draft_title in page
    assert draft_title not in client.get(reverse("roadshows:list") + "?when=past").content.decode()
    end_roadshow(world)
    assert draft_title in client.get(reverse("roadshows:list") + "?when=past").content.decode()


def test_draft_is_the_hosts_only(client, world):
    url = world.roadshow.get_absolute_url()
    assert login(client, world.stranger_user).get(url).status_code == 404
    assert login(client, world.host_user).get(url).status_code == 200


def test_stream_link_only_for_validated_attendees(client, world):
    selected_pitch(world)
    url = world.roadshow.get_absolute_url()
    stream = world.roadshow.stream_url
    assert stream not in client.get(url).content.decode()
    assert stream not in login(client, world.stranger_user).get(url).content.decode()
    login(client, world.attendee_user)
    assert client.post(reverse("roadshows:register", args=[world.roadshow.pk])).status_code == 302
    assert stream not in client.get(url).content.decode()
    registration = Registration.objects.get(user=world.attendee_user)
    services.registration_decide(
        actor=act(world.host_user), registration=registration, validate=True
    )
    assert stream in client.get(url).content.decode()


def test_manage_page_is_the_hosts_and_strangers_cannot_decide(client, world):
    publish(world)
    registration = services.registration_create(
        actor=act(world.attendee_user), roadshow=world.roadshow, organization=world.attendee
    )
    manage = reverse("roadshows:manage", args=[world.roadshow.pk])
    assert login(client, world.stranger_user).get(manage).status_code == 404
    client.post(
        reverse("roadshows:registration_decide", args=[registration.pk]),
        {"decision": "validate"},
    )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING
    assert login(client, world.host_user).get(manage).status_code == 200
    client.post(
        reverse("roadshows:registration_decide", args=[registration.pk]),
        {"decision": "validate"},
    )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.VALIDATED


def test_create_form_bad_input_in_chinese(client, world):
    login(client, world.host_user)
    response = client.post(
        reverse("roadshows:create"),
        {
            "title": "",
            "theme": "x",
            "format": "hybrid",
            "venue": "",
            "starts_at": "2020-01-01T09:00",
            "ends_at": "2019-01-01T09:00",
            "stream_url": "not a link",
            "pitches_close_on": "",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"title", "venue", "starts_at", "stream_url", "pitches_close_on"}
    page = response.content.decode()
    assert "请填写此项。" in page
    assert "线下或线上线下结合的路演需要填写地点。" in page
    assert "路演开始时间必须晚于现在。" in page


def test_create_then_publish_by_the_web(client, world):
    login(client, world.host_user)
    response = client.post(
        reverse("roadshows:create"),
        {
            "title": "生物医药成果线上路演",
            "theme": "创新药与医疗器械",
            "format": "online",
            "starts_at": at(20, 9).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": at(20, 12).strftime("%Y-%m-%dT%H:%M"),
            "stream_url": "https://live.example.cn/bio",
            "pitches_close_on": (timezone.localdate() + timedelta(days=15)).isoformat(),
        },
    )
    assert response.status_code == 302
    roadshow = Roadshow.objects.get(title="生物医药成果线上路演")
    response = client.post(reverse("roadshows:act", args=[roadshow.pk]), {"action": "publish"})
    assert response.status_code == 302
    roadshow.refresh_from_db()
    assert roadshow.status == "published"
    response = client.post(reverse("roadshows:act", args=[roadshow.pk]), {"action": "hold"})
    assert response.status_code == 400
    assert "路演尚未结束" in response.content.decode()


def test_an_enterprise_cannot_host(client, world):
    response = login(client, world.attendee_user).get(reverse("roadshows:create"))
    assert response.status_code == 403


def test_pitching_someone_elses_listing_is_a_field_error(client, world):
    publish(world)
    someone_elses = AchievementFactory(organization=world.stranger)
    login(client, world.presenter_user)
    url = reverse("roadshows:pitch", args=[world.roadshow.pk])
    response = client.post(url, {"listing": someone_elses.pk, "summary": "摘要"})
    assert response.status_code == 400
    assert "请选择本机构自己已发布的项目或成果。" in response.content.decode()
    assert not Pitch.objects.exists()
    response = client.post(url, {"listing": world.achievement.pk, "summary": ""})
    assert response.status_code == 400
    assert "请填写此项。" in response.content.decode()
    response = client.post(url, {"listing": world.achievement.pk, "summary": "回收率98%"})
    assert response.status_code == 302
    assert Pitch.objects.filter(listing=world.achievement).exists()


def test_meeting_and_intent_through_the_pages(client, world):
    pitch = selected_pitch(world)
    validated(world)
    login(client, world.attendee_user)
    page = client.get(world.roadshow.get_absolute_url()).content.decode()
    assert "预约一对一洽谈" in page
    client.post(
        reverse("roadshows:meet", args=[pitch.pk]),
        {"starts_at": at(12, 10).strftime("%Y-%m-%dT%H:%M"), "ends_at": "", "note": ""},
    )
    assert not Meeting.objects.exists()
    response = client.post(
        reverse("roadshows:meet", args=[pitch.pk]),
        {
            "starts_at": at(10, 14).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": at(10, 14, 30).strftime("%Y-%m-%dT%H:%M"),
            "note": "想了解中试",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    client.post(reverse("roadshows:intent", args=[pitch.pk]), {"kind": "", "note": ""})
    assert not Intent.objects.exists()
    client.post(reverse("roadshows:intent", args=[pitch.pk]), {"kind": "license", "note": "许可"})
    intent = Intent.objects.get()
    # The attendee cannot accept its own request.
    client.post(reverse("roadshows:meeting_act", args=[meeting.pk]), {"decision": "accept"})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REQUESTED
    login(client, world.presenter_user)
    mine = client.get(reverse("roadshows:mine")).content.decode()
    assert "想了解中试" in mine and "接受并创建交易" in mine
    client.post(reverse("roadshows:meeting_act", args=[meeting.pk]), {"decision": "accept"})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACCEPTED
    client.post(reverse("roadshows:intent_act", args=[intent.pk]), {"decision": "accept"})
    intent.refresh_from_db()
    assert Deal.objects.get(pk=intent.deal_id).origin == Deal.Origin.ROADSHOW
    # A stranger does not reach either.
    login(client, world.stranger_user)
    response = client.post(reverse("roadshows:intent_act", args=[intent.pk]), {"decision": "x"})
    assert response.status_code == 404


def test_replay_shown_on_the_listings_page(client, world):
    pitch = selected_pitch(world)
    end_roadshow(world)
    login(client, world.host_user)
    client.post(reverse("roadshows:pitch_replay", args=[pitch.pk]), {"replay_url": "ftp://x"})
    pitch.refresh_from_db()
    assert pitch.replay_url == ""
    client.post(
        reverse("roadshows:pitch_replay", args=[pitch.pk]),
        {"replay_url": "https://v.example.cn/replay/1"},
    )
    client.logout()
    page = client.get(world.achievement.get_absolute_url()).content.decode()
    assert "https://v.example.cn/replay/1" in page and world.roadshow.title in page


def test_ranking_after_the_event(client, world):
    pitch = selected_pitch(world)
    host = act(world.host_user)
    criterion = services.criterion_add(actor=host, roadshow=world.roadshow, name="技术", weight=1)
    from tests.factories import OrganizationFactory, member_of

    judge = member_of(OrganizationFactory(), username="judge")
    services.panel_add(actor=host, roadshow=world.roadshow, username="judge")
    login(client, judge)
    client.post(reverse("roadshows:pitch_score", args=[pitch.pk]), {f"score-{criterion.pk}": "77"})
    client.logout()
    url = world.roadshow.get_absolute_url()
    assert 'id="ranking"' not in client.get(url).content.decode()
    end_roadshow(world)
    page = client.get(url).content.decode()
    assert 'id="ranking"' in page and "77.0" in page


def test_bad_input_on_every_action_form_is_told_in_chinese(client, world):
    pitch = selected_pitch(world)
    registration = validated(world)
    meeting = services.meeting_request(
        actor=act(world.attendee_user),
        pitch=pitch,
        organization=world.attendee,
        starts_at=at(10, 14),
        ends_at=at(10, 14, 30),
    )
    intent = services.intent_express(
        actor=act(world.attendee_user),
        pitch=pitch,
        organization=world.attendee,
        kind="buy",
        note="采购",
    )
    host_posts = [
        (reverse("roadshows:pitch_slot", args=[pitch.pk]), {"position": "0"}, "1到500"),
        (reverse("roadshows:panel", args=[world.roadshow.pk]), {"username": "无此人"}, "没有使用"),
        (reverse("roadshows:criterion", args=[world.roadshow.pk]), {"weight": "x"}, "1到100"),
        (
            reverse("roadshows:act", args=[world.roadshow.pk]),
            {"action": "cancel", "note": ""},
            "请填写此项。",
        ),
    ]
    login(client, world.host_user)
    for url, data, expected in host_posts:
        page = client.post(url, data, follow=True).content.decode()
        assert expected in page, url
    assert registration.roadshow.status == "published"
    presenter_posts = [
        (reverse("roadshows:meeting_act", args=[meeting.pk]), {"decision": "decline"}),
        (reverse("roadshows:intent_act", args=[intent.pk]), {"decision": "decline"}),
    ]
    login(client, world.presenter_user)
    for url, data in presenter_posts:
        assert "请填写此项。" in client.post(url, data, follow=True).content.decode(), url
    meeting.refresh_from_db()
    intent.refresh_from_db()
    assert meeting.status == Meeting.Status.REQUESTED and intent.status == Intent.Status.EXPRESSED
    login(client, world.attendee_user)
    # Each comes back on the roadshow's page (400), as typed, the error by its field.
    starts = at(30, 10).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("roadshows:meet", args=[pitch.pk]),
        {"starts_at": starts, "ends_at": at(30, 11).strftime("%Y-%m-%dT%H:%M"), "note": "谈谈"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "请在路演期间" in page and f'value="{starts}"' in page and 'value="谈谈"' in page
    response = client.post(
        reverse("roadshows:intent", args=[pitch.pk]), {"kind": "steal", "note": "想引进"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "合作意向：选择一个有效的选项" in page and 'data-field="kind"' in page
    assert 'value="想引进"' in page
    response = client.post(reverse("roadshows:ask", args=[pitch.pk]), {"text": "  "})
    assert response.status_code == 400
    assert "请填写此项。" in response.content.decode()
    assert not Meeting.objects.filter(starts_at__gte=at(30, 0)).exists()
    # Someone who is no validated attendee never had the form: told so, nothing saved.
    login(client, world.stranger_user)
    page = client.post(
        reverse("roadshows:ask", args=[pitch.pk]), {"text": "能否合作？"}, follow=True
    ).content.decode()
    assert "只有已认证机构、且报名已审核通过的参会者才能参与。" in page
    assert not Question.objects.filter(text="能否合作？").exists()


def test_the_host_edits_until_held(client, world):
    url = reverse("roadshows:edit", args=[world.roadshow.pk])
    assert login(client, world.stranger_user).get(url).status_code == 404
    login(client, world.host_user)
    assert client.get(url).status_code == 200
    data = {
        "title": "新能源材料成果路演（更名）",
        "theme": world.roadshow.theme,
        "format": "online",
        "venue": "",
        "starts_at": timezone.localtime(world.roadshow.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(world.roadshow.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "stream_url": "https://live.example.cn/roadshow/2",
        "pitches_close_on": world.roadshow.pitches_close_on.isoformat(),
    }
    assert client.post(url, data).status_code == 302
    world.roadshow.refresh_from_db()
    assert world.roadshow.title.endswith("（更名）") and world.roadshow.format == "online"
    response = client.post(url, {**data, "format": "offline"})
    assert response.status_code == 400
    assert "线下路演没有直播链接" in response.content.decode()
    Roadshow.objects.filter(pk=world.roadshow.pk).update(status="held")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "路演举办前才可编辑" in response.content.decode()


def test_my_roadshows_suggests_pitches_to_a_validated_attendee(client, world):
    from matching.models import Match

    pitch = selected_pitch(world)
    Match.objects.create(
        need=world.need,
        supply_kind="achievement",
        supply_listing=world.achievement,
        supply_key=f"achievement:{world.achievement.pk}",
        region=world.need.region,
        score=0.6,
        model="test",
        status=Match.Status.APPROVED,
    )
    login(client, world.attendee_user)
    services.registration_create(
        actor=act(world.attendee_user), roadshow=world.roadshow, organization=world.attendee
    )
    assert 'id="my-suggestions"' not in client.get(reverse("roadshows:mine")).content.decode()
    registration = Registration.objects.get(user=world.attendee_user)
    services.registration_decide(
        actor=act(world.host_user), registration=registration, validate=True
    )
    told = Notification.objects.get(user=world.attendee_user, title__contains="洽谈的路演项目")
    assert world.achievement.title in told.body
    page = client.get(reverse("roadshows:mine")).content.decode()
    assert 'id="my-suggestions"' in page and f"#pitch-{pitch.pk}" in page
    assert world.need.title in page
    detail = client.get(world.roadshow.get_absolute_url()).content.decode()
    assert 'id="suggestions"' in detail
