"""Online, offline and hybrid roadshows (路演): a host calls for pitches, selects them and sets the
programme; attendees register, watch, ask, request one-to-one meetings and express intents that
open a deal when the presenter accepts.

Roadshows sit above deals: an accepted intent opens one.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadshowsConfig(AppConfig):
    name = "roadshows"
    verbose_name = _("Roadshows")
