"""The funnel, in pictures: aggregates derived from the outcome log (a row per need, a row per
deal), kept current by listening to the log and rebuilt from it in bulk; the public statistics
page, the CAST staff's dashboard, their CSV exports and the charts.

Analytics sits above deals and reads only the outcome log, the source of truth: it never imports
the deals app, so the deals can change their tables without breaking the figures.
"""

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Statistics")

    def ready(self):
        from analytics import receivers  # noqa: F401  (connects the receivers)
        from analytics.medians import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="analytics-median")
