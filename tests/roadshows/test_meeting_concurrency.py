"""Two presenters accept, at the same moment, meetings of the same attendee that overlap: the
row locks (roadshows.services._lock_parties) let exactly one through. PostgreSQL only."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from roadshows import services
from roadshows.models import Meeting
from tests.factories import AchievementFactory, OrganizationFactory, member_of

from .conftest import act, at, selected_pitch, validated

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_accepts_at_once_do_not_double_book(world, monkeypatch):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL"
    first_pitch = selected_pitch(world)
    second = OrganizationFactory(name="并发第二院所")
    second_user = member_of(second, username="second")
    second_pitch = services.pitch_submit(
        actor=act(second_user),
        roadshow=world.roadshow,
        organization=second,
        listing=AchievementFactory(organization=second),
        summary="摘要",
    )
    services.pitch_decide(actor=act(world.host_user), pitch=second_pitch, select=True)
    validated(world)
    meetings = [
        services.meeting_request(
            actor=act(world.attendee_user),
            pitch=pitch,
            organization=world.attendee,
            starts_at=start,
            ends_at=end,
        )
        for pitch, start, end in (
            (first_pitch, at(10, 14), at(10, 14, 30)),
            (second_pitch, at(10, 14, 15), at(10, 14, 45)),
        )
    ]
    barrier = threading.Barrier(2, timeout=10)
    original = services._lock_parties

    def wait_then_lock(meeting):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return original(meeting)

    monkeypatch.setattr(services, "_lock_parties", wait_then_lock)
    outcomes = {}

    def accept(meeting, user):
        try:
            services.meeting_accept(actor=act(user), meeting=meeting)
            outcomes[meeting.pk] = "accepted"
        except ValidationError as error:
            outcomes[meeting.pk] = error.message_dict
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=accept, args=(meeting, user))
        for meeting, user in zip(meetings, (world.presenter_user, second_user), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert list(outcomes.values()).count("accepted") == 1, outcomes
    refused = next(value for value in outcomes.values() if value != "accepted")
    assert "starts_at" in refused
    assert Meeting.objects.filter(status=Meeting.Status.ACCEPTED).count() == 1
