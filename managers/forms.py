"""Forms of the technology managers' pages. They check the shape of what was typed (a number,
a date, a choice from the list); what a mandate or a certificate allows (who, the status, the
terms) the services decide, and their errors come back on these forms' fields."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.forms import DateInput
from managers.models import CERTIFICATE_EXTENSIONS, ManagerProfile
from organizations.models import Mandate, Organization
from repositories.models import Listing, ListingStatus
from taxonomy.forms import SearchableSelect, SearchableSelectMultiple, region_field
from taxonomy.models import Field

NOTE_MAX_LENGTH = 1000
KEYWORDS_MAX_LENGTH = 100


def _field_label(field):
    return ("· " if field.level == Field.Level.INDUSTRY else "") + field.label


def _fields_queryset():
    return Field.objects.filter(level__lte=Field.Level.INDUSTRY).order_by("code")


def _yuan_field(label, *, max_digits=12, required=True, help_text=""):
    # Typed freely: the form, not the browser, says what is wrong, in the page's language.
    return forms.DecimalField(
        label=label,
        max_digits=max_digits,
        decimal_places=2,
        min_value=0,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class DirectoryForm(forms.Form):
    """The directory's filters; one that is not understood is dropped with a warning."""

    q = forms.CharField(label=_("keywords"), required=False, max_length=KEYWORDS_MAX_LENGTH)
    field = forms.ModelChoiceField(
        _fields_queryset(),
        label=_("technical field"),
        to_field_name="code",
        required=False,
        empty_label=_("all fields"),
        widget=SearchableSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].label_from_instance = _field_label


class ProfileForm(forms.ModelForm):
    class Meta:
        model = ManagerProfile
        fields = ["name", "headline", "fields", "region", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "bio": _("Your record: the transfers and licences you brokered, for whom, and how."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = region_field(
            label=_("region"),
            help_text=_("Where you work: the CAST staff of this region verify your certificate."),
        )
        choose = self.fields["fields"]
        choose.queryset = _fields_queryset()
        choose.widget = SearchableSelectMultiple(attrs={"size": 8})
        choose.label_from_instance = _field_label
        choose.help_text = _("The technical fields you broker deals in.")


class CertificateForm(forms.Form):
    certificate_number = forms.CharField(label=_("certificate number"), max_length=40)
    certificate_issuer = forms.CharField(
        label=_("issued by"),
        max_length=100,
        help_text=_("For example: 中国科学技术交流中心, or a provincial training body."),
    )
    certificate_level = forms.CharField(
        label=_("level"),
        max_length=40,
        required=False,
        help_text=_("初级, 中级 or 高级, as printed on the certificate."),
    )
    certificate_file = forms.FileField(
        label=_("certificate scan"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in CERTIFICATE_EXTENSIONS)}
        ),
        help_text=_(
            "PDF, PNG or JPG, at most 10 MB; seen only by you and the CAST staff who verify it."
        ),
    )

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        if profile is not None and profile.certificate_file:
            self.fields["certificate_file"].widget = forms.FileInput(
                attrs=self.fields["certificate_file"].widget.attrs
            )
            self.fields["certificate_file"].help_text = _(
                "A scan is on file; choose a file only to replace it. PDF, PNG or JPG, at most "
                "10 MB."
            )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("verify", _("verify the certificate")), ("reject", _("do not verify"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("note to the manager"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the certificate is not verified: say why."),
    )


class ListingsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, listing):
        return f"{listing.get_kind_display()} · {listing.title}"


def _listings_field(queryset):
    return ListingsChoiceField(
        queryset,
        label=_("listings in scope"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one listing the manager acts on.")},
        help_text=_("On these listings, and the deals about them, the manager acts for you."),
    )


def mandate_organizations(actor):
    """The organizations the actor may give mandates for: those it administers, not a CAST
    office (the offices oversee)."""
    return (
        Organization.objects.filter(pk__in=actor.admin_organization_ids)
        .exclude(kind=Organization.Kind.CAST_OFFICE)
        .order_by("name", "id")
    )


def listings_in_reach(organization_ids):
    """The listings a mandate may cover: the organizations' own that are not closed."""
    return (
        Listing.objects.filter(organization_id__in=organization_ids)
        .exclude(status=ListingStatus.CLOSED)
        .select_related("organization")
        .order_by("organization_id", "-id")
    )


class MandateForm(forms.Form):
    organization = forms.ModelChoiceField(
        Organization.objects.none(), label=_("mandating organization"), empty_label=None
    )
    manager = forms.ModelChoiceField(
        ManagerProfile.objects.none(),
        label=_("technology manager"),
        empty_label=_("— choose —"),
        widget=SearchableSelect,
    )
    listings = forms.ModelMultipleChoiceField(Listing.objects.none())
    scope_note = forms.CharField(
        label=_("what the manager is asked to do"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: find licensees, negotiate the terms, see the contract through."),
    )
    base_fee = _yuan_field(
        _("base service fee (yuan)"), help_text=_("Due once a deal in scope is registered.")
    )
    success_share = forms.DecimalField(
        label=_("success share (percent of the technical-transaction amount)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Of the technical-transaction amount the CAST staff verify."),
    )
    cap = _yuan_field(
        _("commission cap (yuan)"),
        required=False,
        help_text=_("Left empty, no cap."),
    )
    starts_on = forms.DateField(label=_("in force from"), widget=DateInput())
    ends_on = forms.DateField(label=_("in force until"), widget=DateInput())

    def __init__(self, *args, actor, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        organization_ids = list(organizations.values_list("pk", flat=True))
        self.only_organization = organizations.first() if len(organization_ids) == 1 else None
        if self.only_organization is not None:
            # Nothing to choose: the one organization the actor administers.
            self.fields["organization"].widget = forms.HiddenInput()
            self.fields["organization"].initial = organization_ids[0]
            self.fields["organization"].required = False
        self.fields["manager"].queryset = (
            ManagerProfile.objects.filter(
                certificate_status=ManagerProfile.CertificateStatus.VERIFIED
            )
            .exclude(user=actor.user)
            .select_related("region")
        )
        self.fields["manager"].label_from_instance = lambda profile: (
            f"{profile.name} · {profile.region.label}"
            + (f" · {profile.headline}" if profile.headline else "")
        )
        self.fields["listings"] = _listings_field(listings_in_reach(organization_ids))
        if len(organization_ids) > 1:
            self.fields["listings"].label_from_instance = lambda listing: (
                f"{listing.organization.name} · {listing.get_kind_display()} · {listing.title}"
            )
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today + timedelta(days=365)
        self.fields["base_fee"].initial = 0

    def clean(self):
        data = super().clean()
        if self.only_organization is not None and "organization" not in self.errors:
            data["organization"] = data.get("organization") or self.only_organization
        organization, listings = data.get("organization"), data.get("listings")
        if (
            organization
            and listings
            and any(listing.organization_id != organization.pk for listing in listings)
        ):
            self.add_error(
                "listings", _("A mandate covers only the mandating organization's own listings.")
            )
        return data


class MandateListingsForm(forms.Form):
    def __init__(self, *args, mandate: Mandate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["listings"] = _listings_field(listings_in_reach([mandate.organization_id]))
        if not self.is_bound:
            self.fields["listings"].initial = list(mandate.listings.values_list("pk", flat=True))


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("why you decline (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EndForm(forms.Form):
    note = forms.CharField(
        label=_("why the mandate ends"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the mandate ends.")},
    )
