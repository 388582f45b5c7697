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
# An order's plan holds at most this many milestones.
ORDER_MAX_MILESTONES = env.int("ORDER_MAX_MILESTONES", default=20)
# Innovation vouchers (创新券): the most one voucher may be worth (yuan), and the longest it may
# stay valid (days from its first valid day).
VOUCHER_MAX_AMOUNT = env.int("VOUCHER_MAX_AMOUNT", default=1_000_000)
VOUCHER_MAX_VALID_DAYS = env.int("VOUCHER_MAX_VALID_DAYS", default=730)
