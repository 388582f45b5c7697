"""Forms of the deal's pages. They check the shape of what was typed (a number, a date, a code
from the list); what the deal allows (the stage, who acts, the table's checks) the services
decide, and their errors come back on these forms' fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.forms import MultipleFileField
from deals.models import Contract, DealDocument, Milestone
from deals.services import CONTRACT_FIELDS, NOTE_MAX_LENGTH, REGISTRATION_FIELDS
from outcomes.reasons import RefusalReason


class DateInput(forms.DateInput):
    """The browser's date picker; the value it sends (and shows back) is ISO: 2026-03-31."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _amount_widget():
    # Amounts in 万元: a number box that still lets a person type what they like (the form,
    # not the browser, says what is wrong, in the page's language).
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class DealOpenForm(forms.Form):
    title = forms.CharField(
        label=_("deal title"),
        required=False,
        max_length=200,
        help_text=_("Left empty, the deal takes the conversation's subject."),
    )


class ActionForm(forms.Form):
    """One step of the deal's table. The reason and the note are required by the steps that
    need them (closing as lost, terminating, rejecting a registration): the service says so."""

    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label=_("reason"),
        required=False,
        choices=[("", _("— choose a reason —")), *RefusalReason.choices],
    )
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ContractForm(forms.ModelForm):
    """The terms, as the technology-contract registration form records them (amounts in 万元)."""

    class Meta:
        model = Contract
        fields = list(CONTRACT_FIELDS)
        widgets = {
            "total_amount": _amount_widget(),
            "non_technical_amount": _amount_widget(),
            "payment_note": forms.Textarea(attrs={"rows": 2}),
            "signed_on": DateInput(),
            "ends_on": DateInput(),
        }
        help_texts = {
            "non_technical_amount": _(
                "Equipment, parts and materials bought for the contract; they do not count as "
                "the technology transaction amount."
            ),
            "signed_on": _("Needed before both sides confirm the signing."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("contract_type", "payment_terms"):
            self.fields[name].choices = [("", _("— choose —")), *self.fields[name].choices[1:]]
        self.fields["non_technical_amount"].required = False


class RegistrationForm(forms.ModelForm):
    """技术合同认定登记: the number and the date, sent to the CAST staff for verification."""

    class Meta:
        model = Contract
        fields = list(REGISTRATION_FIELDS)
        widgets = {
            "registration_number": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 16}
            ),
            "registered_on": DateInput(),
        }
        help_texts = {
            "registration_number": _("16 digits, as on the registration certificate."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in REGISTRATION_FIELDS:
            self.fields[name].required = True

    def _post_clean(self):
        super()._post_clean()
        # One reason is enough: a number in the wrong shape fails the model's year check too.
        errors = self._errors.get("registration_number") if self._errors else None
        if errors and len(errors) > 1:
            del errors[1:]


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_on", "amount", "acceptance_criteria"]
        widgets = {
            "due_on": DateInput(),
            "amount": _amount_widget(),
            "acceptance_criteria": forms.Textarea(attrs={"rows": 2}),
        }


class DeliverForm(forms.Form):
    note = forms.CharField(
        label=_("what was delivered"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    files = MultipleFileField(
        label=_("delivery documents"),
        required=False,
        help_text=_("PDF, Office documents or images."),
    )


class ReviewForm(forms.Form):
    ACCEPT, RETURN = "accept", "return"
    decision = forms.ChoiceField(
        choices=[(ACCEPT, _("accept")), (RETURN, _("send back"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("acceptance note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to send it back: say what is missing."),
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("document kind"),
        choices=[("", _("— choose —")), *DealDocument.Kind.choices],
        error_messages={"required": _("Choose what the document is.")},
    )
    file = forms.FileField(
        label=_("file"),
        error_messages={"required": _("Choose a file to upload.")},
        help_text=_("PDF, Office documents or images."),
    )
