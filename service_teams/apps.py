"""Expert service teams (科技服务团) and pilot cities: a society's teams, their members and service
stations, missions to host enterprises (reported, confirmed by the host, verified by the local
CAST office) and pilot cities whose targets are set against actuals from the outcome log.

A mission's collected needs are published as needs (repositories.Listing, source "mission").
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceTeamsConfig(AppConfig):
    name = "service_teams"
    verbose_name = _("Expert service teams and pilot cities")
