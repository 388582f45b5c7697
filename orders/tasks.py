from celery import shared_task

from orders.services import orders_keep_time


@shared_task(acks_late=True, ignore_result=True)
def keep_orders_on_time():
    """Every 15 minutes (beat): expire orders not accepted in time, record late ones, complete
    deliveries the buyer left unchecked. Safe to run twice."""
    return orders_keep_time()
