"""The navigation bar at the screen widths people use, for each kind of visitor, in both languages.

1366×768 is the usual office laptop; 1280 and 1024 are common too, 390 a phone. At each width
the bar must keep one row (expanded, or collapsed behind its toggler), no link may wrap onto a
second line, and the page may not scroll sideways. Screenshots go to /tmp/shots/ for a person
to look at.
"""

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from notifications.models import Notification
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/shots")
HEIGHT = 768
# Widths, and whether the bar is expanded there: from Bootstrap's xl breakpoint (1200 px) up.
EXPANDED = {1366: True, 1280: True, 1200: True, 1024: False, 390: False}
# One row of the bar: the brand's 40 px line and the bar's padding, with room to spare.
ONE_ROW_MAX_HEIGHT = 72

# Every visible link or button of the bar: its rectangle, its padding and its line height,
# and the document's width against the window's.
MEASURE = """
const nav = document.getElementById('site-nav');
const items = [...nav.querySelectorAll('.navbar-brand, .nav-link, .navbar-nav .btn')]
  .filter(el => el.offsetParent !== null)
  .map(el => {
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
      text: el.textContent.trim(),
      top: rect.top, bottom: rect.bottom, left: rect.left, right: rect.right,
      contentHeight: rect.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
        - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth),
      lineHeight: parseFloat(style.lineHeight),
    };
  });
const toggler = nav.querySelector('.navbar-toggler');
const bar = nav.getBoundingClientRect();
return {
  navTop: bar.top,
  navBottom: bar.bottom,
  navHeight: bar.height,
  collapsed: toggler.offsetParent !== null,
  items: items,
  scrollWidth: document.documentElement.scrollWidth,
  // The width inside the vertical scroll bar: what is visible.
  viewWidth: document.documentElement.clientWidth,
};
"""


def assert_one_line_each(layout, where):
    for item in layout["items"]:
        assert item["contentHeight"] <= item["lineHeight"] * 1.25, (where, item)
        assert item["right"] <= layout["viewWidth"], (where, item)
    assert layout["scrollWidth"] <= layout["viewWidth"], (where, layout["scrollWidth"])


def check_navbar(page, name):
    """Measure the bar at each width (and open the collapsed menu), saving screenshots."""
    for width, expanded in EXPANDED.items():
        where = f"{name} at {width} px"
        page.driver.set_window_size(width, HEIGHT)
        page.go("/accounts/privacy/")
        layout = page.driver.execute_script(MEASURE)
        page.driver.save_screenshot(str(SHOTS / f"{name}-{width}.png"))
        assert layout["collapsed"] is not expanded, where
        assert layout["navHeight"] <= ONE_ROW_MAX_HEIGHT, (where, layout["navHeight"])
        assert_one_line_each(layout, where)
        if expanded:
            # Everything sits inside the one row.
            for item in layout["items"]:
                assert layout["navTop"] <= item["top"], (where, item)
                assert item["bottom"] <= layout["navBottom"], (where, item)
        else:
            page.click("#site-nav .navbar-toggler")
            page.visible("#nav.show")
            page.wait().until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#nav.collapsing"))
            opened = page.driver.execute_script(MEASURE)
            page.driver.save_screenshot(str(SHOTS / f"{name}-{width}-menu.png"))
            assert_one_line_each(opened, where + ", menu open")
            # Each link has a row of its own in the open menu.
            tops = [item["top"] for item in opened["items"] if item["text"]]
            assert len(set(tops)) == len(tops), (where, opened["items"])


def set_language(page, language):
    page.go("/accounts/privacy/")
    page.driver.add_cookie({"name": "django_language", "value": language, "path": "/"})


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_navbar_for_an_anonymous_visitor(new_browser, shots, language):
    page = new_browser()
    set_language(page, language)
    check_navbar(page, f"anonymous-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_navbar_for_an_enterprise_member(new_browser, shots, language):
    enterprise = factories.OrganizationFactory(name="杭州钴镍新材料科技有限公司")
    user = factories.member_of(enterprise, username="hz_cobalt", display_name="欧阳明华")
    Notification.objects.create(user=user, topic=Notification.Topic.choices[0][0], title="新匹配")
    page = new_browser()
    page.log_in("hz_cobalt")
    set_language(page, language)
    check_navbar(page, f"enterprise-{language}")
    assert page.find("#nav-notifications .badge").get_attribute("textContent") == "1"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_navbar_for_cast_staff(new_browser, shots, language):
    factories.cast_staff(
        factories.ZHEJIANG, username="zj_reviewer", display_name="Alexandra Richardson-Wang"
    )
    page = new_browser()
    page.log_in("zj_reviewer")
    set_language(page, language)
    check_navbar(page, f"staff-{language}")

    # The review pages are one click away in the Review menu, at the laptop width.
    page.driver.set_window_size(1366, HEIGHT)
    page.go("/accounts/privacy/")
    page.click("#nav-review .dropdown-toggle")
    page.visible('#nav-review .dropdown-menu a[href="/review/"]')
    page.driver.save_screenshot(str(SHOTS / f"staff-{language}-1366-review-menu.png"))
    page.click("#nav-account .dropdown-toggle")
    page.visible("#nav-logout")
    page.driver.save_screenshot(str(SHOTS / f"staff-{language}-1366-account-menu.png"))
    page.submit_with("#nav-logout")
    assert page.find("#site-nav").text.count("Log in" if language == "en" else "登录") == 1
