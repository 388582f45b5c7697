"""The scoring rule, in one place: which recorded event counts for whom, for how many points.

Only the outcome log counts — orders completed on time or late, disputes lost, milestones
accepted or sent back, contracts registered, terminated or completed, reviews —, never what an
organization says of itself. Each event gives zero or more effects (the organization it counts
for, the points, a label); credit.services weighs them by age and sums them.

Choices worth knowing:
- order.declined does not count: declining is an honest answer; only letting an order expire
  unanswered (order.expired) does.
- A dispute decided for the provider completes the order: the buyer lost the dispute (−5) and
  the provider is credited with the completion (+3, or +1 when it was late).
- A dispute answered on time, withdrawn disputes and cancellations by agreement do not count.
- deal.terminated counts against the party that terminated the contract (−3): the log does
  not say whose fault it was, so a party that terminated for the other's failure appeals.
- A review counts for the reviewee (k stars → k − 3 points) only once it is visible: both
  reviews are in, or ORDER_REVIEW_WINDOW_DAYS have passed since the order was completed
  (credit.services decides that from the log).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from outcomes.models import OutcomeEvent

N = OutcomeEvent.Name

ON_TIME = 3
LATE_COMPLETION = 1
LATE = -2
EXPIRED = -1
DISPUTE_LOST = -5
DISPUTE_ANSWERED_LATE = -1
MILESTONE_ACCEPTED = 2
MILESTONE_SENT_BACK = -1
REGISTRATION_VERIFIED = 4
TERMINATED = -3
DEAL_COMPLETED = 3
REVIEW_NEUTRAL_STARS = 3

# Levels by score (0–100), best first; below the last threshold, the last level. An
# organization with fewer than CREDIT_MIN_EVENTS counted events has no level.
LEVELS = (
    (85, "A", _("excellent")),
    (70, "B", _("good")),
    (50, "C", _("fair")),
    (0, "D", _("poor")),
)
NO_LEVEL_LABEL = _("not enough history")

SCORED_NAMES = frozenset(
    {
        N.ORDER_COMPLETED,
        N.ORDER_LATE,
        N.ORDER_EXPIRED,
        N.ORDER_DISPUTE_DECIDED,
        N.ORDER_DISPUTE_ANSWERED,
        N.ORDER_REVIEWED,
        N.DEAL_MILESTONE_ACCEPTED,
        N.DEAL_MILESTONE_REJECTED,
        N.ORDER_MILESTONE_ACCEPTED,
        N.ORDER_MILESTONE_SENT_BACK,
        N.DEAL_REGISTRATION_VERIFIED,
        N.DEAL_TERMINATED,
        N.DEAL_COMPLETED,
    }
)
# Events that end an order's review window: the order was completed then.
COMPLETION_NAMES = frozenset({N.ORDER_COMPLETED, N.ORDER_DISPUTE_DECIDED})


@dataclass(frozen=True)
class Effect:
    organization_id: int
    points: int
    label: str


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _completion(provider, late):
    if late:
        return Effect(provider, LATE_COMPLETION, _("Order completed late"))
    return Effect(provider, ON_TIME, _("Order completed on time"))


def effects_of(event: OutcomeEvent) -> list[Effect]:
    """What one event does to the standings of the organizations it names."""
    data = event.data or {}
    name = event.name
    effects: list[Effect | None] = []
    provider, buyer = _int(data.get("provider")), _int(data.get("buyer"))
    supply, demand = _int(data.get("supply_party")), _int(data.get("demand_party"))
    if name == N.ORDER_COMPLETED and provider:
        effects.append(_completion(provider, data.get("late")))
    elif name == N.ORDER_LATE and provider:
        effects.append(Effect(provider, LATE, _("Order past its due date")))
    elif name == N.ORDER_EXPIRED and provider:
        effects.append(Effect(provider, EXPIRED, _("Order not accepted in time")))
    elif name == N.ORDER_DISPUTE_DECIDED:
        decision = data.get("decision")
        if decision == "for_buyer" and provider:
            effects.append(Effect(provider, DISPUTE_LOST, _("Order dispute lost")))
        elif decision == "for_provider" and buyer:
            effects.append(Effect(buyer, DISPUTE_LOST, _("Order dispute lost")))
            if provider:
                effects.append(_completion(provider, data.get("late")))
    elif name == N.ORDER_DISPUTE_ANSWERED and data.get("on_time") is False:
        effects.append(
            Effect(event.organization_id, DISPUTE_ANSWERED_LATE, _("Dispute answered late"))
        )
    elif name == N.ORDER_REVIEWED and event.counterpart_id:
        rating = _int(data.get("rating"))
        if rating is not None and 1 <= rating <= 5:
            effects.append(
                Effect(
                    event.counterpart_id,
                    rating - REVIEW_NEUTRAL_STARS,
                    _("Reviewed %(stars)d of 5 stars") % {"stars": rating},
                )
            )
    elif name == N.DEAL_MILESTONE_ACCEPTED and supply:
        effects.append(Effect(supply, MILESTONE_ACCEPTED, _("Contract milestone accepted")))
    elif name == N.DEAL_MILESTONE_REJECTED and supply:
        effects.append(Effect(supply, MILESTONE_SENT_BACK, _("Contract milestone sent back")))
    elif name == N.ORDER_MILESTONE_ACCEPTED and provider:
        effects.append(Effect(provider, MILESTONE_ACCEPTED, _("Order milestone accepted")))
    elif name == N.ORDER_MILESTONE_SENT_BACK and provider:
        effects.append(Effect(provider, MILESTONE_SENT_BACK, _("Order milestone sent back")))
    elif name == N.DEAL_REGISTRATION_VERIFIED:
        for party in (demand, supply):
            if party:
                effects.append(
                    Effect(party, REGISTRATION_VERIFIED, _("Contract registration verified"))
                )
    elif name == N.DEAL_TERMINATED and event.organization_id:
        effects.append(Effect(event.organization_id, TERMINATED, _("Contract terminated")))
    elif name == N.DEAL_COMPLETED:
        for party in (demand, supply):
            if party:
                effects.append(Effect(party, DEAL_COMPLETED, _("Contract completed")))
    return [effect for effect in effects if effect is not None]


def effect_for(event: OutcomeEvent, organization_id: int) -> Effect | None:
    """The event's effect on one organization (an event names an organization once)."""
    return next((e for e in effects_of(event) if e.organization_id == organization_id), None)


def score_from(*, good: float, bad: float, prior: float) -> float:
    """0–100: the share of good among all weighted points, each side starting at `prior`.

    good is the sum of the weighted positive points, bad that of the weighted negative ones
    (as a positive number). No history gives 50; only good deeds approach 100, only bad ones 0.
    """
    return round(100 * (good + prior) / (good + bad + 2 * prior), 1)


def level_for(score: float | None) -> tuple[str, str]:
    """(code, label) for a score; ("", "not enough history") for none."""
    if score is None:
        return "", NO_LEVEL_LABEL
    for threshold, code, label in LEVELS:
        if score >= threshold:
            return code, label
    return LEVELS[-1][1], LEVELS[-1][2]
