"""Order milestones count as contract milestones do: accepted +2, sent back −1, for the
provider only (orders.services records them with the parties in the event's data)."""

import pytest

from credit import rules
from credit.selectors import credit_compute
from outcomes.models import OutcomeEvent
from tests.factories import OrganizationFactory

N = OutcomeEvent.Name


@pytest.fixture
def parties(db):
    return OrganizationFactory(), OrganizationFactory()


def test_an_accepted_order_milestone_counts_for_the_provider(log, parties):
    buyer, provider = parties
    event = log.order(0, N.ORDER_MILESTONE_ACCEPTED, 1, buyer=buyer, provider=provider)
    assert rules.effects_of(event) == [
        rules.Effect(provider.pk, rules.MILESTONE_ACCEPTED, rules.effects_of(event)[0].label)
    ]
    assert rules.MILESTONE_ACCEPTED == 2
    assert str(rules.effects_of(event)[0].label) == "订单里程碑通过验收"
    assert rules.effect_for(event, buyer.pk) is None
    standing = credit_compute(organization=provider)
    assert standing.good == pytest.approx(2) and standing.bad == 0
    assert credit_compute(organization=buyer).event_count == 0


def test_a_milestone_sent_back_counts_against_the_provider(log, parties):
    buyer, provider = parties
    event = log.order(0, N.ORDER_MILESTONE_SENT_BACK, 1, buyer=buyer, provider=provider)
    (effect,) = rules.effects_of(event)
    assert (effect.organization_id, effect.points) == (provider.pk, rules.MILESTONE_SENT_BACK)
    assert effect.points == -1
    assert credit_compute(organization=provider).bad == pytest.approx(1)


def test_a_delivered_milestone_does_not_count(log, parties):
    buyer, provider = parties
    event = log.order(
        1, N.ORDER_MILESTONE_DELIVERED, 1, buyer=buyer, provider=provider, acting=provider
    )
    assert rules.effects_of(event) == []
    assert N.ORDER_MILESTONE_DELIVERED not in rules.SCORED_NAMES
