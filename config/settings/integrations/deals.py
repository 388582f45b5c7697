"""Deals: the timers that keep them honest (deals.tasks, from Celery beat or the embedded
periodic runner under `make run`), and how long the public statistics of the funnel are kept."""

from config.env import env

# A deal before signing with no step, message or document for this long falls dormant …
DEAL_DORMANT_AFTER_DAYS = env.int("DEAL_DORMANT_AFTER_DAYS", default=30)
# … after the parties were nudged this many days before.
DEAL_NUDGE_DAYS_BEFORE_DORMANT = env.int("DEAL_NUDGE_DAYS_BEFORE_DORMANT", default=7)
# Documents attached to a deal (the NDA, the contract, deliveries).
DEAL_DOCUMENT_MAX_MB = env.int("DEAL_DOCUMENT_MAX_MB", default=20)

# The public statistics page's figures are computed once per filter and kept this long.
STATISTICS_PUBLIC_CACHE_SECONDS = env.int("STATISTICS_PUBLIC_CACHE_SECONDS", default=300)
