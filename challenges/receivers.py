"""Challenges sit above deals and listen to the outcome log: when a winner's deal completes,
the challenge completes once every winner's deal has, in the deal step's transaction. Deals
never import this app."""

from django.dispatch import receiver

from challenges.services import challenge_complete_for_deal
from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded


@receiver(outcome_recorded)
def complete_challenge(*, event, **kwargs):
    if event.name != OutcomeEvent.Name.DEAL_COMPLETED or event.subject_type != "deal":
        return
    challenge_complete_for_deal(deal_id=event.subject_id)
