"""Demand analysis (demand_analysis): when a need is offered one.

A need's owner is offered an analysis (from the region's CAST staff, or from the catalogue)
once the need has been published this many days without a good match: none, proposed or
approved, of at least this match degree.
"""

from config.env import env

DEMAND_ANALYSIS_OFFER_AFTER_DAYS = env.int("DEMAND_ANALYSIS_OFFER_AFTER_DAYS", default=3)
# A match of this degree or more (0–100, the estimated chance it is relevant) is a good one.
DEMAND_ANALYSIS_GOOD_MATCH_DEGREE = env.int("DEMAND_ANALYSIS_GOOD_MATCH_DEGREE", default=50)
