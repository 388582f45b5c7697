from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import sign_up_awaiting_login

# Django 5.2's MinimumLengthValidator asks for this message, which Django's own zh_Hans
# catalogue lacks (it translates an older wording): named here so that the project's catalogue
# carries it and a short password is refused in Chinese like every other one.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)


class SignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("e-mail"), required=True)
    accept_terms = forms.BooleanField(
        required=True,
        error_messages={"required": _("Tick this box to sign up.")},
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request: the links and the wording follow the visitor's language.
        self.fields["accept_terms"].label = format_html(
            gettext(
                "I have read and agree to the {agreement_link}user agreement{end} "
                "and the {privacy_link}privacy policy{end}."
            ),
            agreement_link=format_html(
                '<a href="{}" target="_blank">', reverse("accounts:agreement")
            ),
            privacy_link=format_html('<a href="{}" target="_blank">', reverse("accounts:privacy")),
            end=mark_safe("</a>"),
        )

    def clean_email(self):
        # Whether an account already uses the address is not a form error: the sign-up answers
        # the same either way and the address's owner is told by e-mail (services.user_sign_up).
        return self.cleaned_data["email"].lower()

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "username": data["username"],
            "email": data["email"],
            "password": data["password1"],
            "display_name": data["display_name"],
            "phone": data["phone"],
        }


class SignUpLinkResendForm(forms.Form):
    email = forms.EmailField(label=_("e-mail"))


class LoginForm(AuthenticationForm):
    """Django's log-in form, which also says when the details are right but belong to a sign-up
    whose address is not confirmed yet (`awaiting_sign_up`: then the page offers a new link)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "unconfirmed": _(
            "Your account is not active yet: open the link we sent to your e-mail address to "
            "confirm it."
        ),
    }

    awaiting_sign_up = None

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            # A locked-out address (django-axes) is answered by its lockout page, untouched.
            if getattr(self.request, "axes_locked_out", False):
                raise
            self.awaiting_sign_up = sign_up_awaiting_login(
                username=self.cleaned_data.get("username") or "",
                password=self.cleaned_data.get("password") or "",
            )
            if self.awaiting_sign_up is None:
                raise
            raise forms.ValidationError(
                self.error_messages["unconfirmed"], code="unconfirmed"
            ) from None
