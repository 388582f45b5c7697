"""The case bank, a case with its consent and review boxes, the feedback and survey forms (bound,
with their errors) and the staff's queue in a real browser at 1366 and 390 px: nothing scrolls
sideways and nothing breaks the Content-Security-Policy. Screenshots go to CASES_SCREENSHOTS."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from cases.models import Case, Feedback, Survey
from cases.services import case_consent_give, surveys_send_due
from deals.models import Deal
from tests.browser import conftest as browser_fixtures
from tests.browser.test_content_security_policy import violations
from tests.cases.conftest import act, complete, deals_fixtures, published_case
from tests.factories import HANGZHOU, NINGBO

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

new_browser = browser_fixtures.new_browser
world = deals_fixtures.world
conversation = deals_fixtures.conversation
deal = deals_fixtures.deal

WIDTHS = {1366: (1366, 900), 390: browser_fixtures.PHONE}
SHOTS = Path(os.environ.get("CASES_SCREENSHOTS", "/tmp/cases-screenshots"))


def without_browser_checks(page, form):
    """Let bad input reach the server, as a browser without form validation would send it."""
    page.driver.execute_script(
        "document.querySelector(arguments[0]).setAttribute('novalidate', '')", form
    )


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


@pytest.mark.parametrize("width", WIDTHS)
def test_the_pages_fit_and_run_under_the_policy(new_browser, world, deal, width):
    deal = complete(world, deal)
    case = Case.objects.get(deal=deal)
    Case.objects.filter(pk=case.pk).update(
        title="LED手电筒红外开关改进：研究院红外感应电路的普通许可",
        success_factors=["clear_need", "mature_technology", "cast_support"],
        what_made_it_work="需求明确，样机三个月交付，科协协助完成技术合同登记。",
    )
    case_consent_give(actor=act(world.scientist), case=case)
    for index in range(3):
        published_case(
            f"锂电池回收湿法冶金工艺优化案例{index}",
            region_code=HANGZHOU if index else NINGBO,
            field=world.need.field,
            contract_type="development_commissioned",
            amount_band="50_100",
        )
    Deal.objects.filter(pk=deal.pk).update(stage_changed_at=timezone.now() - timedelta(days=95))
    surveys_send_due()
    feedback = Feedback.objects.get(deal=deal, organization=world.enterprise)
    survey = Survey.objects.get(deal=deal, organization=world.enterprise)

    page = new_browser(WIDTHS[width])
    page.go("/cases/?region=330000")
    page.visible("#cases")
    look(page, "case-list", width)
    page.go(world.need.get_absolute_url())
    page.visible("#related-cases")
    look(page, "need-related-cases", width)

    page.log_in(world.owner.username)
    page.go(case.get_absolute_url())
    page.visible("#case-consent")
    look(page, "case-draft", width)
    page.go(f"/cases/{case.pk}/edit/")
    page.driver.execute_script("document.getElementById('id_title').value = ''")
    without_browser_checks(page, "#case-form")
    page.submit_with("#case-form button.btn-primary")
    page.visible("#case-form .invalid-feedback")
    look(page, "case-edit-errors", width)
    page.go(feedback.get_absolute_url())
    without_browser_checks(page, "#feedback-form")
    page.submit_with("#feedback-form button")
    page.visible("#feedback-form .invalid-feedback")
    look(page, "feedback-errors", width)
    page.go(survey.get_absolute_url())
    page.driver.find_element("id", "id_output_value").send_keys("-1")
    without_browser_checks(page, "#survey-form")
    page.submit_with("#survey-form button")
    page.visible("#survey-form .invalid-feedback")
    look(page, "survey-errors", width)
    page.go("/cases/mine/")
    page.visible("#my-cases")
    look(page, "mine", width)

    case_consent_give(actor=act(world.owner), case=case)
    staff = new_browser(WIDTHS[width])
    staff.log_in(world.staff.username)
    staff.go("/cases/review/")
    staff.visible("#review-cases")
    look(staff, "review-queue", width)
    staff.go(case.get_absolute_url())
    staff.visible("#case-review")
    look(staff, "case-review", width)
