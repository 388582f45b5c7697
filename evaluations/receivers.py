"""Evaluations listen to the outcome log (orders never import this app): an evaluation order
placed for one of the buyer's achievements opens its evaluation; the order's completion makes
an issued evaluation final and puts the evaluated TRL on the achievement — in the step's own
transaction."""

from django.dispatch import receiver

from evaluations.services import evaluation_finalize, evaluation_open
from orders.models import Order, OrderStatus
from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded


@receiver(outcome_recorded)
def open_and_finalize_evaluations(*, event, **kwargs):
    if event.subject_type != "order":
        return
    data = event.data or {}
    if event.name == OutcomeEvent.Name.ORDER_PLACED:
        order = Order.objects.filter(pk=event.subject_id).first()
        if order is not None:
            evaluation_open(order=order)
    elif data.get("to") == OrderStatus.COMPLETED and event.name in (
        OutcomeEvent.Name.ORDER_COMPLETED,
        OutcomeEvent.Name.ORDER_DISPUTE_DECIDED,
    ):
        evaluation_finalize(order_id=event.subject_id)
