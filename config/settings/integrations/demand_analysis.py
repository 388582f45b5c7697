"""Demand analysis (demand_analysis): when a need is offered one.

A need's owner is offered an analysis (from the region's CAST staff, or from the catalogue)
once the need has been published this many days without a good match: none, proposed or
approved, scoring at least this share of the best possible score (the "relevant" label the
matches carry from 60 % up).
"""

from config.env import env

DEMAND_ANALYSIS_OFFER_AFTER_DAYS = env.int("DEMAND_ANALYSIS_OFFER_AFTER_DAYS", default=3)
DEMAND_ANALYSIS_GOOD_MATCH_PERCENT = env.int("DEMAND_ANALYSIS_GOOD_MATCH_PERCENT", default=60)
