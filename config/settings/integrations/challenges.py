"""揭榜挂帅 challenges (challenges app): winners, the matcher's invitations, the annex. The timer
that closes applications is scheduled with the others in celery.py."""

from config.env import env

# A challenge names at most this many winners unless its sponsor says otherwise.
CHALLENGE_DEFAULT_MAX_WINNERS = env.int("CHALLENGE_DEFAULT_MAX_WINNERS", default=3)
# On publication the matcher invites at most this many organizations.
CHALLENGE_MAX_INVITATIONS = env.int("CHALLENGE_MAX_INVITATIONS", default=10)
# One file of the confidential annex.
CHALLENGE_ANNEX_MAX_MB = env.int("CHALLENGE_ANNEX_MAX_MB", default=20)
# A need's owner is offered to turn it into a challenge once the need has been published this
# many days without a match of this degree (0–100, the estimated chance it is relevant).
CHALLENGE_OFFER_AFTER_DAYS = env.int("CHALLENGE_OFFER_AFTER_DAYS", default=14)
CHALLENGE_OFFER_GOOD_MATCH_DEGREE = env.int("CHALLENGE_OFFER_GOOD_MATCH_DEGREE", default=50)
