"""揭榜挂帅 challenges (challenges app): winners, the matcher's invitations, the annex, and the
timer that closes applications after their deadline (challenges.tasks)."""

from celery.schedules import crontab

from config.env import env
from config.settings.integrations.celery import CELERY_BEAT_SCHEDULE as _SCHEDULE

# A challenge names at most this many winners unless its sponsor says otherwise.
CHALLENGE_DEFAULT_MAX_WINNERS = env.int("CHALLENGE_DEFAULT_MAX_WINNERS", default=3)
# On publication the matcher invites at most this many organizations.
CHALLENGE_MAX_INVITATIONS = env.int("CHALLENGE_MAX_INVITATIONS", default=10)
# One file of the confidential annex.
CHALLENGE_ANNEX_MAX_MB = env.int("CHALLENGE_ANNEX_MAX_MB", default=20)

CELERY_BEAT_SCHEDULE = {
    **_SCHEDULE,
    # Applications close the day after applications_close_on (challenges.services).
    "close-due-challenges": {
        "task": "challenges.tasks.close_due_challenges",
        "schedule": crontab(minute=10),
    },
}
