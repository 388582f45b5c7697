"""Service orders: agencies, universities and societies take orders for their offerings, or
quote on requests; orders are delivered, accepted, disputed and reviewed, and every step is
recorded in the outcome log (from which credit is derived)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Service orders")
