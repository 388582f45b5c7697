"""Roadshows (roadshows/)."""

from config.env import env

# Follow-up prompts after a one-to-one meeting is held, in days (each sent once).
ROADSHOW_FOLLOW_UP_DAYS = (7, 30, 90)
# A one-to-one meeting lasts at most this many minutes.
ROADSHOW_MEETING_MAX_MINUTES = env.int("ROADSHOW_MEETING_MAX_MINUTES", default=120)
# The matcher suggests at most this many pitches to each attendee.
ROADSHOW_MAX_SUGGESTIONS = env.int("ROADSHOW_MAX_SUGGESTIONS", default=5)
