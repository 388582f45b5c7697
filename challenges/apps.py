"""揭榜挂帅 challenges: an enterprise (or a CAST office, for a government list) turns a need into
a public challenge with target indicators, a reward and IP terms; the CAST staff vet it, and
from publication its criteria are locked and every amendment is logged in public; applicants
file one structured application each.

Challenges sit above deals: an award opens a deal per winner.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "challenges"
    verbose_name = _("Challenges")

    def ready(self):
        from challenges import receivers  # noqa: F401  (connects the receivers)
