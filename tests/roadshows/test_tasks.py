"""The periodic task (CELERY_BEAT_SCHEDULE "keep-roadshows-on-time"): run twice at each moment,
it marks the ended roadshow held once and sends each follow-up prompt once, 7, 30 and 90 days
after a meeting was held."""

from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.utils import timezone

from notifications.models import Notification
from roadshows import tasks
from roadshows.models import Meeting, Roadshow, RoadshowStatus
from roadshows.services import meeting_accept, meeting_mark_held, meeting_request

from .conftest import act, at, selected_pitch, validated


def run_at(when):
    with mock.patch("django.utils.timezone.now", return_value=when):
        return tasks.keep_roadshows_on_time.apply().get()


def test_the_beat_runs_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["keep-roadshows-on-time"]
    assert entry["task"] == tasks.keep_roadshows_on_time.name


def test_task_twice_holds_once_and_prompts_once_at_7_30_90_days(world):
    pitch = selected_pitch(world)
    validated(world)
    meeting = meeting_request(
        actor=act(world.attendee_user),
        pitch=pitch,
        organization=world.attendee,
        starts_at=at(10, 14),
        ends_at=at(10, 14, 30),
    )
    meeting_accept(actor=act(world.presenter_user), meeting=meeting)
    with mock.patch("django.utils.timezone.now", return_value=meeting.ends_at):
        meeting = meeting_mark_held(actor=act(world.attendee_user), meeting=meeting)
    after_event = world.roadshow.ends_at + timedelta(minutes=5)
    assert run_at(after_event)["held"] == 1
    assert run_at(after_event)["held"] == 0
    assert Roadshow.objects.get(pk=world.roadshow.pk).status == RoadshowStatus.HELD

    def prompts():
        return Notification.objects.filter(
            user=world.attendee_user, topic=Notification.Topic.ROADSHOW, title__startswith="7 "
        ).count()

    sent = []
    for day in (7, 30, 90):
        moment = meeting.held_at + timedelta(days=day, minutes=1)
        sent.append(run_at(moment)["followed_up"])
        sent.append(run_at(moment)["followed_up"])
    assert sent == [1, 0, 1, 0, 1, 0]
    assert prompts() == 1
    titles = Notification.objects.filter(
        user=world.presenter_user, topic=Notification.Topic.ROADSHOW, title__contains="天前"
    ).values_list("title", flat=True)
    assert sorted(t.split(" ")[0] for t in titles) == ["30", "7", "90"]
    assert Meeting.objects.get(pk=meeting.pk).follow_ups_sent == 3
    assert timezone.now() < moment  # the clock was only mocked
