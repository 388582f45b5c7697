"""Contact in a real browser: both sides of an approved match answer 感兴趣, each sees the
other's contact, they write one message each, and the unread marks clear — at the widths
people use, under the Content-Security-Policy."""

import pytest
from selenium.webdriver.common.by import By

from conversations.models import Conversation
from matching.models import Match
from organizations.models import Organization
from tests import factories
from tests.browser.test_content_security_policy import violations
from tests.matching.builders import make_match

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = [1366, 1280, 1024, 390]


def answer_interested(page, match):
    page.go(match.get_absolute_url())
    page.select("answer", value="interested", form="#answer-form")
    page.submit_with("#answer-form button")


def badge(page):
    """The bar's unread count once htmx has fetched it ("" when none)."""
    swapped = page.find("#nav-unread-messages:not([hx-get])")
    return swapped.text.strip()


def fits(page, where):
    """No sideways scrolling; the message form and the contact card are on screen."""
    layout = page.driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert layout[0] <= layout[1], (where, layout)


def test_both_interested_see_each_other_and_talk(new_browser):
    enterprise = factories.OrganizationFactory(
        name="宁海手电筒制造有限公司", contact_name="王经理", contact_phone="0574-65551234"
    )
    university = factories.OrganizationFactory(
        name="浙江照明电子研究院",
        kind=Organization.Kind.INSTITUTION,
        contact_name="赵老师",
        contact_phone="13911112222",
        contact_email="zhao@lab.example.cn",
    )
    factories.member_of(enterprise, username="nh_owner", display_name="王经理")
    factories.member_of(university, username="dr_zhao", display_name="赵老师")
    need = factories.NeedFactory(organization=enterprise, title="LED手电筒红外开关改进")
    achievement = factories.AchievementFactory(
        organization=university, title="红外感应开关及LED照明控制电路"
    )
    match = make_match(need, achievement, status=Match.Status.APPROVED)

    firm = new_browser()
    firm.log_in("nh_owner")
    answer_interested(firm, match)
    # One side only: no contact yet.
    assert not firm.driver.find_elements(By.ID, "match-contact")
    assert "13911112222" not in firm.text("main")

    lab = new_browser()
    lab.log_in("dr_zhao")
    answer_interested(lab, match)
    conversation = Conversation.objects.get(match=match)
    # Each sees the other's contact on the match's page.
    assert "0574-65551234" in lab.text("#match-contact")
    firm.go(match.get_absolute_url())
    assert "赵老师" in firm.text("#match-contact") and "13911112222" in firm.text("#match-contact")

    # The enterprise writes first.
    firm.click("#match-conversation")
    firm.wait_for_path(f"/conversations/{conversation.pk}/")
    assert "zhao@lab.example.cn" in firm.text("#counterpart-contact")
    firm.fill("body", "赵老师您好，能否寄送样品测试？", form="#message-form")
    firm.submit_with("#message-form button[type=submit]")
    assert "能否寄送样品测试" in firm.text("#thread")

    # The scientist sees the unread mark in the bar and the list, reads, answers.
    lab.go("/conversations/")
    assert badge(lab) == "1"
    assert lab.find(f"#conversation-{conversation.pk} .conversation-unread").text.strip() == "1"
    lab.click(f"#conversation-{conversation.pk}")
    lab.wait_for_path(f"/conversations/{conversation.pk}/")
    assert lab.driver.find_elements(By.CSS_SELECTOR, ".message-unread")
    lab.fill("body", "可以，下周寄出。", form="#message-form")
    lab.submit_with("#message-form button[type=submit]")
    assert "下周寄出" in lab.text("#thread")
    # Read now: no more unread marks, in the list or the bar.
    assert not lab.driver.find_elements(By.CSS_SELECTOR, ".message-unread")
    lab.go("/conversations/")
    assert not lab.driver.find_elements(By.CSS_SELECTOR, ".conversation-unread")
    assert badge(lab) == ""

    # The enterprise has the reply unread, reads it, and sees its own message read.
    firm.go("/conversations/")
    assert badge(firm) == "1"
    firm.click(f"#conversation-{conversation.pk}")
    firm.wait_for_path(f"/conversations/{conversation.pk}/")
    assert "下周寄出" in firm.text("#thread")
    assert firm.driver.find_elements(By.CSS_SELECTOR, ".message-own .message-read")
    firm.go("/conversations/")
    assert badge(firm) == ""

    # Usable at every width people use, without a policy violation.
    for width in WIDTHS:
        firm.driver.set_window_size(width, 800)
        for path in (
            conversation.get_absolute_url(),
            "/conversations/",
            "/conversations/requests/",
        ):
            firm.go(path)
            fits(firm, f"{path} at {width}")
        firm.go(conversation.get_absolute_url())
        assert firm.visible("#message-form").is_displayed()
    assert violations(firm) == []
    assert violations(lab) == []
