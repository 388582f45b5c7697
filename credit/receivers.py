"""Credit listens to the outcome log: an event that scores recomputes the standings of the
organizations it names, in the event's own transaction (rows only)."""

from django.dispatch import receiver

from credit.services import credit_record_event
from outcomes.signals import outcome_recorded


@receiver(outcome_recorded)
def keep_credit_current(*, event, **kwargs):
    credit_record_event(event=event)
