from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deals.models import Deal
from matching.models import Match
from notifications.models import Notification
from outcomes.models import OutcomeEvent
from roadshows import services
from roadshows.models import Intent, Meeting, Pitch, Roadshow, RoadshowStatus
from roadshows.permissions import roadshow_sees_stream
from roadshows.selectors import ranking, suggestions_for
from roadshows.transitions import TRANSITIONS, Action, Who
from tests.factories import AchievementFactory, OrganizationFactory, member_of

from .conftest import act, at, end_roadshow, publish, roadshow_data, selected_pitch, validated

ALL_ACTIONS = list(Action)
ALL_STATUSES = list(RoadshowStatus)


def _prepare(world, status, action):
    """The roadshow in `status`, its times set so the step's checks pass."""
    now = timezone.now()
    if action in (Action.HOLD, Action.CLOSE):
        times = {"starts_at": now - timedelta(days=2), "ends_at": now - timedelta(days=1)}
    else:
        times = {"starts_at": now + timedelta(days=10), "ends_at": now + timedelta(days=11)}
    Roadshow.objects.filter(pk=world.roadshow.pk).update(status=status, **times)
    world.roadshow.refresh_from_db()


@pytest.mark.parametrize("role", ["host", "stranger", "presenter", "timer"])
@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_transition_table_by_role(world, role, status, action):
    _prepare(world, status, action)
    actor = None if role == "timer" else act(getattr(world, f"{role}_user"))
    step = TRANSITIONS.get((status, action))
    call = lambda: services.roadshow_transition(  # noqa: E731
        actor=actor, roadshow=world.roadshow, action=action, note="场地原因取消"
    )
    if step is None:
        with pytest.raises(ValidationError) as error:
            call()
        assert "status" in error.value.message_dict
        return
    allowed = (step.who == Who.SYSTEM and role == "timer") or (
        step.who == Who.HOST and role == "host"
    )
    if not allowed:
        with pytest.raises(PermissionDenied):
            call()
        world.roadshow.refresh_from_db()
        assert world.roadshow.status == status
        return
    call()
    world.roadshow.refresh_from_db()
    assert world.roadshow.status == step.to
    assert OutcomeEvent.objects.filter(name=step.event, subject_id=world.roadshow.pk).exists()


def test_publish_checks_link_and_venue(world):
    Roadshow.objects.filter(pk=world.roadshow.pk).update(stream_url="", venue="")
    with pytest.raises(ValidationError) as error:
        services.roadshow_transition(
            actor=act(world.host_user), roadshow=world.roadshow, action="publish"
        )
    assert {"stream_url", "venue"} <= set(error.value.message_dict)


def test_hold_refused_before_the_end_and_cancel_published_needs_a_reason(world):
    publish(world)
    with pytest.raises(ValidationError) as error:
        services.roadshow_transition(
            actor=act(world.host_user), roadshow=world.roadshow, action="hold"
        )
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.roadshow_transition(
            actor=act(world.host_user), roadshow=world.roadshow, action="cancel"
        )
    assert "note" in error.value.message_dict


