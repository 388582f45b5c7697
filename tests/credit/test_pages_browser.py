"""Credit in a real browser at 1366 and 390 px: the public explanation, the organization's
page and the catalogue's cards with the level, a member's appeal (with its error, then sent)
and the staff's queue deciding it. Nothing scrolls sideways and nothing breaks the
Content-Security-Policy. Screenshots go to CREDIT_SCREENSHOTS."""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from credit.models import CreditAppeal
from tests.browser import conftest as browser_fixtures
from tests.browser.test_content_security_policy import violations
from tests.catalogue.conftest import make_offering
from tests.credit.conftest import Log, build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

new_browser = browser_fixtures.new_browser
WIDTHS = {1366: (1366, 900), 390: browser_fixtures.PHONE}
SHOTS = Path(os.environ.get("CREDIT_SCREENSHOTS", "/tmp/credit-screenshots"))


def look(page, name, width):
    layout = page.driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert layout[0] <= layout[1], (name, width, layout)
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.driver.execute_script("return document.documentElement.scrollHeight")
    page.driver.set_window_size(WIDTHS[width][0], min(max(height, 600), 4000))
    page.driver.save_screenshot(str(SHOTS / f"{name}-{width}.png"))
    page.driver.set_window_size(*WIDTHS[width])
    assert violations(page) == [], name


@pytest.fixture
def live_world(transactional_db, monkeypatch):
    """The hand-built history, dated back from the real clock (the live server's)."""
    return build_world(Log(monkeypatch, base=timezone.now()))


@pytest.mark.parametrize("width", WIDTHS)
def test_credit_pages_fit_and_an_appeal_goes_through(new_browser, live_world, width):
    world = live_world
    make_offering(
        SimpleNamespace(agency=world.provider, provider=world.member, staff=world.staff),
        provider=world.provider,
    )
    page = new_browser(WIDTHS[width])
    page.go(f"/credit/{world.provider.pk}/")
    page.visible("#credit-events")
    assert "订单争议败诉" in page.text("#credit-events")
    assert not page.driver.find_elements("css selector", "details.appeal")
    look(page, "credit-public", width)
    page.go(world.provider.get_absolute_url())
    page.visible("#credit-summary")
    look(page, "organization", width)
    page.go("/services/")
    page.visible(".provider-credit")
    look(page, "catalogue", width)

    page.log_in(world.member.username)
    page.go(f"/credit/{world.provider.pk}/")
    row = f"#event-{world.events['e4'].pk}"
    page.click(f"{row} details.appeal summary")
    page.submit_with(f"{row} form button")
    page.visible("#appeal-errors")
    assert "申诉理由" in page.text("#appeal-errors")
    look(page, "appeal-error", width)
    page.click(f"{row} details.appeal summary")
    page.fill("statement", "裁决所依据的交付记录有误，已补充提交。", form=f"{row} form")
    page.submit_with(f"{row} form button")
    page.visible(f"{row} .badge")
    look(page, "appealed", width)

    staff = new_browser(WIDTHS[width])
    staff.log_in(world.staff.username)
    staff.go("/credit/appeals/")
    appeal = CreditAppeal.objects.get()
    staff.visible(f"#appeal-{appeal.pk}")
    look(staff, "appeal-queue", width)
    staff.submit_with(f'#appeal-{appeal.pk} button[value="uphold"]')
    staff.visible("#no-appeals")
    appeal.refresh_from_db()
    assert appeal.status == CreditAppeal.Status.UPHELD
