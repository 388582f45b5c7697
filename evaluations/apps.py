"""Achievement evaluation (成果评价) as a service: an evaluation order's scope, materials, an
expert panel without conflicts of interest, scored opinions on a published rubric, the report as
a PDF with a public summary, the evaluated TRL on the achievement, and one appeal.

Evaluations sit above orders: an evaluation is the structured result of a service order.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Achievement evaluations")

    def ready(self):
        from evaluations import receivers  # noqa: F401  (connects the receivers)
