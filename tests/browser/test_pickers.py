"""The region and field pickers: searchable (Tom Select) and a province → city cascade.

People type a few characters, choose, and submit; the native select underneath carries the
value, so the forms work unchanged without JavaScript.
"""

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from repositories.models import Need
from subscriptions.models import Subscription
from taxonomy.models import Field
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/shots")


def chosen_texts(page, name, form):
    """The items shown as chosen in the picker of the native select `name`."""
    select_id = page.find(f'{form} select[name="{name}"]').get_attribute("id")
    wrapper = f'{form} select[name="{name}"] + .ts-wrapper'
    assert page.find(f"#{select_id}-ts-control")
    return [
        item.get_attribute("data-value")
        for item in page.driver.find_elements(By.CSS_SELECTOR, f"{wrapper} .ts-control .item")
    ]


def test_subscription_fields_and_regions_are_found_by_typing(new_browser):
    enterprise = factories.OrganizationFactory()
    user = factories.member_of(enterprise, username="picker_user")
    lithium = Field.objects.get(code="040204")
    shenzhen = factories.region(factories.SHENZHEN)
    hangzhou = factories.region(factories.HANGZHOU)

    page = new_browser()
    page.log_in("picker_user")
    page.go("/subscriptions/")
    form = "#subscription-form"
    # The native multiple selects are hidden behind their pickers.
    for name in ("fields", "regions"):
        assert "tomselected" in page.find(f'{form} select[name="{name}"]').get_attribute("class")

    page.pick("fields", "锂离子", "— 锂离子电池", form=form)
    # A province's name finds its cities: the option's group is searched too.
    page.pick("regions", "广东", "深圳市", form=form)
    page.pick("regions", "杭州", "杭州市", form=form)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.driver.save_screenshot(str(SHOTS / "picker-subscription.png"))
    assert chosen_texts(page, "fields", form) == [str(lithium.pk)]
    assert chosen_texts(page, "regions", form) == [str(shenzhen.pk), str(hangzhou.pk)]

    # The preview swaps the form in by HTMX: the new pickers keep the choices.
    page.click(f'{form} button[name="action"][value="preview"]')
    page.visible(f"{form} #subscription-preview h3")
    # (now in the order of the options: by region code)
    both = [str(hangzhou.pk), str(shenzhen.pk)]
    page.wait().until(lambda d: chosen_texts(page, "regions", form) == both)
    assert chosen_texts(page, "fields", form) == [str(lithium.pk)]
    # A chosen region is removed with its × button.
    page.click(
        f'{form} select[name="regions"] + .ts-wrapper .item[data-value="{hangzhou.pk}"] .remove'
    )
    assert chosen_texts(page, "regions", form) == [str(shenzhen.pk)]

    page.submit_with(f'{form} button[name="action"][value="save"]')
    subscription = Subscription.objects.get(user=user)
    assert list(subscription.fields.all()) == [lithium]
    assert list(subscription.regions.all()) == [shenzhen]


def test_listing_region_is_a_province_then_city_cascade(new_browser):
    enterprise = factories.OrganizationFactory(region=factories.region(factories.HANGZHOU))
    factories.member_of(enterprise, username="cascade_user")
    shenzhen = factories.region(factories.SHENZHEN)
    guangdong = factories.region(factories.GUANGDONG)

    page = new_browser()
    page.log_in("cascade_user")
    page.go("/needs/new/")
    form = "#listing-form"
    # The organization's city is the initial choice, shown in both steps.
    province = Select(page.visible("#id_region-province"))
    city = Select(page.visible("#id_region-city"))
    assert province.first_selected_option.text == "浙江省"
    assert city.first_selected_option.text == "杭州市"
    assert not page.find(f'{form} select[name="region"]').is_displayed()
    # The field's label names the first step.
    assert page.find('label[for="id_region-province"]')

    # Another province: its cities are offered, the whole province first.
    page.pick_region("region", "广东省", form=form)
    city = Select(page.find("#id_region-city"))
    assert city.options[0].text == "全省（区、市）"
    assert "深圳市" in [option.text for option in city.options]
    assert "杭州市" not in [option.text for option in city.options]
    assert page.value("region", form=form) == str(guangdong.pk)
    page.pick_region("region", "广东省", "深圳市", form=form)
    assert page.value("region", form=form) == str(shenzhen.pk)
    page.driver.save_screenshot(str(SHOTS / "picker-region-cascade.png"))

    page.pick("field", "锂离子", "锂离子电池", form=form)
    page.fill("title", "固态电池电解质界面改性技术需求", form=form)
    page.fill("summary", "寻求固态电池电解质界面改性方案，降低界面阻抗。", form=form)
    page.fill("problem", "硫化物电解质与高镍正极界面副反应严重，循环百次后阻抗翻倍。", form=form)
    page.submit_with(f'{form} button[name="save"]')
    need_pk = int(page.wait_for_path(r"/needs/(\d+)/").group(1))
    need = Need.objects.get(pk=need_pk)
    assert need.region == shenzhen
    assert need.field.code == "040204"


def test_without_javascript_the_native_selects_still_work(new_browser):
    enterprise = factories.OrganizationFactory(region=factories.region(factories.HANGZHOU))
    user = factories.member_of(enterprise, username="no_script_user")
    shenzhen = factories.region(factories.SHENZHEN)

    page = new_browser(javascript=False)
    page.log_in("no_script_user")
    page.go("/subscriptions/")
    form = "#subscription-form"
    assert not page.driver.find_elements(By.CSS_SELECTOR, ".ts-wrapper")
    fields = page.select("fields", text="— 锂离子电池", form=form)
    assert fields.is_multiple
    page.select("regions", text="深圳市", form=form)
    page.submit_with(f'{form} button[name="action"][value="save"]')
    subscription = Subscription.objects.get(user=user)
    assert [field.code for field in subscription.fields.all()] == ["040204"]
    assert list(subscription.regions.all()) == [shenzhen]

    page.go("/needs/new/")
    form = "#listing-form"
    assert not page.driver.find_elements(By.CSS_SELECTOR, ".region-cascade")
    page.select("region", text="深圳市", form=form)
    page.select("field", text="锂离子电池", form=form)
    page.fill("title", "固态电池电解质界面改性技术需求", form=form)
    page.fill("summary", "寻求固态电池电解质界面改性方案，降低界面阻抗。", form=form)
    page.fill("problem", "硫化物电解质与高镍正极界面副反应严重，循环百次后阻抗翻倍。", form=form)
    page.submit_with(f'{form} button[name="save"]')
    need = Need.objects.get(pk=int(page.wait_for_path(r"/needs/(\d+)/").group(1)))
    assert (need.region, need.field.code) == (shenzhen, "040204")
