from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from repositories.models import (
    COMMON_FIELDS,
    KIND_FIELDS,
    MODEL_BY_KIND,
    RELATION_FIELDS,
    Attachment,
    Project,
)
from repositories.validators import listing_error_messages, listing_rule_errors
from taxonomy.forms import direction_field, region_field
from taxonomy.models import CooperationMode


def _use_platform_messages(form):
    """Replace Django's stock wording of the fields' errors with the platform's own."""
    for name, field in form.fields.items():
        try:
            model_field = form._meta.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        field.error_messages.update(listing_error_messages(model_field, field.label))


class ListingForm(forms.ModelForm):
    """The one-page publish form; the organization choice is limited to the author's own."""

    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("organization"))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]
            self.fields["organization"].widget = forms.HiddenInput()
        self.fields["field"] = direction_field(label=_("technical field"), required=False)
        self.fields["region"] = region_field(label=_("region"))
        self.fields["cooperation_modes"] = forms.ModelMultipleChoiceField(
            CooperationMode.objects.all(),
            label=_("cooperation modes"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        if "seeking" in self.fields:
            self.fields["seeking"] = forms.MultipleChoiceField(
                choices=Project.Seeking.choices,
                label=_("seeking"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        if "societies" in self.fields:
            self.fields["societies"].queryset = Organization.objects.filter(
                kind=Organization.Kind.SOCIETY, status=Organization.Status.VERIFIED
            )
            self.fields["societies"].widget = forms.CheckboxSelectMultiple()
        if self.instance.pk:
            self.fields["organization"].disabled = True
            self.fields["organization"].initial = self.instance.organization
        elif not self.is_bound and len(organizations):
            self.fields["region"].initial = organizations[0].region_id
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 4)
            if name == "confidential_details":
                field.widget.attrs["rows"] = 3
        _use_platform_messages(self)

    def clean(self):
        # The rules across fields run with the field checks, so all errors show at once.
        cleaned_data = super().clean()
        rule_errors = listing_rule_errors(model=self._meta.model, values=cleaned_data)
        for name, message in rule_errors.items():
            self.add_error(name, message)
        return cleaned_data

    def service_arguments(self):
        """(data, relations) as the listing services take them."""
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in RELATION_FIELDS and name != "organization"
        }
        relations = {
            name: self.cleaned_data[name] for name in RELATION_FIELDS if name in self.cleaned_data
        }
        return data, relations


def listing_form_class(kind):
    widgets = {"deadline": forms.DateInput(attrs={"type": "date"})}
    return forms.modelform_factory(
        MODEL_BY_KIND[kind],
        form=ListingForm,
        fields=COMMON_FIELDS + KIND_FIELDS[kind] + ["confidential_details"],
        widgets=widgets,
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("approve")), ("return", _("return"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["file", "is_confidential"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _use_platform_messages(self)


class AccessRequestForm(forms.Form):
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("organization"))
    message = forms.CharField(
        label=_("message"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
