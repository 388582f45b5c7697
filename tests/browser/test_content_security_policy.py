"""Pages keep working under the Content-Security-Policy, and the browser reports no violation."""

import pytest
from selenium.webdriver.support import expected_conditions as EC

from tests.factories import (
    HANGZHOU,
    ZHEJIANG,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
    region,
)
from webhooks.models import WebhookEndpoint

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def violations(browser):
    """The console's Content-Security-Policy complaints since the last call (get_log drains it)."""
    return [
        entry["message"]
        for entry in browser.driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "violates" in entry["message"]
    ]


def test_home_page_runs_under_the_policy(browser):
    browser.go("/")
    browser.visible("main")
    assert violations(browser) == []


def test_listing_form_its_pickers_and_live_completeness_run_under_the_policy(browser):
    member_of(OrganizationFactory(region=region(HANGZHOU)), username="author")
    browser.log_in("author")
    browser.go("/needs/new/")
    # tom-select replaced the field picker (techbridge.js ran).
    browser.visible(".ts-wrapper")
    bar = browser.find("#completeness .progress-bar")
    before = bar.size["width"]
    browser.fill("title", "印染废水深度脱色技术需求")
    browser.fill("summary", "寻求印染废水深度脱色与回用技术，出水色度降至 20 倍以下。")
    # HTMX swapped in a fuller bar: its width comes from the stylesheet, not a style attribute.
    browser.wait().until(
        lambda d: (
            d.find_element("css selector", "#completeness .progress-bar").size["width"] > before
        )
    )
    assert violations(browser) == []


def test_review_queue_runs_under_the_policy(browser):
    cast_staff(ZHEJIANG, username="reviewer")
    NeedFactory(status="submitted", organization=OrganizationFactory(region=region(HANGZHOU)))
    browser.log_in("reviewer")
    browser.go("/review/")
    browser.visible("main")
    assert violations(browser) == []


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/api/docs/", ".swagger-ui .info .title"), ("/api/redoc/", ".api-info h1")],
    ids=["swagger-ui", "redoc"],
)
def test_api_documentation_runs_under_its_policy(browser, path, rendered):
    browser.go(path)
    browser.visible(rendered)
    # Only ReDoc's logo on its CDN is refused (tests/browser/test_api_docs.py).
    assert [v for v in violations(browser) if "cdn.redoc.ly" not in v] == []


def test_deleting_a_webhook_asks_first_without_an_inline_handler(browser):
    organization = OrganizationFactory()
    admin = member_of(organization, username="hook_admin")
    endpoint = WebhookEndpoint.objects.create(
        organization=organization, url="https://erp.example.cn/hooks", created_by=admin
    )
    browser.log_in("hook_admin")
    browser.go(f"/organizations/{organization.pk}/webhooks/")
    delete = f'form[action$="/webhooks/{endpoint.pk}/delete/"] button'
    browser.click(delete)
    browser.wait().until(EC.alert_is_present()).dismiss()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    browser.click(delete)
    browser.wait().until(EC.alert_is_present()).accept()
    browser.wait().until(lambda d: not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists())
    assert violations(browser) == []
