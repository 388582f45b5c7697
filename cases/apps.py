"""The parties' feedback on a closed deal, the case bank drafted from completed deals (published
with both parties' consent and the CAST staff's review) and the follow-up surveys at 90 and 365
days.

Cases sit above deals: they listen to the outcome log for deal.completed, deal.lost and
deal.terminated (deals never import this app).
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Feedback and the case bank")

    def ready(self):
        from cases import receivers  # noqa: F401  (connects the receivers)
