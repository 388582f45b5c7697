"""One list of reasons for saying no: used by match answers and contact requests (and, later,
quotes, applications and lost deals), so that the reasons can be counted side by side."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RefusalReason(models.TextChoices):
    NOT_OUR_FIELD = "not_our_field", _("not our field")
    TOO_EARLY = "too_early", _("too early")
    BENEFIT_UNCLEAR = "benefit_unclear", _("benefit unclear")
    PRICE = "price", _("price")
    REGION = "region", _("region")
    OTHER = "other", _("other")
