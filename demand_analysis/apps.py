"""Demand analysis (需求分析) as a service: a vague need turned into a structured one (problem
statement, target indicators, sub-problems, the TRL wanted, contract type and solution routes),
which its owner accepts part by part into the need, which is then matched again.

It sits above orders and matching: an analysis may be the result of a service order, and an
accepted one re-matches the need.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandAnalysisConfig(AppConfig):
    name = "demand_analysis"
    verbose_name = _("Demand analysis")

    def ready(self):
        from demand_analysis import receivers  # noqa: F401  (connects the receivers)
