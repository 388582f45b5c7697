"""From a match to a verified contract in a real browser: both sides answer 感兴趣 and see each
other's contact, exchange messages, open a deal, agree the contract, both sign, the supply side
enters the registration, the region's CAST staff verify it — and the region's dashboard shows
one more registered contract and how long it took. At the widths people use, under the
Content-Security-Policy."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from selenium.webdriver.common.by import By

from conversations.models import Conversation
from deals.models import Contract, Deal, Stage
from matching.models import Match
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from tests import factories
from tests.browser.test_contact_flow import WIDTHS, answer_interested, fits
from tests.browser.test_content_security_policy import violations
from tests.matching.builders import make_match

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def set_date(page, form, name, day):
    """A date input takes the ISO date whatever the browser's locale shows."""
    element = page.find(f'{form} [name="{name}"]')
    page.driver.execute_script("arguments[0].value = arguments[1]", element, day.isoformat())


def act(page, action):
    """Take a step; a step that asks "are you sure?" (signing) is answered yes."""
    page.driver.execute_script("window.confirm = () => true")
    page.submit_with(f"#form-{action} button[type=submit]")


def registered_cell(page):
    page.go("/statistics/dashboard/")
    row = page.find("#funnel-registered")
    cells = row.find_elements(By.CSS_SELECTOR, "td")
    return cells[0].text.strip(), cells[-1].text.strip()


def test_from_interest_to_a_verified_registration(new_browser):
    enterprise = factories.OrganizationFactory(
        name="宁海手电筒制造有限公司", contact_name="王经理", contact_phone="0574-65551234"
    )
    university = factories.OrganizationFactory(
        name="浙江照明电子研究院",
        kind=Organization.Kind.INSTITUTION,
        contact_name="赵老师",
        contact_phone="13911112222",
    )
    factories.member_of(enterprise, username="nh_owner", display_name="王经理")
    factories.member_of(university, username="dr_zhao", display_name="赵老师")
    factories.cast_staff(factories.HANGZHOU, username="hz_staff")
    need = factories.NeedFactory(
        organization=enterprise,
        title="LED手电筒红外开关改进",
        region=factories.region(factories.HANGZHOU),
    )
    with transaction.atomic():  # as publishing records it, for the funnel
        outcome_record(
            name=OutcomeEvent.Name.LISTING_PUBLISHED,
            subject_type="listing",
            subject_id=need.pk,
            organization=enterprise,
            region_id=need.region_id,
            field_id=need.field_id,
            data={"kind": "need"},
        )
    achievement = factories.AchievementFactory(
        organization=university, title="红外感应开关及LED照明控制电路"
    )
    match = make_match(need, achievement, status=Match.Status.APPROVED)

    staff = new_browser()
    staff.log_in("hz_staff")
    assert registered_cell(staff)[0] == "0"

    firm = new_browser()
    firm.log_in("nh_owner")
    answer_interested(firm, match)
    lab = new_browser()
    lab.log_in("dr_zhao")
    answer_interested(lab, match)
    # Each sees the other's contact, and they talk.
    assert "0574-65551234" in lab.text("#match-contact")
    conversation = Conversation.objects.get(match=match)
    firm.go(conversation.get_absolute_url())
    assert "13911112222" in firm.text("#counterpart-contact")
    firm.fill("body", "赵老师您好，我们希望以普通许可方式合作。", form="#message-form")
    firm.submit_with("#message-form button[type=submit]")
    lab.go(conversation.get_absolute_url())
    lab.fill("body", "可以，我们先拟定合同条款。", form="#message-form")
    lab.submit_with("#message-form button[type=submit]")
    assert "拟定合同条款" in lab.text("#thread")

    # The enterprise opens a deal from the conversation and records the contract.
    firm.go(conversation.get_absolute_url())
    firm.submit_with("#deal-open-button")
    deal = Deal.objects.get(conversation=conversation)
    firm.wait_for_path(f"/deals/{deal.pk}/")
    act(firm, "negotiate")
    assert firm.find("#deal-stage").text == "洽谈"
    signed_on = timezone.localdate() - timedelta(days=2)
    firm.select("contract_type", value="license_ordinary", form="#contract-form")
    firm.fill("total_amount", "150", form="#contract-form")
    firm.fill("non_technical_amount", "30", form="#contract-form")
    firm.select("payment_terms", value="instalments", form="#contract-form")
    set_date(firm, "#contract-form", "signed_on", signed_on)
    firm.submit_with("#contract-form button[type=submit]")
    assert "合同条款已保存" in firm.text("main")
    assert firm.text("#technical-amount").startswith("120")

    # Both sign; the stage moves with the second signature.
    act(firm, "sign")
    assert firm.find("#action-sign .waiting-other-side")
    lab.go(deal.get_absolute_url())
    act(lab, "sign")
    assert lab.find("#deal-stage").text == "已签约"

    # The supply side enters the registration; it waits for the CAST staff.
    lab.fill(
        "registration_number", f"{timezone.localdate().year}330100000123", form="#registration-form"
    )
    set_date(lab, "#registration-form", "registered_on", timezone.localdate())
    lab.submit_with("#registration-form button[type=submit]")
    assert lab.find("#deal-stage").text == "已登记"
    assert Contract.objects.get(deal=deal).registration_status == "pending"

    # The staff find it in their queue and verify it.
    staff.go("/deals/?box=registrations")
    staff.click(f'#deals a[href="{deal.get_absolute_url()}"]')
    staff.wait_for_path(f"/deals/{deal.pk}/")
    act(staff, "verify_registration")
    assert "已核验" in staff.text("#registration-status")
    assert Deal.objects.get(pk=deal.pk).stage == Stage.REGISTERED

    # The region's dashboard: one more registered contract, and the days it took from signing.
    count, median_days = registered_cell(staff)
    assert count == "1"
    assert median_days and median_days[0].isdigit()

    for width in WIDTHS:
        for page, paths in (
            (firm, [deal.get_absolute_url(), "/deals/"]),
            (staff, [deal.get_absolute_url(), "/statistics/dashboard/"]),
        ):
            page.driver.set_window_size(width, 800)
            for path in paths:
                page.go(path)
                fits(page, f"{path} at {width}")
    for page in (firm, lab, staff):
        assert violations(page) == []
