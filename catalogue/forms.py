from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.models import (
    DELIVERABLES_MAX_LENGTH,
    LEAD_TIME_MAX_DAYS,
    PRICE_MAX,
    PriceKind,
    ServiceCategory,
    ServiceOffering,
)
from catalogue.selectors import category_list
from subscriptions.forms import field_multiple_field, region_multiple_field
from taxonomy.forms import SearchableSelect, region_field
from taxonomy.models import Field


class OfferingForm(forms.ModelForm):
    """An offering's fields with the platform's Chinese messages; the rules across fields (the
    amount against the price kind, the category against the provider's kind) are the
    service's and come back on their fields."""

    class Meta:
        model = ServiceOffering
        fields = [
            "provider",
            "category",
            "title",
            "description",
            "deliverables",
            "price_kind",
            "price_amount",
            "lead_time_days",
            "regions",
            "fields",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "deliverables": forms.Textarea(attrs={"rows": 4}),
            "price_kind": forms.RadioSelect,
        }

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        provider = self.fields["provider"] = forms.ModelChoiceField(
            organizations,
            label=_("provider"),
            empty_label=None,
            error_messages={"invalid_choice": _("Choose one of your organizations.")},
        )
        self._only = organizations[0] if len(organizations) == 1 else None
        if self.instance.pk:
            provider.disabled = True
            provider.initial = self.instance.provider_id
        elif self._only is not None:
            provider.initial = self._only.pk
            provider.widget = forms.HiddenInput()
            provider.required = False
        self.fields["category"] = forms.ModelChoiceField(
            category_list(),
            label=_("category"),
            empty_label=_("— choose a category —"),
            error_messages={"required": _("Choose the category of the service.")},
        )
        self.fields["regions"] = region_multiple_field(
            label=_("regions served"),
            required=False,
            help_text=ServiceOffering._meta.get_field("regions").help_text,
        )
        self.fields["fields"] = field_multiple_field(
            label=_("technical fields"),
            required=False,
            help_text=ServiceOffering._meta.get_field("fields").help_text,
        )
        self.fields["title"].error_messages.update(
            required=_("Give the service a title."),
            max_length=_("The title can have at most 120 characters."),
        )
        self.fields["description"].error_messages["required"] = _(
            "Describe the service: what you do and how."
        )
        self.fields["deliverables"].error_messages.update(
            required=_("List what the buyer receives, one item a line."),
            max_length=_("The deliverables can have at most %(limit)s characters.")
            % {"limit": DELIVERABLES_MAX_LENGTH},
        )
        too_much = _("The amount can be at most %(max)s yuan.") % {"max": f"{PRICE_MAX:,}"}
        self.fields["price_amount"] = forms.DecimalField(
            label=_("amount (yuan)"),
            required=False,
            min_value=0,
            max_value=PRICE_MAX,
            max_digits=11,
            decimal_places=2,
            help_text=_("In yuan. Leave it empty when the price is on quote."),
            error_messages={
                "invalid": _("Enter the amount as a number of yuan, such as 5000 or 1200.50."),
                "min_value": _("The amount cannot be negative."),
                "max_value": too_much,
                "max_digits": too_much,
                "max_whole_digits": too_much,
                "max_decimal_places": _("The amount can have at most 2 decimal places."),
            },
        )
        self.fields["lead_time_days"] = forms.IntegerField(
            label=_("lead time (days)"),
            min_value=1,
            max_value=LEAD_TIME_MAX_DAYS,
            help_text=ServiceOffering._meta.get_field("lead_time_days").help_text,
            error_messages={
                "required": _("Enter the lead time in days."),
                "invalid": _("Enter the lead time as a whole number of days."),
                "min_value": _("The lead time is at least 1 day."),
                "max_value": _("The lead time can be at most %(days)s days.")
                % {"days": LEAD_TIME_MAX_DAYS},
            },
        )
        self.fields["price_kind"].error_messages.update(
            required=_("Choose how the service is priced."),
            invalid_choice=_("Choose how the service is priced from the list."),
        )

    def clean_provider(self):
        return self.cleaned_data.get("provider") or self._only

    def _post_clean(self):
        # The model's checks run in the service, with the rules across fields.
        pass


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("approve")), ("reject", _("reject"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("note to the provider"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BrowseForm(forms.Form):
    """The catalogue's filters; one that is not understood is dropped with a warning."""

    q = forms.CharField(label=_("keywords"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        ServiceCategory.objects.order_by("position"),
        label=_("category"),
        to_field_name="code",
        required=False,
        empty_label=_("all categories"),
    )
    region = forms.Field(required=False)  # set per form: its choices are read from the database
    field = forms.ModelChoiceField(
        Field.objects.filter(level__lt=Field.Level.DIRECTION).order_by("code"),
        label=_("technical field"),
        to_field_name="code",
        required=False,
        empty_label=_("all fields"),
        widget=SearchableSelect,
    )
    price_kind = forms.ChoiceField(
        label=_("price"),
        required=False,
        choices=[("", _("any price")), *PriceKind.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = region_field(
            label=_("region served"), required=False, empty_label=_("all regions")
        )
        self.order_fields(["q", "category", "region", "field", "price_kind"])
