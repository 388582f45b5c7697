from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import PlainLineValidator


class User(AbstractUser):
    display_name = models.CharField(
        _("display name"),
        max_length=64,
        blank=True,
        validators=[PlainLineValidator(_("display name"))],
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    # PIPL: when the person agreed to the user agreement and privacy policy, and to which version.
    terms_version = models.CharField(_("version of the terms agreed to"), max_length=16, blank=True)
    terms_accepted_at = models.DateTimeField(_("terms agreed to at"), null=True, blank=True)

    def __str__(self):
        return self.display_name or self.username
