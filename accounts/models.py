from django.conf import settings
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
    # The language the person last chose with the language button: their notifications and
    # e-mails are written in it, whoever's action sent them. Blank: the platform's.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    def __str__(self):
        return self.display_name or self.username

    @property
    def message_language(self):
        return self.language or settings.LANGUAGE_CODE


class SignUp(models.Model):
    """A sign-up waiting for its address to be confirmed; the account is made when the link
    sent to the address is opened.

    Until then nothing is reserved: neither the username nor the address is taken from anyone.
    An account created at once, even an inactive one, would hold the username, and whether a
    second sign-up may use that username would tell whether the first one's address already
    had an account (no account is created for an address that has one).
    """

    username = models.CharField(_("username"), max_length=150)
    email = models.EmailField(_("e-mail"))
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    # Hashed as User.password is, and copied into the account as it is.
    password = models.CharField(_("password"), max_length=128)
    terms_version = models.CharField(_("version of the terms agreed to"), max_length=16)
    terms_accepted_at = models.DateTimeField(_("terms agreed to at"))
    # When the newest link went out: sign-ups are forgotten some time after it.
    link_sent_at = models.DateTimeField(_("link sent at"), db_index=True)

    class Meta:
        verbose_name = _("sign-up awaiting confirmation")
        verbose_name_plural = _("sign-ups awaiting confirmation")

    def __str__(self):
        return f"{self.username} <{self.email}>"
