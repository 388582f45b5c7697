"""Appeals: a party appeals one event's effect on its standing; the CAST staff of its region
decide. Upheld, the event stops counting (a credit.appeal_upheld event in the log)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from credit.models import CreditAppeal, CreditStanding
from credit.selectors import credit_compute
from credit.services import appeal_decide, appeal_file, credit_rebuild
from notifications.models import Notification
from organizations.selectors import actor_for
from outcomes.models import OutcomeEvent
from tests.credit.conftest import AT
from tests.factories import member_of


def _file(world, event="e4", statement="对方撤回了争议的主要理由，裁决所依据的交付记录有误。"):
    return appeal_file(
        actor=actor_for(user=world.member),
        organization=world.provider,
        event_id=world.events[event].pk,
        statement=statement,
    )


def test_a_member_appeals_and_the_region_staff_are_told(world):
    appeal = _file(world)
    assert appeal.status == CreditAppeal.Status.OPEN
    told = Notification.objects.get(user=world.staff, topic=Notification.Topic.CREDIT)
    assert "订单争议败诉" in told.title
    assert not Notification.objects.filter(user=world.far_staff).exists()


def test_only_the_organizations_members_appeal(world):
    outsider = member_of(world.buyer)
    with pytest.raises(PermissionDenied):
        appeal_file(
            actor=actor_for(user=outsider),
            organization=world.provider,
            event_id=world.events["e4"].pk,
            statement="理由",
        )


def test_bad_appeals_get_chinese_field_errors(world):
    with pytest.raises(ValidationError) as empty:
        _file(world, statement="   ")
    assert "申诉理由" in empty.value.message_dict["statement"][0]
    with pytest.raises(ValidationError) as positive:
        _file(world, event="e1")  # an order completed on time counts for it, not against
    assert "事件" in positive.value.message_dict["event"][0]
    with pytest.raises(ValidationError) as hidden:
        _file(world, event="e7")  # the hidden review does not count at all
    assert "event" in hidden.value.message_dict
    _file(world)
    with pytest.raises(ValidationError) as second:
        _file(world)
    assert second.value.message_dict["event"] == ["事件：针对该事件的申诉尚在处理中。"]


def test_only_the_staff_of_the_organizations_region_decide(world):
    appeal = _file(world)
    for user in (world.far_staff, world.member):
        with pytest.raises(PermissionDenied):
            appeal_decide(actor=actor_for(user=user), appeal=appeal, uphold=True)
    appeal.refresh_from_db()
    assert appeal.status == CreditAppeal.Status.OPEN


def test_an_upheld_appeal_removes_the_events_effect(world):
    appeal = _file(world)
    appeal_decide(actor=actor_for(user=world.staff), appeal=appeal, uphold=True)
    standing = credit_compute(organization=world.provider)
    assert world.events["e4"].pk not in {line.event_id for line in standing.lines}
    # good 7.5, bad 1 (the dispute's −5 is gone).
    assert standing.score == round(100 * (7.5 + 5) / (7.5 + 1 + 10), 1) == 67.6
    # The correction is a new event in the log, and the cached standing followed it.
    correction = OutcomeEvent.objects.get(name=OutcomeEvent.Name.CREDIT_APPEAL_UPHELD)
    assert (correction.organization_id, correction.subject_id) == (
        world.provider.pk,
        world.events["e4"].pk,
    )
    assert correction.occurred_at == AT
    assert CreditStanding.objects.get(organization=world.provider).score == Decimal("67.6")
    # Rebuilding from the log gives what the receiver kept.
    kept = list(CreditStanding.objects.order_by("organization_id").values_list())
    CreditStanding.objects.all().delete()
    credit_rebuild()
    rebuilt = list(CreditStanding.objects.order_by("organization_id").values_list())
    assert [row[1:] for row in rebuilt] == [row[1:] for row in kept]
    assert Notification.objects.filter(
        user=world.member, topic=Notification.Topic.CREDIT, title__contains="申诉成立"
    ).exists()
    with pytest.raises(ValidationError) as again:
        appeal_decide(actor=actor_for(user=world.staff), appeal=appeal, uphold=False, note="x")
    assert again.value.messages == ["该申诉已处理。"]


def test_a_dismissed_appeal_changes_nothing_and_needs_a_note(world):
    appeal = _file(world)
    staff = actor_for(user=world.staff)
    with pytest.raises(ValidationError) as bare:
        appeal_decide(actor=staff, appeal=appeal, uphold=False, note="")
    assert "处理意见" in bare.value.message_dict["note"][0]
    appeal_decide(actor=staff, appeal=appeal, uphold=False, note="裁决依据充分。")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision_note) == (
        CreditAppeal.Status.DISMISSED,
        "裁决依据充分。",
    )
    assert credit_compute(organization=world.provider).score == 53.2
    assert OutcomeEvent.objects.filter(name=OutcomeEvent.Name.CREDIT_APPEAL_DISMISSED).count() == 1
    # Dismissed, it may be appealed again (one open appeal at a time).
    assert _file(world).status == CreditAppeal.Status.OPEN
