"""The standing computed from the hand-built history (conftest.World), point by point."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from credit import rules
from credit.models import CreditStanding
from credit.selectors import credit_compute, weight_at
from credit.services import credit_rebuild
from outcomes.models import OutcomeEvent
from tests.credit.conftest import AT

N = OutcomeEvent.Name


def test_weights_halve_every_half_life():
    from datetime import timedelta

    assert weight_at(occurred_at=AT, at=AT) == 1
    assert weight_at(occurred_at=AT - timedelta(days=365), at=AT) == pytest.approx(0.5)
    assert weight_at(occurred_at=AT - timedelta(days=730), at=AT) == pytest.approx(0.25)


def test_score_on_the_hand_built_history(world):
    standing = credit_compute(organization=world.provider)
    # good: 3 + 0.5 + 2 + 2 = 7.5; bad: 1 + 5 = 6; prior 5 on each side.
    assert standing.good == pytest.approx(7.5)
    assert standing.bad == pytest.approx(6)
    assert standing.score == round(100 * (7.5 + 5) / (7.5 + 6 + 10), 1) == 53.2
    assert (standing.level, str(standing.level_label)) == ("C", "中")
    assert standing.event_count == 6


def test_the_explanation_lists_exactly_the_events_behind_it(world):
    standing = credit_compute(organization=world.provider)
    e = world.events
    # Newest first; the declined order, the hidden review and the old ones are not there.
    assert [line.event_id for line in standing.lines] == [
        e["e6"].pk, e["e4"].pk, e["e1"].pk, e["e5"].pk, e["e3"].pk, e["e2"].pk,
    ]  # fmt: skip
    by_event = {line.event_id: line for line in standing.lines}
    assert (by_event[e["e1"].pk].points, by_event[e["e1"].pk].weight) == (3, 1)
    assert by_event[e["e3"].pk].points == -2
    assert by_event[e["e3"].pk].weight == pytest.approx(0.5)
    assert str(by_event[e["e4"].pk].label) == "订单争议败诉"
    # The other party by its kind, never its name.
    assert str(by_event[e["e5"].pk].counterpart_kind) == "高校/科研院所"
    groups = {group.label: group for group in standing.groups}
    assert groups["订单争议败诉"].weighted == -5
    assert standing.groups[0].label == "订单争议败诉"  # the weightiest first
    assert groups["订单按期完成"].count == 1


def test_the_window_cuts_off_at_24_months(world, log):
    # An event 729 days old still counts, at its weight; the one 730 days old does not.
    log.order(729, N.ORDER_COMPLETED, 7, buyer=world.buyer, provider=world.provider, late=False)
    standing = credit_compute(organization=world.provider)
    assert standing.event_count == 7
    assert standing.good == pytest.approx(7.5 + 3 * 0.5 ** (729 / 365))
    assert world.events["edge"].pk not in {line.event_id for line in standing.lines}


def test_not_enough_history_below_the_minimum(world, settings):
    partner = credit_compute(organization=world.partner)
    assert partner.event_count == 1  # the verified registration
    assert partner.score is None and partner.level == ""
    assert str(partner.level_label) == "记录不足"
    settings.CREDIT_MIN_EVENTS = 7
    assert credit_compute(organization=world.provider).score is None


def test_reviews_count_only_once_visible(world, log, now):
    p, b = world.provider, world.buyer
    review = world.events["e7"]
    assert review.pk not in {line.event_id for line in credit_compute(organization=p).lines}
    # 15 days after completion the window has passed: B's review shows, P gets 4 − 3 = +1.
    now(15)
    late_standing = credit_compute(organization=p)
    line = next(line for line in late_standing.lines if line.event_id == review.pk)
    assert line.points == 1
    assert line.weight == pytest.approx(0.5 ** (15 / 365))
    now(0)
    # Or at once, when P reviews B too: both are visible (B: 2 stars → −1).
    log.order(0, N.ORDER_REVIEWED, 1, buyer=b, provider=p, acting=p, rating=2)
    standing = credit_compute(organization=p)
    assert review.pk in {line.event_id for line in standing.lines}
    assert standing.score == round(100 * (8.5 + 5) / (8.5 + 6 + 10), 1) == 55.1
    assert [line.points for line in credit_compute(organization=b).lines] == [-1]


def test_the_cached_standing_follows_each_event_and_rebuild_gives_the_same(world, log):
    cached = {
        s.organization_id: (s.score, s.level, s.event_count, s.computed_at)
        for s in CreditStanding.objects.all()
    }
    assert cached[world.provider.pk] == (Decimal("53.2"), "C", 6, AT)
    assert cached[world.partner.pk] == (None, "", 1, AT)
    CreditStanding.objects.all().delete()
    credit_rebuild()
    rebuilt = {
        s.organization_id: (s.score, s.level, s.event_count, s.computed_at)
        for s in CreditStanding.objects.all()
    }
    assert rebuilt == cached
    call_command("rebuild_credit", stdout=__import__("io").StringIO())
    assert CreditStanding.objects.get(organization=world.provider).score == Decimal("53.2")


def test_rules_cover_both_sides_of_a_dispute_decided_for_the_provider(world, log):
    p, b = world.provider, world.buyer
    event = log.order(
        0, N.ORDER_DISPUTE_DECIDED, 8, buyer=b, provider=p, decision="for_provider", late=True
    )
    effects = {(e.organization_id, e.points) for e in rules.effects_of(event)}
    assert effects == {(b.pk, -5), (p.pk, 1)}
    assert rules.level_for(85)[0] == "A"
    assert rules.level_for(84.9)[0] == "B"
    assert rules.level_for(49.9)[0] == "D"
