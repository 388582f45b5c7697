"""The API token page: the key is copied to the clipboard with one click."""

import pytest
from selenium.webdriver.common.keys import Keys

from organizations.models import Organization
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_new_api_key_is_copied_with_the_button(new_browser):
    agency = factories.OrganizationFactory(kind=Organization.Kind.AGENCY)
    factories.member_of(agency, username="agency_admin")
    page = new_browser()
    page.log_in("agency_admin")
    page.go(f"/organizations/{agency.pk}/tokens/new/")
    page.fill("name", "ERP 对接", form="main form")
    page.submit_with('main form button[type="submit"]')
    key = page.text("#api-key")
    assert len(key) > 20

    button = page.visible("#copy-api-key")
    assert button.text == "复制"
    page.click("#copy-api-key")
    page.wait().until(lambda d: button.text == "已复制")
    # Paste what the clipboard holds into a box on the page: it is the whole key.
    page.driver.execute_script(
        "const box = document.createElement('textarea'); box.id = 'paste-here';"
        "document.body.appendChild(box); box.focus();"
    )
    page.find("#paste-here").send_keys(Keys.CONTROL, "v")
    assert page.find("#paste-here").get_attribute("value") == key
