from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from taxonomy.forms import region_field
from taxonomy.models import Field

PROFILE_FIELDS = [
    "name",
    "kind",
    "region",
    "credit_code",
    "description",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
    "parent",
]


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    fields_of_interest = forms.ModelMultipleChoiceField(
        Field.objects.filter(level__lte=2),
        label=_("fields of interest"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = Organization
        fields = PROFILE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The type decides what an organization may do; it is settled at registration.
            self.fields["kind"].disabled = True
        else:
            self.fields["kind"].choices = [
                choice
                for choice in Organization.Kind.choices
                if choice[0] != Organization.Kind.CAST_OFFICE
            ]
        self.fields["region"] = region_field(label=_("region"))
        self.fields["parent"].queryset = Organization.objects.filter(
            kind=Organization.Kind.SOCIETY, status=Organization.Status.VERIFIED
        )
        self.fields["fields_of_interest"].label_from_instance = lambda f: (
            ("· " if f.level == 2 else "") + f.label
        )
        if self.instance.pk:
            self.fields["fields_of_interest"].initial = self.instance.fields.all()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Organization.Kind.SERVICE_TEAM and not data.get("parent"):
            self.add_error("parent", _("An expert service team belongs to a society: choose it."))
        if kind in (
            Organization.Kind.ENTERPRISE,
            Organization.Kind.AGENCY,
            Organization.Kind.INVESTOR,
        ):
            if not data.get("credit_code"):
                self.add_error(
                    "credit_code",
                    _(
                        "Enterprises, service agencies and investors must give their "
                        "unified social credit code."
                    ),
                )
        return data

    def service_arguments(self):
        data = {name: self.cleaned_data[name] for name in PROFILE_FIELDS}
        return data, list(self.cleaned_data["fields_of_interest"])


class TokenForm(forms.Form):
    name = forms.CharField(label=_("token name"), max_length=64)


class OrganizationReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("approve")), ("reject", _("reject"))])
    note = forms.CharField(label=_("reason"), required=False, max_length=2000)
