"""Celery: in-process (eager) unless REDIS_URL names a broker."""

from celery.schedules import crontab

from config.env import BASE_DIR, env

REDIS_URL = env("REDIS_URL", default="")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task taken by a worker that dies before acknowledging it goes back to the queue after this
# many seconds (Redis); it must outlast the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_TASK_ACKS_LATE = True
# A task whose worker process died is queued again rather than acknowledged: every task is
# safe to run twice.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = env("TIME_ZONE", default="Asia/Shanghai")

# Without a broker the web process runs CELERY_BEAT_SCHEDULE itself (config/periodic.py), keeping
# the time each entry last ran in this file, as beat keeps its schedule file.
EMBEDDED_PERIODIC_TASKS = env.bool("EMBEDDED_PERIODIC_TASKS", default=True)
EMBEDDED_PERIODIC_STATE_FILE = env.path(
    "EMBEDDED_PERIODIC_STATE_FILE", default=BASE_DIR / "var" / "periodic-tasks.json"
)

# Run by `celery -A config beat`, or by the web process without a broker (above).
CELERY_BEAT_SCHEDULE = {
    "remind-expiring-listings": {
        "task": "repositories.tasks.remind_expiring_listings",
        "schedule": crontab(hour=9, minute=0),
    },
    "subscription-digests-daily": {
        "task": "subscriptions.tasks.send_subscription_digests",
        "schedule": crontab(hour=8, minute=0),
        "args": ("daily",),
    },
    "subscription-digests-weekly": {
        "task": "subscriptions.tasks.send_subscription_digests",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
        "args": ("weekly",),
    },
    "sweep-dirty-index": {
        "task": "matching.tasks.sweep_dirty_index",
        "schedule": crontab(minute="*/5"),
    },
    "reconcile-index": {
        "task": "matching.tasks.reconcile_index",
        "schedule": crontab(hour=3, minute=30),
    },
    "retrain-match-ranker": {
        "task": "matching.tasks.retrain_ranker",
        "schedule": crontab(hour=3, minute=0),
    },
    "rematch-live-needs": {
        "task": "matching.tasks.rematch_live_needs",
        "schedule": crontab(hour=4, minute=0, day_of_week="sun"),
    },
    # E-mails, pushes and webhook deliveries the broker did not take when their change committed.
    "relay-outbox": {
        "task": "outbox.tasks.relay_outbox",
        "schedule": crontab(minute="*"),
        # A run still queued when the next is due is dropped, not piled up behind an outage.
        "options": {"expires": 50},
    },
    # Deals quiet before signing: a nudge, then dormant (deals.services.deals_keep_alive).
    "keep-deals-alive": {
        "task": "deals.tasks.keep_deals_alive",
        "schedule": crontab(hour=7, minute=30),
    },
    # Follow-up surveys 90 and 365 days after a deal completes (cases.services.surveys_send_due).
    "send-follow-up-surveys": {
        "task": "cases.tasks.send_follow_up_surveys",
        "schedule": crontab(hour=10, minute=0),
    },
    # Orders: acceptance windows, due dates and unchecked deliveries (orders.services).
    "keep-orders-on-time": {
        "task": "orders.tasks.keep_orders_on_time",
        "schedule": crontab(minute="*/15"),
    },
    # Standings age without new events (credit.tasks).
    "rebuild-credit": {
        "task": "credit.tasks.rebuild_credit",
        "schedule": crontab(hour=2, minute=30),
    },
    "retry-due-webhooks": {
        "task": "webhooks.tasks.retry_due_webhooks",
        "schedule": crontab(minute="*/5"),
    },
    # Challenges close the day after applications_close_on (challenges.services).
    "close-due-challenges": {
        "task": "challenges.tasks.close_due_challenges",
        "schedule": crontab(minute=10),
    },
    # Roadshows: held after they end, meeting reminders and follow-ups (roadshows.services).
    "keep-roadshows-on-time": {
        "task": "roadshows.tasks.keep_roadshows_on_time",
        "schedule": crontab(minute="*/10"),
    },
}
