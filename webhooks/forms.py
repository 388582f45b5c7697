from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import PlainLineValidator
from webhooks.models import WebhookEvent


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address of your system that accepts JSON POST requests."),
    )
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
        help_text=_(
            "A ping is sent whenever you ask for one; subscribe to it to get one on setup."
        ),
    )
    description = forms.CharField(
        label=_("description"),
        max_length=100,
        required=False,
        validators=[PlainLineValidator(_("description"))],
        help_text=_("What receives the webhooks, for your colleagues."),
    )
    is_active = forms.BooleanField(label=_("enabled"), required=False, initial=True)

    @classmethod
    def for_endpoint(cls, endpoint, data=None):
        return cls(
            data,
            initial={
                "url": endpoint.url,
                "events": endpoint.events,
                "description": endpoint.description,
                "is_active": endpoint.is_active,
            },
        )
