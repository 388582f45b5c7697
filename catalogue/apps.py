"""The services market's catalogue: service categories and the offerings that agencies,
universities, societies and expert service teams publish in them, reviewed by the CAST staff
of the provider's region, browsed, searched and proposed beside a need.

Orders (another app, above this one) are placed on published offerings.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Service catalogue")
