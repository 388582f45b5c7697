"""Credit (credit/): each organization's standing, computed only from the outcome log."""

from config.env import env

# Events older than this many days do not count.
CREDIT_WINDOW_DAYS = env.int("CREDIT_WINDOW_DAYS", default=730)
# An event's points halve every this many days (recent deeds weigh more).
CREDIT_HALF_LIFE_DAYS = env.int("CREDIT_HALF_LIFE_DAYS", default=365)
# Below this many counted events an organization has "not enough history": no score, no level.
CREDIT_MIN_EVENTS = env.int("CREDIT_MIN_EVENTS", default=5)
# The neutral start: the score is good / (good + bad) with this many weighted points added to
# each side, so that a short history stays near 50 (credit.rules.score_from).
CREDIT_PRIOR_POINTS = env.int("CREDIT_PRIOR_POINTS", default=5)
