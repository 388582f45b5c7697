from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.validators import PlainLineValidator
from core.web import add_service_errors
from repositories.models import ListingKind
from subscriptions.models import Frequency
from subscriptions.services import DEFAULTS, subscription_clean
from taxonomy.forms import SearchableSelectMultiple
from taxonomy.models import Field, Region


class GroupedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple select with <optgroup>s, like taxonomy.forms.GroupedModelChoiceField.

    `group_of(obj)` names each option's group and `label_of(obj)` its text.
    """

    def __init__(self, queryset, group_of, label_of, **kwargs):
        self.group_of = group_of
        self.label_of = label_of
        super().__init__(queryset, **kwargs)

    def _get_choices(self):
        groups = {}
        for obj in self.queryset:
            groups.setdefault(self.group_of(obj), []).append((obj.pk, self.label_of(obj)))
        return list(groups.items())

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


def _whole(node):
    return gettext("%(name)s (all)") % {"name": node.label}


def _field_label(field):
    return _whole(field) if field.level < Field.Level.DIRECTION else f"— {field.label}"


def _region_label(region):
    return _whole(region) if region.level == Region.Level.PROVINCE else region.label


def field_multiple_field(**kwargs):
    """Technical fields of every level, grouped by domain; directions indented."""
    return GroupedModelMultipleChoiceField(
        Field.objects.select_related("parent__parent").order_by("code"),
        group_of=lambda field: field.lineage()[0].label,
        label_of=_field_label,
        widget=SearchableSelectMultiple(attrs={"size": 10}),
        **kwargs,
    )


def region_multiple_field(**kwargs):
    """Provinces and cities, grouped by province."""
    return GroupedModelMultipleChoiceField(
        Region.objects.select_related("parent").order_by("code"),
        group_of=lambda region: (region.parent or region).label,
        label_of=_region_label,
        widget=SearchableSelectMultiple(attrs={"size": 10}),
        **kwargs,
    )


class SubscriptionForm(forms.Form):
    """The criteria of a subscription; the rules across fields are the service's."""

    name = forms.CharField(
        label=_("name"),
        max_length=64,
        required=False,
        validators=[PlainLineValidator(_("name"))],
        help_text=_("Leave it empty to name the subscription after its criteria."),
    )
    keywords = forms.CharField(
        label=_("keywords"),
        max_length=200,
        required=False,
        help_text=_(
            "Separate phrases with commas or semicolons, e.g. 锂电池回收；固态电池. "
            "A listing matches when it contains every word of any one phrase."
        ),
    )
    # The grouped selects (fields, regions) are added in __init__: building their choices
    # reads the taxonomy tables, which must not happen at import time.
    kinds = forms.MultipleChoiceField(
        label=_("kinds of listing"),
        choices=ListingKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none to receive every kind."),
    )
    frequency = forms.ChoiceField(
        label=_("frequency"),
        choices=Frequency.choices,
        initial=Frequency.INSTANT,
        help_text=_("Instantly: a notification and an e-mail for each new listing."),
    )

    def __init__(self, *args, subscription=None, **kwargs):
        if subscription is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": subscription.name,
                "keywords": subscription.keywords,
                "fields": [field.pk for field in subscription.fields.all()],
                "regions": [region.pk for region in subscription.regions.all()],
                "kinds": subscription.kinds,
                "frequency": subscription.frequency,
            }
        super().__init__(*args, **kwargs)
        grouped = {
            "fields": field_multiple_field(
                label=_("technical fields"),
                required=False,
                help_text=_("A domain or an industry covers every direction under it."),
            ),
            "regions": region_multiple_field(
                label=_("regions"),
                required=False,
                help_text=_("A province covers its cities."),
            ),
        }
        # Keep the page's order: name, keywords, fields, regions, kinds, frequency.
        self.fields = {
            **{name: self.fields[name] for name in ("name", "keywords")},
            **grouped,
            **{name: self.fields[name] for name in ("kinds", "frequency")},
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            subscription_clean(data={**DEFAULTS, **self.service_data()})
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned

    def service_data(self):
        """The values as the subscription services take them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "keywords": data["keywords"],
            "fields": list(data["fields"]),
            "regions": list(data["regions"]),
            "kinds": data["kinds"],
            "frequency": data["frequency"],
        }

    def preview_criteria(self):
        """The criteria as subscription_preview takes them."""
        data = self.cleaned_data
        return {
            "kinds": data["kinds"],
            "fields": list(data["fields"]),
            "regions": list(data["regions"]),
            "keywords": data["keywords"],
        }
