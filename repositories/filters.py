"""The filters of listings, shared by the browse pages and the API.

Both narrow and rank alike through ListingFilterSet; they differ only in how a filter is
offered: the browse pages take short parameters (mode, maturity, days) from a form with
pickers, the API documented parameters (cooperation_mode, maturity_min, published_after)
and a few more for programs (status, organization).
"""

from __future__ import annotations

from datetime import timedelta

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.ids import IdFilter
from repositories.models import KIND_BY_MODEL, ListingKind, ListingStatus
from repositories.selectors import keyword_q, listing_keyword_search
from taxonomy.models import CooperationMode, Field, Maturity, Region
from taxonomy.selectors import within_regions_q

PUBLISHED_WITHIN_CHOICES = [
    (7, _("past week")),
    (30, _("past month")),
    (90, _("past 3 months")),
    (365, _("past year")),
]


class ListingFilterSet(filters.FilterSet):
    """The rules: a field covers its sub-fields, a region its cities, and the keywords rank
    what the other filters leave, most relevant first (listing_keyword_search).

    After `qs`, `broadened` tells whether related listings were added to too few holding
    every word.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.broadened = False

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # The keywords rank the listings the other filters leave, so they come last.
        data = self.form.cleaned_data
        for name, value in data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        if "q" in data:
            queryset = self.filters["q"].filter(queryset, data["q"])
        return queryset

    def filter_for_count(self, queryset: QuerySet) -> QuerySet:
        """`queryset` narrowed as `qs` narrows the listings, without ranking: the keywords only
        keep the listings holding every word. Counts the results when they are those (a
        ranked result: KeywordRankedQuerySet) or when no keywords were given."""
        data = self.form.cleaned_data
        for name, value in data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        if data.get("q"):
            queryset = queryset.filter(keyword_q(data["q"]))
        return queryset

    def filter_keywords(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        results = listing_keyword_search(
            queryset,
            kind=KIND_BY_MODEL[queryset.model],
            query=value,
            index_filters=self._index_filters(),
        )
        self.broadened = results.broadened
        return results.listings

    def _index_filters(self) -> dict[str, str] | None:
        """The search index narrowed as the listings are, so that the ranking's depth is
        spent on listings that can be shown."""
        data = self.form.cleaned_data
        index_filters = {}
        if data.get("field"):
            index_filters["field"] = data["field"].code
        if data.get("region"):
            index_filters["province"] = data["region"].province.code
        return index_filters or None

    # `value` (a Field, a Region) is left unannotated: drf-spectacular would read the hint as
    # the parameter's type instead of the code the model field documents.
    def filter_field(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(field__code__startswith=value.code)

    def filter_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(within_regions_q(value))

    def filter_published_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(published_at__gte=timezone.now() - timedelta(days=int(value)))


# The API: any field or region by code, and what programs filter by.


class ListingApiFilterSet(ListingFilterSet):
    q = filters.CharFilter(method="filter_keywords", label=_("keywords"))
    field = filters.ModelChoiceFilter(
        queryset=Field.objects.all(),
        to_field_name="code",
        method="filter_field",
        label=_("field code, at any level"),
    )
    region = filters.ModelChoiceFilter(
        queryset=Region.objects.select_related("parent"),
        to_field_name="code",
        method="filter_region",
        label=_("region code; a province includes its cities"),
    )
    cooperation_mode = filters.ModelChoiceFilter(
        queryset=CooperationMode.objects.all(),
        to_field_name="code",
        field_name="cooperation_modes",
    )
    status = filters.ChoiceFilter(choices=ListingStatus.choices)
    organization = IdFilter(field_name="organization_id")
    published_after = filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="gte")


class AchievementApiFilterSet(ListingApiFilterSet):
    maturity_min = filters.NumberFilter(field_name="maturity", lookup_expr="gte")


# The browse pages: pickers of the first two field levels and of provinces.


def _attributes(attrs) -> str:
    """Django's widgets/attrs.html: name="value", a bare name for True, nothing for False."""
    return "".join(
        format_html(' {}="{}"', name, value)
        if value is not True
        else f" {conditional_escape(name)}"
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class PlainSelect(forms.Select):
    """A <select> written out in Python, as Django's templates write it: they render one
    template per <option>, and the browse form's ~70 options cost ~20 ms a page that way."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [
            format_html('<select name="{}"', widget["name"]),
            _attributes(widget["attrs"]),
            ">",
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html('<option value="{}"', str(option["value"])))
                parts.append(_attributes(option["attrs"]))
                parts.append(format_html(">{}</option>", option["label"]))
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


class _FieldChoiceField(filters.fields.ModelChoiceField):
    def label_from_instance(self, field: Field) -> str:
        return ("· " if field.level == 2 else "") + field.label


class _FieldChoiceFilter(filters.ModelChoiceFilter):
    field_class = _FieldChoiceField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, widget=PlainSelect, **kwargs)


class ListingBrowseFilterSet(ListingFilterSet):
    """The side form of the browse pages; maturity is offered for achievements only."""

    q = filters.CharFilter(method="filter_keywords", label=_("keywords"), max_length=100)
    field = _FieldChoiceFilter(
        queryset=Field.objects.filter(level__lte=2),
        to_field_name="code",
        method="filter_field",
        label=_("field"),
        empty_label=_("all"),
    )
    region = filters.ModelChoiceFilter(
        queryset=Region.objects.filter(level=Region.Level.PROVINCE),
        to_field_name="code",
        method="filter_region",
        label=_("region"),
        empty_label=_("all"),
        widget=PlainSelect,
    )
    mode = filters.ModelChoiceFilter(
        queryset=CooperationMode.objects.all(),
        to_field_name="code",
        field_name="cooperation_modes",
        label=_("cooperation mode"),
        empty_label=_("all"),
        widget=PlainSelect,
    )
    maturity = filters.ChoiceFilter(
        choices=Maturity.choices,
        field_name="maturity",
        lookup_expr="gte",
        label=_("maturity at least"),
        empty_label=_("any maturity"),
        widget=PlainSelect,
    )
    days = filters.ChoiceFilter(
        choices=PUBLISHED_WITHIN_CHOICES,
        method="filter_published_within",
        label=_("published within"),
        empty_label=_("any time"),
        widget=PlainSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if KIND_BY_MODEL[self.queryset.model] != ListingKind.ACHIEVEMENT:
            del self.filters["maturity"]
