"""Celery: in-process (eager) unless REDIS_URL names a broker."""

from celery.schedules import crontab

from config.env import env

REDIS_URL = env("REDIS_URL", default="")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = env("TIME_ZONE", default="Asia/Shanghai")

# Run by `celery -A config beat`.
CELERY_BEAT_SCHEDULE = {
    "remind-expiring-listings": {
        "task": "repositories.tasks.remind_expiring_listings",
        "schedule": crontab(hour=9, minute=0),
    },
}
