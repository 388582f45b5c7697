from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.models import (
    MESSAGE_MAX_LENGTH,
    REQUEST_MESSAGE_MAX_LENGTH,
    AbuseReport,
    DeclineReason,
    SharedContact,
)
from organizations.models import Organization


class ContactRequestForm(forms.Form):
    """“我要对接”: a short message to the listing's owner, in the name of one's organization."""

    organization = forms.ModelChoiceField(
        Organization.objects.none(), label=_("in the name of"), empty_label=None
    )
    message = forms.CharField(
        label=_("message to the owner"),
        max_length=REQUEST_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write a short message: who you are and what you would like.")
        },
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self._only = organizations[0] if len(organizations) == 1 else None
        if self._only is not None:
            self.fields["organization"].initial = self._only
            self.fields["organization"].widget = forms.HiddenInput()
            self.fields["organization"].required = False

    def clean_organization(self):
        return self.cleaned_data.get("organization") or self._only


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("reason"),
        choices=[("", _("— choose a reason —")), *DeclineReason.choices],
        error_messages={"required": _("Choose why you decline from the list.")},
    )
    note = forms.CharField(
        label=_("note to the requester"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("message"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    files = MultipleFileField(
        label=_("attachments"),
        required=False,
        help_text=_("PDF, Office documents or images, up to 5 files of 20 MB each."),
    )


class SharedContactForm(forms.ModelForm):
    class Meta:
        model = SharedContact
        fields = ["name", "phone", "email"]


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("what is wrong"),
        choices=[("", _("— choose —")), *AbuseReport.Reason.choices],
        error_messages={"required": _("Choose what is wrong from the list.")},
    )
    note = forms.CharField(
        label=_("details"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("what was done"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what was done.")},
    )
