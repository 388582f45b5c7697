"""Achievement evaluations (evaluations): the panel's size and the owner's appeal window.

成果评价 panels seat three to seven experts or more; the owner may appeal the result once,
within the window after the evaluation became final.
"""

from config.env import env

EVALUATION_PANEL_MIN = env.int("EVALUATION_PANEL_MIN", default=3)
EVALUATION_APPEAL_DAYS = env.int("EVALUATION_APPEAL_DAYS", default=30)
