"""The taxonomy pickers: native selects marked and annotated for static/js/techbridge.js."""

import re

import pytest
from django import forms

from subscriptions.forms import SubscriptionForm
from taxonomy.forms import direction_field, region_field
from taxonomy.models import Field, Region

pytestmark = pytest.mark.django_db


class PickForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = region_field(label="region")
        self.fields["field"] = direction_field(label="field", required=False)


def option_tag(html, value):
    return re.search(rf'<option value="{value}"[^>]*>', html).group(0)


def test_region_select_is_a_cascade_with_levels_and_provinces():
    html = str(PickForm()["region"])
    assert 'data-picker="region"' in html
    assert 'data-whole-province="全省（区、市）"' in html
    zhejiang = Region.objects.get(code="330000")
    hangzhou = Region.objects.get(code="330100")
    assert option_tag(html, zhejiang.pk) == (
        f'<option value="{zhejiang.pk}" data-level="province" data-group="浙江省">'
    )
    assert option_tag(html, hangzhou.pk) == (
        f'<option value="{hangzhou.pk}" data-level="city" data-group="浙江省">'
    )
    # Every region is an option, under its province's group.
    assert html.count("<option value=") == Region.objects.count() + 1  # and the empty one
    assert html.count("<optgroup") == Region.objects.filter(level=Region.Level.PROVINCE).count()


def test_region_select_still_submits_and_shows_a_chosen_city():
    hangzhou = Region.objects.get(code="330100")
    form = PickForm(data={"region": str(hangzhou.pk)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"] == hangzhou
    assert f'<option value="{hangzhou.pk}" selected data-level="city" data-group="浙江省">' in str(
        form["region"]
    )


def test_direction_select_is_searchable_by_its_group():
    html = str(PickForm()["field"])
    assert 'data-picker="search"' in html
    assert 'data-placeholder="输入关键字搜索…"' in html
    direction = Field.objects.filter(level=Field.Level.DIRECTION).select_related("parent__parent")[
        0
    ]
    group = f"{direction.parent.parent.label} / {direction.parent.label}"
    assert option_tag(html, direction.pk) == (
        f'<option value="{direction.pk}" data-group="{group}">'
    )


def test_subscription_pickers_are_searchable():
    form = SubscriptionForm()
    for name in ("fields", "regions"):
        html = str(form[name])
        assert html.startswith(f'<select name="{name}"')
        assert 'data-picker="search"' in html
        assert "multiple" in html
    guangdong = Region.objects.get(code="440000")
    assert option_tag(str(form["regions"]), guangdong.pk) == (
        f'<option value="{guangdong.pk}" data-group="广东省">'
    )
