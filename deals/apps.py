"""Deals: what two organizations in contact agree, from the first lead to a registered, executed
contract, as a state machine whose every step is recorded in the outcome log.

Deals sit above conversations: a deal opens from a conversation (and so from the match or the
contact request that opened it); later an order or a challenge award opens one the same way.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = _("Deals and contracts")
