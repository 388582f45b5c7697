"""The filters of the statistics pages, their CSV exports and the API (GET parameters)."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from taxonomy.models import Field, Region


class _RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region: Region) -> str:
        return ("· " if region.level == Region.Level.CITY else "") + region.label


class _FieldChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item: Field) -> str:
        return "· " * (item.level - 1) + item.label


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends), as its first day."""

    widget = forms.DateInput(attrs={"type": "month", "placeholder": "2025-01"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2025-03.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        year, _sep, month = value.partition("-")
        if not (len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not (1 <= int(month) <= 12 and int(year) >= 1900):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(year), int(month), 1)


class StatisticsFilterForm(forms.Form):
    """Region (a province includes its cities), field (a field includes its sub-fields),
    organization type and a range of months of publication. `regions`: the regions that may
    be chosen (a staff member's), all unless given."""

    region = _RegionChoiceField(
        label=_("region"),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("all regions"),
    )
    field = _FieldChoiceField(
        label=_("field"),
        queryset=Field.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("all fields"),
    )
    organization_kind = forms.ChoiceField(
        label=_("organization type"),
        choices=[("", _("all types"))]
        + [
            (value, label)
            for value, label in Organization.Kind.choices
            if value != Organization.Kind.CAST_OFFICE
        ],
        required=False,
    )
    month_from = MonthField(label=_("published from (month)"), required=False)
    month_to = MonthField(label=_("published until (month)"), required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Region.objects.order_by("code")
        if regions is not None:
            queryset = queryset.filter(pk__in=regions)
        self.fields["region"].queryset = queryset

    def clean(self):
        data = super().clean()
        start, end = data.get("month_from"), data.get("month_to")
        if start and end and start > end:
            self.add_error("month_to", _("The last month comes before the first."))
        return data
