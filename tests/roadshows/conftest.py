"""A society in Hangzhou hosting a hybrid roadshow; a presenter enterprise with a published
achievement; an attendee enterprise with a need; a stranger."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from organizations.models import Organization
from organizations.selectors import actor_for
from roadshows import services
from roadshows.models import Pitch, Registration, Roadshow
from tests.factories import (
    HANGZHOU,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    member_of,
    region,
)


def act(user):
    return actor_for(user=user)


def at(days=0, hour=10, minute=0):
    """A local time `days` from today at hour:minute."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(
        timezone.datetime(day.year, day.month, day.day, hour, minute),
        timezone.get_current_timezone(),
    )


def roadshow_data(**overrides):
    return {
        "title": "新能源材料成果路演",
        "theme": "动力电池回收与新材料",
        "field": None,
        "format": "hybrid",
        "venue": "杭州国际博览中心A馆",
        "starts_at": at(10, 9),
        "ends_at": at(11, 17),
        "stream_url": "https://live.example.cn/roadshow/1",
        "is_competition": True,
        "pitches_close_on": timezone.localdate() + timedelta(days=5),
        **overrides,
    }


@dataclass
class World:
    host: Organization
    host_user: object
    presenter: Organization
    presenter_user: object
    attendee: Organization
    attendee_user: object
    stranger: Organization
    stranger_user: object
    achievement: object
    need: object
    roadshow: Roadshow


@pytest.fixture
def world(db):
    host = OrganizationFactory(
        name="杭州市新能源学会", kind=Organization.Kind.SOCIETY, region=region(HANGZHOU)
    )
    presenter = OrganizationFactory(name="浙江锂电材料研究院", kind=Organization.Kind.INSTITUTION)
    attendee = OrganizationFactory(name="杭州绿能制造有限公司")
    stranger = OrganizationFactory(name="宁波无关科技有限公司")
    host_user = member_of(host, username="host")
    presenter_user = member_of(presenter, username="presenter")
    attendee_user = member_of(attendee, username="attendee")
    stranger_user = member_of(stranger, username="stranger")
    achievement = AchievementFactory(organization=presenter, title="低温选择性浸出回收锂技术")
    need = NeedFactory(organization=attendee, title="退役电池锂回收工艺需求")
    roadshow = services.roadshow_save(actor=act(host_user), host=host, data=roadshow_data())
    return World(
        host=host,
        host_user=host_user,
        presenter=presenter,
        presenter_user=presenter_user,
        attendee=attendee,
        attendee_user=attendee_user,
        stranger=stranger,
        stranger_user=stranger_user,
        achievement=achievement,
        need=need,
        roadshow=roadshow,
    )


def publish(world):
    services.roadshow_transition(
        actor=act(world.host_user), roadshow=world.roadshow, action="publish"
    )
    world.roadshow.refresh_from_db()
    return world.roadshow


def selected_pitch(world) -> Pitch:
    publish(world)
    pitch = services.pitch_submit(
        actor=act(world.presenter_user),
        roadshow=world.roadshow,
        organization=world.presenter,
        listing=world.achievement,
        summary="回收率98%，成本降低30%。",
    )
    return services.pitch_decide(actor=act(world.host_user), pitch=pitch, select=True)


def validated(world, user=None, organization=None) -> Registration:
    registration = services.registration_create(
        actor=act(user or world.attendee_user),
        roadshow=world.roadshow,
        organization=organization or world.attendee,
    )
    return services.registration_decide(
        actor=act(world.host_user), registration=registration, validate=True
    )


def end_roadshow(world):
    """Move the event into the past (as if time passed) and mark it held."""
    Roadshow.objects.filter(pk=world.roadshow.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    services.roadshow_transition(actor=act(world.host_user), roadshow=world.roadshow, action="hold")
    world.roadshow.refresh_from_db()
