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
