"""The matching loop in a real browser: a need is published, its matches appear, the CAST staff
approve one, the scientist finds it in the notification centre and answers."""

import pytest
from selenium.webdriver.common.by import By

from matching.models import Match, MatchAnswer
from matching.tasks import index_and_match_dirty
from organizations.models import Organization
from repositories.models import ListingStatus
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def index(settings, tmp_path, real_model):
    settings.SEARCH_INDEX_DIR = tmp_path / "index"


def test_need_published_matches_approved_pushed_and_answered(new_browser, index):
    factories.cast_staff(factories.HANGZHOU, username="hz_staff")
    institute = factories.OrganizationFactory(
        kind=Organization.Kind.INSTITUTION, name="浙江照明电子研究院"
    )
    scientist = factories.member_of(institute, username="dr_zhao")
    achievement = factories.AchievementFactory(
        organization=institute,
        created_by=scientist,
        title="红外感应开关及LED照明控制电路",
        description="采用红外感应实现非接触开关控制，适用于LED手电筒、台灯等照明产品，"
        "寿命长、无机械磨损。",
    )
    index_and_match_dirty(limit=None)
    enterprise = factories.OrganizationFactory(name="宁海手电筒制造有限公司")
    owner = factories.member_of(enterprise, username="nh_owner")
    need = factories.NeedFactory(
        organization=enterprise,
        created_by=owner,
        status=ListingStatus.SUBMITTED,
        title="LED手电筒红外开关改进",
        problem="现有手电筒的开关是机械式，容易损坏，导致接触不良。"
        "需要设计一款红外控制的LED手电筒开关。",
    )

    # The CAST staff publish the need; matching runs as the publication commits.
    reviewer = new_browser()
    reviewer.log_in("hz_staff")
    reviewer.go("/review/")
    reviewer.submit_with(f'#review-listing-{need.pk} button[name="decision"][value="approve"]')

    # Proposed, the match stays with the staff: the enterprise does not see it yet.
    match = Match.objects.get(need=need, supply_listing=achievement)
    enterprise_page = new_browser()
    enterprise_page.log_in("nh_owner")
    enterprise_page.go(need.get_absolute_url())
    assert not enterprise_page.driver.find_elements(By.ID, f"match-{match.pk}")

    # The staff approve it in the match review queue.
    reviewer.go("/matches/review/")
    reviewer.submit_with(f'#review-match-{match.pk} button[name="decision"][value="approve"]')
    assert not reviewer.driver.find_elements(By.ID, f"review-match-{match.pk}")
    match.refresh_from_db()
    assert match.status == Match.Status.APPROVED

    # Now the enterprise sees it, with why, on its need's page.
    enterprise_page.go(need.get_absolute_url())
    item = enterprise_page.visible(f"#match-{match.pk}")
    assert achievement.title in item.text
    assert "红外" in enterprise_page.text(f"#match-{match.pk} .match-explanation")

    # The scientist finds it in the notification centre and answers.
    lab = new_browser()
    lab.log_in("dr_zhao")
    lab.go("/notifications/")
    lab.submit_with("#notifications a")
    lab.wait_for_path(f"/matches/{match.pk}/")
    assert need.title in lab.text("main")
    lab.select("answer", value="interested", form="#answer-form")
    lab.fill("comment", "可提供样品测试", form="#answer-form")
    lab.submit_with('#answer-form button[type="submit"], #answer-form button')
    assert "可提供样品测试" in lab.text("#match-answers")
    answer = MatchAnswer.objects.get(match=match)
    assert (answer.organization, answer.answer) == (institute, "interested")
    # …and the enterprise hears of the answer.
    assert enterprise.pk and owner.notifications.filter(topic="match").count() == 2


def test_a_need_with_nothing_good_says_so_and_offers_the_next_steps(new_browser, index):
    factories.cast_staff(factories.HANGZHOU, username="hz_staff")
    institute = factories.OrganizationFactory(kind=Organization.Kind.INSTITUTION)
    for title, description in (
        ("水稻稻瘟病绿色防控技术", "利用生物农药与抗病品种相结合，降低稻瘟病发病率。"),
        ("茶叶机械化采摘装备", "适用于名优绿茶的嫩芽识别与采摘，采摘完整率高。"),
    ):
        factories.AchievementFactory(organization=institute, title=title, description=description)
    index_and_match_dirty(limit=None)
    enterprise = factories.OrganizationFactory(name="杭州锂电循环科技有限公司")
    factories.member_of(enterprise, username="battery_owner")
    need = factories.NeedFactory(
        organization=enterprise,
        status=ListingStatus.SUBMITTED,
        title="退役动力电池梯次利用的健康状态快速评估",
        problem="需要在十分钟内评估退役磷酸铁锂电池模组的健康状态，以决定梯次利用还是拆解回收。",
    )
    reviewer = new_browser()
    reviewer.log_in("hz_staff")
    reviewer.go("/review/")
    reviewer.submit_with(f'#review-listing-{need.pk} button[name="decision"][value="approve"]')
    # The matcher ran and kept nothing: no weak list reaches the staff.
    need.refresh_from_db()
    assert need.indexed_at is not None
    assert not Match.objects.filter(need=need).exists()

    owner = new_browser()
    owner.log_in("battery_owner")
    owner.go(need.get_absolute_url())
    box = owner.visible("#nothing-good")
    assert "暂无合适的匹配" in box.text
    owner.submit_with("#nothing-good-subscribe")
    owner.wait_for_path("/subscriptions/")
    assert owner.driver.find_element(By.NAME, "name").get_attribute("value") == need.title
    owner.go(need.get_absolute_url())
    # Asking for a demand analysis is offered at once, not after the usual days.
    owner.submit_with("#ask-for-analysis")
    owner.wait_for_path(f"/demand-analyses/request/{need.pk}/")
