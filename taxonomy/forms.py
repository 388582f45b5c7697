"""Choice fields over the taxonomy, grouped the way people scan them, and their pickers.

The picker widgets mark their select for static/js/techbridge.js, which enhances it: a searchable
picker (Tom Select, from npm) for technical fields and lists of regions, a province → city cascade
for a single region. Without JavaScript each stays a working native select.
"""

from django import forms
from django.forms.models import ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _

from taxonomy.models import Field, Region


class PickerMixin:
    """Names the enhancement in data-picker and gives each option its group's name.

    Tom Select searches the data-group too, so typing a province or a domain finds every
    option under it.
    """

    picker = "search"

    def __init__(self, attrs=None, **kwargs):
        attrs = {
            "data-picker": self.picker,
            "data-no-results": _("Nothing matches."),
            "data-placeholder": _("Type to search…"),
            **(attrs or {}),
        }
        super().__init__(attrs, **kwargs)

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        for group_name, options, _index in groups:
            for option in options:
                if group_name:
                    option["attrs"]["data-group"] = group_name
        return groups


class SearchableSelect(PickerMixin, forms.Select):
    pass


class SearchableSelectMultiple(PickerMixin, forms.SelectMultiple):
    pass


class RegionCascadeSelect(PickerMixin, forms.Select):
    """One region, picked as a province and then one of its cities (or the whole province)."""

    picker = "region"

    def __init__(self, attrs=None, **kwargs):
        super().__init__(
            {
                "data-province-label": _("province"),
                "data-city-label": _("city"),
                "data-whole-province": _("the whole province"),
                **(attrs or {}),
            },
            **kwargs,
        )

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if isinstance(value, ModelChoiceIteratorValue):
            option["attrs"]["data-level"] = (
                "province" if value.instance.level == Region.Level.PROVINCE else "city"
            )
        return option


class GroupedModelChoiceField(forms.ModelChoiceField):
    """A select with <optgroup>s: `group_of(obj)` names each option's group."""

    widget = SearchableSelect

    def __init__(self, queryset, group_of, **kwargs):
        self.group_of = group_of
        super().__init__(queryset, **kwargs)

    def _get_choices(self):
        groups = {}
        for obj in self.queryset:
            groups.setdefault(self.group_of(obj), []).append(
                (ModelChoiceIteratorValue(obj.pk, obj), obj.label)
            )
        return [("", self.empty_label or "---------"), *groups.items()]

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


def direction_field(**kwargs):
    """The third-level technical field, grouped by domain / industry."""
    return GroupedModelChoiceField(
        Field.objects.filter(level=Field.Level.DIRECTION).select_related("parent__parent"),
        group_of=lambda field: f"{field.parent.parent.label} / {field.parent.label}",
        **kwargs,
    )


def region_field(**kwargs):
    """A province-level division or one of its cities, grouped by province."""
    return GroupedModelChoiceField(
        Region.objects.select_related("parent").order_by("code"),
        group_of=lambda region: (region.parent or region).label,
        widget=RegionCascadeSelect,
        **kwargs,
    )
