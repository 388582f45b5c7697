from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import PlainLineValidator
from organizations.models import ApiToken, Organization
from taxonomy.forms import SearchableSelectMultiple, region_field
from taxonomy.models import Field, Region

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


# Kinds that are companies, whose business licence (营业执照) the reviewer checks.
LICENSED_KINDS = (Organization.Kind.ENTERPRISE, Organization.Kind.AGENCY)


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    # Checked and stored by the services; a plain input, so the licence on file cannot be cleared.
    business_licence = forms.FileField(
        label=_("business licence"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        help_text=_(
            "Enterprises and service agencies: a scan or PDF of the business licence (营业执照). "
            "PDF, JPG or PNG, at most 10 MB; seen only by your administrators and the reviewers."
        ),
    )
    fields_of_interest = forms.ModelMultipleChoiceField(
        Field.objects.filter(level__lte=2),
        label=_("fields of interest"),
        required=False,
        widget=SearchableSelectMultiple(attrs={"size": 8}),
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
        if self.instance.business_licence:
            self.fields["business_licence"].help_text = _(
                "A business licence is on file; choose a file only to replace it. "
                "PDF, JPG or PNG, at most 10 MB."
            )

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
        if kind in LICENSED_KINDS and not self.instance.pk and not data.get("business_licence"):
            self.add_error(
                "business_licence",
                _(
                    "Enterprises and service agencies must upload their business licence "
                    "to register."
                ),
            )
        return data

    def service_arguments(self):
        """(profile data, fields of interest, new business licence file or None)."""
        data = {name: self.cleaned_data[name] for name in PROFILE_FIELDS}
        return (
            data,
            list(self.cleaned_data["fields_of_interest"]),
            self.cleaned_data["business_licence"],
        )


class OrganizationFilterForm(forms.Form):
    """The organization list's search: name, type, province, then one of its cities."""

    q = forms.CharField(label=_("name"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("organization type"), required=False)
    province = forms.ModelChoiceField(
        Region.objects.filter(level=Region.Level.PROVINCE),
        label=_("province"),
        required=False,
        empty_label=_("all provinces"),
    )
    city = forms.ModelChoiceField(
        Region.objects.none(), label=_("city"), required=False, empty_label=_("all cities")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("all types")), *Organization.Kind.choices]
        self.fields["province"].label_from_instance = lambda region: region.label
        self.fields["city"].label_from_instance = lambda region: region.label
        # The cities offered are those of the chosen province.
        province = self.data.get("province")
        if province and str(province).isdigit():
            self.fields["city"].queryset = Region.objects.filter(
                level=Region.Level.CITY, parent_id=province
            )

    def selector_arguments(self):
        """What organization_list_public takes; a value that does not fit is left out."""
        self.is_valid()
        cleaned = self.cleaned_data
        return {
            "query": cleaned.get("q", "").strip(),
            "kind": cleaned.get("kind") or None,
            "province": cleaned.get("province"),
            "city": cleaned.get("city"),
        }


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("token name"), max_length=64, validators=[PlainLineValidator(_("token name"))]
    )
    scopes = forms.MultipleChoiceField(
        label=_("besides reading, the program may"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[ApiToken.Scope.WRITE],
    )
    valid_days = forms.TypedChoiceField(
        label=_("valid for"),
        choices=[
            (30, _("30 days")),
            (90, _("90 days")),
            (365, _("one year")),
            ("", _("until revoked")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        initial=90,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        if organization.kind != Organization.Kind.CAST_OFFICE:
            self.fields["scopes"].choices = [
                choice for choice in ApiToken.Scope.choices if choice[0] != ApiToken.Scope.REVIEW
            ]


class OrganizationReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("approve")), ("reject", _("reject"))])
    note = forms.CharField(label=_("reason"), required=False, max_length=2000)
