from django import forms
from django.utils.translation import gettext_lazy as _

from credit.services import STATEMENT_MAX_LENGTH


class AppealForm(forms.Form):
    event = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": _("Choose an event that counts against your credit."),
            "invalid": _("Choose an event that counts against your credit."),
            "min_value": _("Choose an event that counts against your credit."),
        },
    )
    statement = forms.CharField(
        label=_("why this event should not count"),
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why this event should not count against you.")},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("uphold", _("uphold")), ("dismiss", _("dismiss"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("note to the organization"),
        required=False,
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
