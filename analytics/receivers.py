"""Analytics listen to the outcome log: each event updates the need's or the deal's journey in
the event's own transaction (rows only), so the figures are current the moment it commits and
vanish with it if it rolls back."""

from django.dispatch import receiver

from analytics.services import journey_record_event
from outcomes.signals import outcome_recorded


@receiver(outcome_recorded)
def keep_statistics_current(*, event, **kwargs):
    journey_record_event(event=event)
