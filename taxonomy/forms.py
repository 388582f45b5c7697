"""Choice fields over the taxonomy, grouped the way people scan them."""

from django import forms

from taxonomy.models import Field, Region


class GroupedModelChoiceField(forms.ModelChoiceField):
    """A select with <optgroup>s: `group_of(obj)` names each option's group."""

    def __init__(self, queryset, group_of, **kwargs):
        self.group_of = group_of
        super().__init__(queryset, **kwargs)

    def _get_choices(self):
        groups = {}
        for obj in self.queryset:
            groups.setdefault(self.group_of(obj), []).append((obj.pk, obj.label))
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
        **kwargs,
    )
