"""Service orders: the timers of the order workflow (orders.tasks, from Celery beat or the
embedded periodic runner under `make run`)."""

from config.env import env

# A provider accepts (or declines) an order within this many hours, else it expires.
ORDER_ACCEPT_HOURS = env.int("ORDER_ACCEPT_HOURS", default=48)
# A delivery the buyer neither accepts nor sends back is accepted after this many days.
ORDER_AUTO_COMPLETE_DAYS = env.int("ORDER_AUTO_COMPLETE_DAYS", default=7)
# The other side answers a dispute within this many working days (Monday to Friday).
DISPUTE_ANSWER_WORKING_DAYS = env.int("DISPUTE_ANSWER_WORKING_DAYS", default=5)
# Reviews stay hidden until both parties wrote theirs, or this many days after completion.
ORDER_REVIEW_WINDOW_DAYS = env.int("ORDER_REVIEW_WINDOW_DAYS", default=14)
# Files of one delivery.
ORDER_DELIVERY_MAX_MB = env.int("ORDER_DELIVERY_MAX_MB", default=20)