def test_timer_holds_ended_roadshows_once(world):
    publish(world)
    Roadshow.objects.filter(pk=world.roadshow.pk).update(
        starts_at=timezone.now() - timedelta(hours=5), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert services.roadshows_close_due() == 1
    assert services.roadshows_close_due() == 0
    world.roadshow.refresh_from_db()
    assert world.roadshow.status == RoadshowStatus.HELD


def test_only_some_kinds_host(world):
    enterprise = world.attendee
    with pytest.raises(ValidationError) as error:
        services.roadshow_save(
            actor=act(world.attendee_user), host=enterprise, data=roadshow_data()
        )
    assert "host" in error.value.message_dict


def test_bad_roadshow_input_names_each_field(world):
    data = roadshow_data(
        title="",
        format="space",
        starts_at=at(-1),
        ends_at=at(-2),
        stream_url="ftp://x",
        pitches_close_on=None,
    )
    with pytest.raises(ValidationError) as error:
        services.roadshow_save(actor=act(world.host_user), host=world.host, data=data)
    assert {"title", "format", "starts_at", "ends_at", "stream_url", "pitches_close_on"} <= set(
        error.value.message_dict
    )


def test_pitch_must_be_the_organizations_own_published_supply(world):
    publish(world)
    someone_elses = AchievementFactory(organization=world.stranger)
    for listing in (someone_elses, world.need, None):
        with pytest.raises(ValidationError) as error:
            services.pitch_submit(
                actor=act(world.presenter_user),
                roadshow=world.roadshow,
                organization=world.presenter,
                listing=listing,
                summary="摘要",
            )
        assert "listing" in error.value.message_dict
    assert not Pitch.objects.exists()


def test_pitch_twice_and_host_pitching_refused(world):
    pitch = selected_pitch(world)
    assert pitch.status == Pitch.Status.SELECTED and pitch.position == 1
    with pytest.raises(ValidationError) as error:
        services.pitch_submit(
            actor=act(world.presenter_user),
            roadshow=world.roadshow,
            organization=world.presenter,
            listing=world.achievement,
            summary="再来一次",
        )
    assert "listing" in error.value.message_dict


def test_decline_needs_a_reason_and_is_told(world):
    publish(world)
    pitch = services.pitch_submit(
        actor=act(world.presenter_user),
        roadshow=world.roadshow,
        organization=world.presenter,
        listing=world.achievement,
        summary="摘要",
    )
    with pytest.raises(ValidationError) as error:
        services.pitch_decide(actor=act(world.host_user), pitch=pitch, select=False)
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.pitch_decide(actor=act(world.presenter_user), pitch=pitch, select=True)
    pitch = services.pitch_decide(
        actor=act(world.host_user), pitch=pitch, select=False, reason="与主题不符"
    )
    assert pitch.status == Pitch.Status.DECLINED
    assert OutcomeEvent.objects.filter(name="roadshow.pitch_declined").exists()
    assert Notification.objects.filter(
        user=world.presenter_user, topic=Notification.Topic.ROADSHOW, body="与主题不符"
    ).exists()


def test_programme_slot_within_the_event(world):
    pitch = selected_pitch(world)
    with pytest.raises(ValidationError) as error:
        services.pitch_schedule(
            actor=act(world.host_user),
            pitch=pitch,
            position=0,
            slot_starts_at=at(9, 9),
            slot_ends_at=at(9, 8),
        )
    assert {"position", "slot_starts_at", "slot_ends_at"} <= set(error.value.message_dict)
    pitch = services.pitch_schedule(
        actor=act(world.host_user),
        pitch=pitch,
        position=2,
        slot_starts_at=at(10, 9),
        slot_ends_at=at(10, 9, 20),
    )
    assert pitch.position == 2


def test_programme_slots_do_not_overlap(world):
    pitch = selected_pitch(world)
    other = Pitch.objects.create(
        roadshow=world.roadshow,
        organization=world.presenter,
        listing=AchievementFactory(organization=world.presenter, title="废旧电池自动拆解装备"),
        summary="自动拆解。",
        status=Pitch.Status.SELECTED,
        position=1,
        slot_starts_at=at(10, 9),
        slot_ends_at=at(10, 9, 30),
    )
    with pytest.raises(ValidationError) as error:
        services.pitch_schedule(
            actor=act(world.host_user),
            pitch=pitch,
            position=2,
            slot_starts_at=at(10, 9, 20),
            slot_ends_at=at(10, 9, 45),
        )
    (message,) = error.value.message_dict["slot_starts_at"]
    assert "废旧电池自动拆解装备" in message and "09:00–09:30" in message
    # Back to back is fine; a declined pitch's old slot does not count.
    services.pitch_schedule(
        actor=act(world.host_user),
        pitch=pitch,
        position=2,
        slot_starts_at=at(10, 9, 30),
        slot_ends_at=at(10, 9, 50),
    )
    Pitch.objects.filter(pk=other.pk).update(status=Pitch.Status.DECLINED)
    pitch = services.pitch_schedule(
        actor=act(world.host_user),
        pitch=pitch,
        position=1,
        slot_starts_at=at(10, 9),
        slot_ends_at=at(10, 9, 20),
    )
    assert pitch.slot_starts_at == at(10, 9)


def test_registration_validation_gates_the_stream_link(world):
    publish(world)
    attendee = act(world.attendee_user)
    assert not roadshow_sees_stream(actor=attendee, roadshow=world.roadshow)
    registration = services.registration_create(
        actor=attendee, roadshow=world.roadshow, organization=world.attendee
    )
    assert OutcomeEvent.objects.filter(name="roadshow.registered").exists()
    assert not roadshow_sees_stream(actor=attendee, roadshow=world.roadshow)
    services.registration_decide(
        actor=act(world.host_user), registration=registration, validate=False
    )
    assert not roadshow_sees_stream(actor=attendee, roadshow=world.roadshow)
    services.registration_decide(
        actor=act(world.host_user), registration=registration, validate=True
    )
    assert roadshow_sees_stream(actor=attendee, roadshow=world.roadshow)
    assert not roadshow_sees_stream(actor=act(world.stranger_user), roadshow=world.roadshow)
    with pytest.raises(PermissionDenied):
        services.registration_decide(
            actor=act(world.attendee_user), registration=registration, validate=True
        )


def test_unvalidated_attendee_cannot_request_a_meeting(world):
    pitch = selected_pitch(world)
    services.registration_create(
        actor=act(world.attendee_user), roadshow=world.roadshow, organization=world.attendee
    )
    with pytest.raises(PermissionDenied):
        services.meeting_request(
            actor=act(world.attendee_user),
            pitch=pitch,
            organization=world.attendee,
            starts_at=at(10, 14),
            ends_at=at(10, 14, 30),
        )


def _meeting(world, pitch, start, end, user=None, organization=None):
    return services.meeting_request(
        actor=act(user or world.attendee_user),
        pitch=pitch,
        organization=organization or world.attendee,
        starts_at=start,
        ends_at=end,
        note="想了解中试数据",
    )


def test_meeting_outside_the_event_is_refused(world):
    pitch = selected_pitch(world)
    validated(world)
    for start, end in ((at(12, 10), at(12, 10, 30)), (at(9, 10), at(9, 10, 30))):
        with pytest.raises(ValidationError) as error:
            _meeting(world, pitch, start, end)
        assert "starts_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _meeting(world, pitch, at(10, 10), at(10, 9))
    assert "ends_at" in error.value.message_dict
    assert not Meeting.objects.exists()


def test_no_double_booking_for_the_presenter_or_the_attendee(world):
    pitch = selected_pitch(world)
    validated(world)
    other = OrganizationFactory(name="另一家企业")
    other_user = member_of(other, username="other")
    validated(world, user=other_user, organization=other)
    first = _meeting(world, pitch, at(10, 14), at(10, 14, 30))
    overlapping = _meeting(world, pitch, at(10, 14, 15), at(10, 14, 45), other_user, other)
    later = _meeting(world, pitch, at(10, 14, 30), at(10, 15), other_user, other)
    presenter = act(world.presenter_user)
    services.meeting_accept(actor=presenter, meeting=first)
    assert OutcomeEvent.objects.filter(name="roadshow.meeting_accepted").count() == 1
    with pytest.raises(ValidationError) as error:
        services.meeting_accept(actor=presenter, meeting=overlapping)
    assert "starts_at" in error.value.message_dict
    overlapping.refresh_from_db()
    assert overlapping.status == Meeting.Status.REQUESTED
    # Touching ends do not overlap.
    services.meeting_accept(actor=presenter, meeting=later)

    # The attendee side: the same person with a second presenter at the same time.
    second = OrganizationFactory(name="第二家院所")
    second_user = member_of(second, username="second")
    listing = AchievementFactory(organization=second)
    pitch2 = services.pitch_submit(
        actor=act(second_user),
        roadshow=world.roadshow,
        organization=second,
        listing=listing,
        summary="摘要",
    )
    services.pitch_decide(actor=act(world.host_user), pitch=pitch2, select=True)
    clash = _meeting(world, pitch2, at(10, 14, 10), at(10, 14, 20))
    with pytest.raises(ValidationError) as error:
        services.meeting_accept(actor=act(second_user), meeting=clash)
    assert "starts_at" in error.value.message_dict


def test_meeting_decline_needs_reason_and_stranger_cannot_decide(world):
    pitch = selected_pitch(world)
    validated(world)
    meeting = _meeting(world, pitch, at(10, 14), at(10, 14, 30))
    with pytest.raises(PermissionDenied):
        services.meeting_accept(actor=act(world.attendee_user), meeting=meeting)
    with pytest.raises(ValidationError) as error:
        services.meeting_decline(actor=act(world.presenter_user), meeting=meeting, reason=" ")
    assert "reason" in error.value.message_dict
    services.meeting_decline(actor=act(world.presenter_user), meeting=meeting, reason="时间冲突")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DECLINED


def _held_meeting(world, pitch):
    validated(world)
    meeting = _meeting(world, pitch, at(10, 14), at(10, 14, 30))
    services.meeting_accept(actor=act(world.presenter_user), meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now()
    )
    return services.meeting_mark_held(actor=act(world.attendee_user), meeting=meeting)


def test_reminders_sent_once_each(world):
    pitch = selected_pitch(world)
    validated(world)
    meeting = _meeting(world, pitch, at(10, 14), at(10, 14, 30))
    services.meeting_accept(actor=act(world.presenter_user), meeting=meeting)

    def reminders():
        return (
            Notification.objects.filter(
                user=world.attendee_user, title__contains="Reminder"
            ).count()
            + Notification.objects.filter(user=world.attendee_user, title__contains="提醒").count()
        )

    assert services.meetings_remind_due(now=meeting.starts_at - timedelta(days=2)) == 0
    day_before = meeting.starts_at - timedelta(hours=20)
    assert services.meetings_remind_due(now=day_before) == 1
    assert services.meetings_remind_due(now=day_before) == 0
    hour_before = meeting.starts_at - timedelta(minutes=40)
    assert services.meetings_remind_due(now=hour_before) == 1
    assert services.meetings_remind_due(now=hour_before) == 0
    assert reminders() == 2


def test_follow_ups_at_7_30_90_days_each_sent_once(world):
    pitch = selected_pitch(world)
    meeting = _held_meeting(world, pitch)
    assert meeting.status == Meeting.Status.HELD
    assert OutcomeEvent.objects.filter(name="roadshow.meeting_held").exists()
    held = meeting.held_at

    def prompts():
        return Notification.objects.filter(
            user=world.presenter_user, url=world.roadshow.get_absolute_url(), body__gt=""
        ).filter(title__regex=r"^(7|30|90) ")

    assert services.meetings_follow_up_due(now=held + timedelta(days=6)) == 0
    for day in (7, 30, 90):
        now = held + timedelta(days=day, hours=1)
        assert services.meetings_follow_up_due(now=now) == 1
        assert services.meetings_follow_up_due(now=now) == 0  # the task ran twice
    assert services.meetings_follow_up_due(now=held + timedelta(days=400)) == 0
    assert [n.title.split(" ")[0] for n in prompts().order_by("id")] == ["7", "30", "90"]
    meeting.refresh_from_db()
    assert meeting.follow_ups_sent == 3


def test_intent_accepted_opens_a_roadshow_deal(world):
    pitch = selected_pitch(world)
    validated(world)
    intent = services.intent_express(
        actor=act(world.attendee_user),
        pitch=pitch,
        organization=world.attendee,
        kind=Intent.Kind.LICENSE,
        note="希望获得独占许可",
    )
    with pytest.raises(ValidationError) as error:
        services.intent_express(
            actor=act(world.attendee_user),
            pitch=pitch,
            organization=world.attendee,
            kind=Intent.Kind.BUY,
            note="再来",
        )
    assert "kind" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.intent_decide(actor=act(world.attendee_user), intent=intent, accept=True)
    intent = services.intent_decide(actor=act(world.presenter_user), intent=intent, accept=True)
    deal = Deal.objects.get(pk=intent.deal_id)
    assert deal.origin == Deal.Origin.ROADSHOW
    assert deal.demand_party == world.attendee and deal.supply_party == world.presenter
    assert deal.listing_id == world.achievement.pk
    assert OutcomeEvent.objects.filter(name="roadshow.intent_accepted").exists()


def test_intent_bad_input_and_decline(world):
    pitch = selected_pitch(world)
    with pytest.raises(PermissionDenied):
        services.intent_express(
            actor=act(world.stranger_user),
            pitch=pitch,
            organization=world.stranger,
            kind="buy",
            note="x",
        )
    validated(world)
    with pytest.raises(ValidationError) as error:
        services.intent_express(
            actor=act(world.attendee_user),
            pitch=pitch,
            organization=world.attendee,
            kind="steal",
            note="",
        )
    assert {"kind", "note"} <= set(error.value.message_dict)
    intent = services.intent_express(
        actor=act(world.attendee_user),
        pitch=pitch,
        organization=world.attendee,
        kind="pilot",
        note="愿提供中试场地",
    )
    with pytest.raises(ValidationError):
        services.intent_decide(actor=act(world.presenter_user), intent=intent, accept=False)
    intent = services.intent_decide(
        actor=act(world.presenter_user), intent=intent, accept=False, reason="已有合作方"
    )
    assert intent.status == Intent.Status.DECLINED and intent.deal_id is None
    assert not Deal.objects.exists()


def test_panel_member_from_the_presenter_cannot_score_and_ranking(world):
    pitch = selected_pitch(world)
    host = act(world.host_user)
    services.criterion_add(actor=host, roadshow=world.roadshow, name="技术先进性", weight=60)
    services.criterion_add(actor=host, roadshow=world.roadshow, name="市场前景", weight=40)
    with pytest.raises(ValidationError) as error:
        services.criterion_add(actor=host, roadshow=world.roadshow, name="", weight=0)
    assert {"name", "weight"} <= set(error.value.message_dict)
    services.panel_add(actor=host, roadshow=world.roadshow, username="presenter")
    judge = member_of(OrganizationFactory(name="评审专家单位"), username="judge")
    services.panel_add(actor=host, roadshow=world.roadshow, username="judge")
    with pytest.raises(ValidationError) as error:
        services.panel_add(actor=host, roadshow=world.roadshow, username="nobody")
    assert "username" in error.value.message_dict
    criteria = list(world.roadshow.criteria.all())
    scores = {criteria[0].pk: 90, criteria[1].pk: 80}
    with pytest.raises(ValidationError) as error:
        services.pitch_score(actor=act(world.presenter_user), pitch=pitch, scores=scores)
    assert "pitch" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.pitch_score(actor=act(world.stranger_user), pitch=pitch, scores=scores)
    with pytest.raises(ValidationError) as error:
        services.pitch_score(actor=act(judge), pitch=pitch, scores={criteria[0].pk: 101})
    assert "scores" in error.value.message_dict
    services.pitch_score(actor=act(judge), pitch=pitch, scores=scores)
    rows = ranking(roadshow=world.roadshow)
    assert [(row.pitch.pk, row.score) for row in rows] == [(pitch.pk, 86.0)]


def test_questions_by_validated_attendees_answered_by_the_presenter(world):
    pitch = selected_pitch(world)
    with pytest.raises(PermissionDenied):
        services.question_ask(
            actor=act(world.attendee_user), pitch=pitch, organization=world.attendee, text="?"
        )
    validated(world)
    question = services.question_ask(
        actor=act(world.attendee_user), pitch=pitch, organization=world.attendee, text="成本多少？"
    )
    with pytest.raises(PermissionDenied):
        services.question_answer(actor=act(world.attendee_user), question=question, answer="x")
    question = services.question_answer(
        actor=act(world.presenter_user), question=question, answer="每吨6000元"
    )
    assert question.answer == "每吨6000元"


def test_replay_after_the_event_only(world):
    pitch = selected_pitch(world)
    with pytest.raises(ValidationError):
        services.pitch_set_replay(
            actor=act(world.host_user), pitch=pitch, replay_url="https://v.example.cn/1"
        )
    end_roadshow(world)
    with pytest.raises(ValidationError) as error:
        services.pitch_set_replay(
            actor=act(world.host_user), pitch=pitch, replay_url="javascript:x"
        )
    assert "replay_url" in error.value.message_dict
    pitch = services.pitch_set_replay(
        actor=act(world.presenter_user), pitch=pitch, replay_url="https://v.example.cn/1"
    )
    assert pitch.replay_url == "https://v.example.cn/1"


def test_suggestions_from_stored_matches_then_fields(world):
    pitch = selected_pitch(world)
    validated(world)
    Match.objects.create(
        need=world.need,
        supply_kind="achievement",
        supply_listing=world.achievement,
        supply_key=f"achievement:{world.achievement.pk}",
        region=world.need.region,
        score=0.8,
        explanation={"terms": ["锂回收"]},
        model="test",
        status=Match.Status.APPROVED,
    )
    rows = suggestions_for(
        actor=act(world.attendee_user), roadshow=world.roadshow, organization_id=world.attendee.pk
    )
    assert [row.pitch.pk for row in rows] == [pitch.pk]
    assert world.need.title in rows[0].reason
    # Not validated: nothing is suggested.
    assert (
        suggestions_for(
            actor=act(world.stranger_user),
            roadshow=world.roadshow,
            organization_id=world.stranger.pk,
        )
        == []
    )


def test_a_match_the_staff_have_not_approved_suggests_nothing(world):
    selected_pitch(world)
    validated(world)
    Match.objects.create(
        need=world.need,
        supply_kind="achievement",
        supply_listing=world.achievement,
        supply_key=f"achievement:{world.achievement.pk}",
        region=world.need.region,
        score=0.8,
        explanation={"terms": ["锂回收"]},
        model="test",
        status=Match.Status.PROPOSED,
    )
    rows = suggestions_for(
        actor=act(world.attendee_user), roadshow=world.roadshow, organization_id=world.attendee.pk
    )
    # At most the fallback by field (scored under 1), never the proposal's reason.
    assert all(row.score < 1 for row in rows)


def test_webhooks_for_meetings_and_intents(world):
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    presenter_hook = WebhookEndpoint.objects.create(
        organization=world.presenter,
        url="https://hooks.example.cn/presenter",
        secret="s",
        events=["roadshow.meeting_updated", "roadshow.intent_updated", "roadshow.updated"],
    )
    attendee_hook = WebhookEndpoint.objects.create(
        organization=world.attendee,
        url="https://hooks.example.cn/attendee",
        secret="s",
        events=["roadshow.meeting_updated", "roadshow.intent_updated"],
    )
    pitch = selected_pitch(world)
    validated(world)
    meeting = _meeting(world, pitch, at(10, 14), at(10, 14, 30))
    services.meeting_accept(actor=act(world.presenter_user), meeting=meeting)
    intent = services.intent_express(
        actor=act(world.attendee_user),
        pitch=pitch,
        organization=world.attendee,
        kind="invest",
        note="拟投资",
    )
    services.intent_decide(actor=act(world.presenter_user), intent=intent, accept=True)

    def events(endpoint):
        return sorted(
            (d.event, (d.payload.get("meeting") or d.payload.get("intent") or {}).get("status"))
            for d in WebhookDelivery.objects.filter(endpoint=endpoint)
        )

    assert ("roadshow.updated", None) in events(presenter_hook)  # selected
    assert ("roadshow.meeting_updated", "requested") in events(presenter_hook)
    assert ("roadshow.intent_updated", "expressed") in events(presenter_hook)
    assert events(attendee_hook) == [
        ("roadshow.intent_updated", "accepted"),
        ("roadshow.meeting_updated", "accepted"),
    ]
