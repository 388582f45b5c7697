"""One list of reasons for saying no: used by match answers, contact requests, lost deals and
the parties' feedback (and, later, quotes and applications), so that the reasons can be counted
side by side."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RefusalReason(models.TextChoices):
    NOT_OUR_FIELD = "not_our_field", _("not our field")
    TOO_EARLY = "too_early", _("too early")
    BENEFIT_UNCLEAR = "benefit_unclear", _("benefit unclear")
    COMMERCIAL_ROUTE_UNCLEAR = "commercial_route_unclear", _("commercial route unclear")
    PRICE = "price", _("price")
    IP_TERMS = "ip_terms", _("IP terms")
    SCALE_UP_RISK = "scale_up_risk", _("scale-up risk")
    PARTNER_UNRESPONSIVE = "partner_unresponsive", _("partner unresponsive")
    FOUND_ELSEWHERE = "found_elsewhere", _("found elsewhere")
    BUDGET = "budget", _("budget")
    REGION = "region", _("region")
    OTHER = "other", _("other")
