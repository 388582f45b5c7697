"""Conversations listen to the outcome log: when the second side of an approved match asks for
contact, the conversation opens in that answer's transaction (rows only: the conversation, its
outcome event and the notifications' outbox messages). Matching never imports this app."""

from django.dispatch import receiver

from conversations.services import POSITIVE_ANSWERS, conversation_open_for_match
from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded


@receiver(outcome_recorded)
def open_conversation_when_both_sides_ask(*, event, **kwargs):
    if event.name != OutcomeEvent.Name.MATCH_ANSWERED:
        return
    if event.data.get("answer") not in POSITIVE_ANSWERS:
        return
    conversation_open_for_match(match_id=event.subject_id, user=event.actor)
