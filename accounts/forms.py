from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User


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
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail already exists."))
        return email

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "username": data["username"],
            "email": data["email"],
            "password": data["password1"],
            "display_name": data["display_name"],
            "phone": data["phone"],
        }
