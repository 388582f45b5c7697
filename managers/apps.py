"""Technology managers (技术经理人): a person's profile with a certificate verified by CAST staff,
the mandates organizations give them (organizations.Mandate, read by the Actor), and the
commission due when a deal they brokered is registered.

Managers sit above deals: the commission is computed from a deal's verified registration.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManagersConfig(AppConfig):
    name = "managers"
    verbose_name = _("Technology managers")

    def ready(self):
        from managers import receivers  # noqa: F401  (connects the receivers)
