"""Expert service teams and pilot cities (service_teams app)."""

from config.env import env

# One evidence file of a mission's report (photos, sign-in sheets, minutes).
SERVICE_TEAMS_EVIDENCE_MAX_MB = env.int("SERVICE_TEAMS_EVIDENCE_MAX_MB", default=20)
