"""Demand analysis listens to the outcome log: when the provider takes on a demand-analysis
order placed on a need (accepting it, or by the buyer accepting its quote), the analysis it is
delivered as is opened, in that step's transaction. Orders never import this app."""

from django.dispatch import receiver

from demand_analysis.services import analysis_open_for_order
from orders.models import Order, OrderStatus
from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded

STARTING_EVENTS = frozenset({OutcomeEvent.Name.ORDER_ACCEPTED, OutcomeEvent.Name.ORDER_PLACED})


@receiver(outcome_recorded)
def open_the_analysis_of_an_order(*, event, **kwargs):
    if event.name not in STARTING_EVENTS or event.subject_type != "order":
        return
    data = event.data or {}
    if data.get("to") != OrderStatus.IN_PROGRESS or not data.get("listing"):
        return
    order = Order.objects.select_related("category").filter(pk=event.subject_id).first()
    if order is not None:
        analysis_open_for_order(order=order)
