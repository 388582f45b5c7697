"""A challenge (揭榜挂帅) in a real browser: an enterprise's need with no good match → the owner
turns it into a challenge → the CAST staff publish it → an invited institute applies with its
milestones → the sponsor closes applications, seats an expert and starts the review → the
expert declares no conflict and scores → the sponsor awards → the deal appears on the deals
page with the application's milestones."""

from datetime import timedelta

import pytest
from django.utils import timezone

from challenges.models import Application, Challenge, ChallengeStatus, Invitation
from deals.models import Deal
from organizations.models import Organization
from repositories.models import ListingStatus
from tests import factories
from tests.browser.test_deal_flow import set_date

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def step(page, action):
    """Take a step of the challenge's table from its page's side panel."""
    page.submit_with(f'button[data-action="{action}"]')


def test_a_need_becomes_a_challenge_and_its_award_opens_a_deal(new_browser):
    hangzhou = factories.region(factories.HANGZHOU)
    enterprise = factories.OrganizationFactory(name="杭州澄源环保科技有限公司", region=hangzhou)
    factories.member_of(enterprise, username="cy_owner", display_name="林总")
    institute = factories.OrganizationFactory(
        name="浙江大学环境与资源学院", kind=Organization.Kind.INSTITUTION
    )
    factories.member_of(institute, username="zju_lab", display_name="王教授")
    expert_home = factories.OrganizationFactory(
        name="中国科学院生态环境研究中心", kind=Organization.Kind.INSTITUTION
    )
    factories.member_of(expert_home, username="rcees_expert", display_name="赵研究员")
    factories.cast_staff(factories.HANGZHOU, username="hz_cast", display_name="杭州科协")
    need = factories.NeedFactory(
        organization=enterprise,
        region=hangzhou,
        title="焦化废水深度处理与回用",
        status=ListingStatus.PUBLISHED,
        published_at=timezone.now() - timedelta(days=30),
        expires_at=timezone.now() + timedelta(days=60),
    )
    today = timezone.localdate()

    # The enterprise turns its need into a challenge from the need's page.
    firm = new_browser()
    firm.log_in("cy_owner")
    firm.go(need.get_absolute_url())
    firm.submit_with("#need-to-challenge")
    firm.wait_for_path("/challenges/new/")
    form = "#challenge-form"
    assert firm.value("title", form=form) == "焦化废水深度处理与回用"
    firm.fill("trl_now", "4", form=form)
    firm.fill("trl_wanted", "7", form=form)
    firm.fill("reward_amount", "150", form=form)
    firm.fill("reward_terms", "签约后支付40%，验收后支付60%。", form=form)
    firm.select("ip_arrangement", value="exclusive", form=form)
    firm.fill("eligibility", "国内高校、科研院所均可揭榜。", form=form)
    firm.fill("max_winners", "1", form=form)
    if not firm.value("success_criteria", form=form):
        firm.fill("success_criteria", "中试连续运行60天全部指标达标。", form=form)
    set_date(firm, form, "applications_close_on", today + timedelta(days=20))
    set_date(firm, form, "decision_by", today + timedelta(days=40))
    firm.fill("indicators-0-name", "出水COD", form=form)
    firm.fill("indicators-0-target_value", "50", form=form)
    firm.fill("indicators-0-unit", "mg/L", form=form)
    firm.fill("indicators-0-test_method", "HJ 828 第三方检测", form=form)
    firm.submit_with("#challenge-save")
    challenge = Challenge.objects.get(need=need)
    firm.wait_for_path(f"/challenges/{challenge.pk}/")
    assert [c.weight for c in challenge.criteria.all()] == [25, 25, 25, 25]
    step(firm, "submit")
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.SUBMITTED

    # The CAST staff of Hangzhou publish it from their queue.
    staff = new_browser()
    staff.log_in("hz_cast")
    staff.go("/challenges/vetting/")
    staff.submit_with(f'#vetting-queue a[href="/challenges/{challenge.pk}/"]')
    step(staff, "publish")
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.PUBLISHED

    # The matcher invited the institute; it applies with a milestone reaching the indicator.
    Invitation.objects.get_or_create(
        challenge=challenge, organization=institute, defaults={"reason": "成果相近"}
    )
    lab = new_browser()
    lab.log_in("zju_lab")
    lab.go(challenge.get_absolute_url())
    lab.submit_with("#apply")
    form = "#application-form"
    lab.fill("approach", "采用臭氧催化氧化与生物活性炭组合工艺。", form=form)
    lab.fill("milestones-0-title", "中试装置建成", form=form)
    set_date(lab, form, "milestones-0-due_on", today + timedelta(days=90))
    lab.fill("milestones-0-deliverable", "中试运行报告", form=form)
    lab.select("milestones-0-covers_indicator", text="出水COD: 50 mg/L", form=form)
    lab.fill("milestones-1-title", "验收", form=form)
    set_date(lab, form, "milestones-1-due_on", today + timedelta(days=150))
    lab.fill("milestones-1-deliverable", "第三方检测报告", form=form)
    lab.select("milestones-1-covers_indicator", text="出水COD: 50 mg/L", form=form)
    lab.fill("budget", "140", form=form)
    lab.fill("team", "教授1名，博士3名。", form=form)
    lab.fill("evidence", "已完成小试。", form=form)
    lab.click(f'{form} [name="coi_declared"]')
    lab.click(f'{form} [name="originality_declared"]')
    lab.submit_with("#application-submit")
    application = Application.objects.get(challenge=challenge, applicant=institute)
    lab.wait_for_path(f"/challenges/applications/{application.pk}/")

    # The sponsor closes applications, seats an expert, assigns all and starts the review.
    firm.go(challenge.get_absolute_url())
    step(firm, "close")
    firm.go(f"/challenges/{challenge.pk}/panel/")
    firm.fill("username", "rcees_expert", form="#seat-form")
    firm.submit_with("#seat")
    assert "中国科学院生态环境研究中心" in firm.text("#panel-members")
    firm.submit_with("#assign-all")
    firm.go(challenge.get_absolute_url())
    step(firm, "start_review")
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.REVIEWING

    # The expert declares no conflict and scores every criterion.
    expert = new_browser()
    expert.log_in("rcees_expert")
    expert.go(challenge.get_absolute_url())
    expert.submit_with("#review-link")
    expert.submit_with(f'button[data-conflict="{application.pk}"]')
    for criterion in challenge.criteria.all():
        expert.fill(f"score_{criterion.pk}", "8", form=".score-form")
    expert.submit_with(f'button[data-score="{application.pk}"]')
    assert application.assignments.get().scores.count() == 4

    # The sponsor awards; the deal opens with the application's milestones.
    firm.go(f"/challenges/{challenge.pk}/award/")
    firm.click(f"#winner-{application.pk}")
    firm.submit_with("#award")
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.AWARDED
    deal = Deal.objects.get(origin=Deal.Origin.CHALLENGE)
    firm.go("/deals/")
    assert deal.title in firm.text("main")
    firm.go(f"/deals/{deal.pk}/")
    page = firm.text("main")
    assert "中试装置建成" in page and "验收" in page
