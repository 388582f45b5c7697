"""The pages: the offer on a need without good matches (its owner only), the analyst's form
with bad input kept and named by field in Chinese, the owner's side-by-side decision, the
request, the lists and the CAST staff's queue, and the link on the order's page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from demand_analysis import selectors, services
from demand_analysis.models import AnalysisStatus, DemandAnalysis
from matching.models import Match, SupplyKind
from repositories.models import Need
from tests.demand_analysis.conftest import act, content
from tests.factories import AchievementFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def need_page(client, world):
    return client.get(world.need.get_absolute_url())


def match(world, share):
    supply = AchievementFactory()
    return Match.objects.create(
        need=world.need,
        supply_kind=SupplyKind.ACHIEVEMENT,
        supply_listing=supply,
        supply_key=f"achievement:{supply.pk}",
        region=world.need.region,
        score=share,
        degree=round(100 * share),
        model="test",
    )


def invited_and_submitted(world):
    analysis = services.analysis_request(
        actor=act(world.owner_user), need=world.need, team=world.team
    )
    services.analysis_save(actor=act(world.team_user), analysis=analysis, **content())
    return services.analysis_submit(actor=act(world.team_user), analysis=analysis)


# --- the offer ------------------------------------------------------------------------------


def test_the_owner_of_a_need_without_good_matches_is_offered_an_analysis(client, world):
    match(world, 0.4)  # a weak match does not count
    html = need_page(login(client, world.owner_user), world).content.decode()
    assert 'id="demand-analysis-offer"' in html
    assert f"/demand-analyses/request/{world.need.pk}/" in html
    assert "/services/?category=demand_analysis" in html


def test_no_offer_to_others_nor_with_a_good_match_nor_too_early(client, world):
    assert (
        'id="demand-analysis-box"'
        not in need_page(login(client, world.team_user), world).content.decode()
    )
    owner = login(client, world.owner_user)
    Need.objects.filter(pk=world.need.pk).update(published_at=timezone.now() - timedelta(days=1))
    # Nothing proposed at all: offered at once.
    assert 'id="demand-analysis-offer"' in need_page(owner, world).content.decode()
    # A weak proposal the staff may still review: not yet.
    weak = match(world, 0.4)
    assert 'id="demand-analysis-offer"' not in need_page(owner, world).content.decode()
    assert not selectors.need_list_offered_analysis(actor=act(world.owner_user)).exists()
    weak.delete()
    assert selectors.need_list_offered_analysis(actor=act(world.owner_user)).get() == world.need
    # Not before the matcher has run.
    Need.objects.filter(pk=world.need.pk).update(indexed_at=None)
    assert 'id="demand-analysis-offer"' not in need_page(owner, world).content.decode()
    Need.objects.filter(pk=world.need.pk).update(
        published_at=timezone.now() - timedelta(days=9), indexed_at=timezone.now()
    )
    good = match(world, 0.7)
    assert 'id="demand-analysis-offer"' not in need_page(owner, world).content.decode()
    # A good match the staff rejected does not count.
    Match.objects.filter(pk=good.pk).update(status=Match.Status.REJECTED)
    assert 'id="demand-analysis-offer"' in need_page(owner, world).content.decode()


def test_an_analysis_under_way_replaces_the_offer_with_its_status(client, world):
    analysis = invited_and_submitted(world)
    html = need_page(login(client, world.owner_user), world).content.decode()
    assert 'id="demand-analysis-offer"' not in html
    assert analysis.get_absolute_url() in html and "已提交需求方" in html


# --- the request ----------------------------------------------------------------------------


def test_the_owner_asks_the_staff_who_find_it_in_their_queue(client, world):
    owner = login(client, world.owner_user)
    url = f"/demand-analyses/request/{world.need.pk}/"
    assert owner.get(url).status_code == 200
    response = owner.post(url, {"analyst": "staff", "note": "请帮忙明确指标。"})
    analysis = DemandAnalysis.objects.get(need=world.need)
    assert response.status_code == 302 and response.url == analysis.get_absolute_url()
    # Asked twice: the form comes back with the note kept and the error by the field.
    response = owner.post(url, {"analyst": "staff", "note": "再问一次"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "已经请科协工作人员分析过了" in html and "再问一次" in html
    queue = login(client, world.staff).get("/demand-analyses/queue/")
    assert analysis.get_absolute_url() in queue.content.decode()
    far = login(client, world.far_staff).get("/demand-analyses/queue/")
    assert analysis.get_absolute_url() not in far.content.decode()


def test_only_the_owner_reaches_the_request_form(client, world):
    url = f"/demand-analyses/request/{world.need.pk}/"
    assert login(client, world.team_user).get(url).status_code == 404
    response = login(client, world.owner_user).post(url, {"analyst": "99999", "note": ""})
    assert response.status_code == 400
    assert "请从列表中选择由谁分析需求。" in response.content.decode()


# --- the analyst's form -----------------------------------------------------------------------


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def form_data(**overrides):
    data = {
        "problem_statement": "将印染废水深度处理后回用于生产。",
        "sub_problems": "膜污染控制\n浓水处置",
        "trl_wanted": "7",
        "contract_type": "development_commissioned",
        **management("indicators", 2),
        "indicators-0-name": "回用率",
        "indicators-0-target": "≥ 85",
        "indicators-0-unit": "%",
        "indicators-0-test_method": "在线计量",
        **management("routes", 1),
        "routes-0-route": "双膜法",
        "routes-0-rationale": "工艺成熟。",
    }
    data.update(overrides)
    return data


def test_bad_input_comes_back_bound_with_chinese_errors_naming_the_field(client, world):
    analysis = services.analysis_request(
        actor=act(world.owner_user), need=world.need, team=world.team
    )
    team = login(client, world.team_user)
    url = f"/demand-analyses/{analysis.pk}/edit/"
    assert team.get(url).status_code == 200
    response = team.post(
        url,
        form_data(
            trl_wanted="12",
            **{"indicators-1-name": "COD", "indicators-1-target": "≤ 50", "indicators-1-unit": ""},
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "期望技术成熟度：请选择 1 到 9 级的技术成熟度。" in html
    assert "请填写单位（%、MPa、h 等）。" in html
    # Everything typed is kept.
    assert 'value="COD"' in html and "将印染废水深度处理后回用于生产。" in html
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.REQUESTED and not analysis.indicators.exists()


def test_saving_then_submitting_and_what_submission_still_needs(client, world):
    analysis = services.analysis_request(
        actor=act(world.owner_user), need=world.need, team=world.team
    )
    team = login(client, world.team_user)
    url = f"/demand-analyses/{analysis.pk}/edit/"
    empty = form_data(
        problem_statement="",
        **{"indicators-0-name": "", "indicators-0-target": "", "indicators-0-unit": ""},
        **{"indicators-0-test_method": "", "then": "submit"},
    )
    response = team.post(url, empty)
    assert response.status_code == 400
    assert "提交前请填写问题陈述。" in response.content.decode()
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.DRAFT  # saved, nothing typed is lost
    assert analysis.routes.get().route == "双膜法"
    response = team.post(url, form_data(then="submit"))
    assert response.status_code == 302
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.SUBMITTED
    assert [row.as_line() for row in analysis.indicators.all()] == ["回用率: ≥ 85 % (在线计量)"]
    assert team.get(url).status_code == 404  # submitted: no longer editable


def test_another_team_and_far_staff_cannot_open_the_form(client, world):
    analysis = services.analysis_request(
        actor=act(world.owner_user), need=world.need, team=world.team
    )
    for user in (world.other_team_user, world.far_staff):
        assert login(client, user).get(f"/demand-analyses/{analysis.pk}/edit/").status_code == 404
        assert login(client, user).get(analysis.get_absolute_url()).status_code == 404


# --- the owner's decision -------------------------------------------------------------------


def test_the_owner_reviews_side_by_side_and_accepts_chosen_parts(client, world):
    analysis = invited_and_submitted(world)
    owner = login(client, world.owner_user)
    page = owner.get(analysis.get_absolute_url()).content.decode()
    assert 'id="side-by-side"' in page and "废水回用率低，想提高。" in page
    assert "当地科协审核" in page  # a published need's changes are reviewed
    response = owner.post(f"/demand-analyses/{analysis.pk}/accept/", {"parts": ["indicators"]})
    assert response.status_code == 302 and response.url == world.need.get_absolute_url()
    need = Need.objects.get(pk=world.need.pk)
    assert need.pending_changes["target_indicators"].startswith("回用率: ≥ 85 %")
    assert need.pending_changes["problem"] == need.problem


def test_accepting_nothing_shows_the_page_again_with_the_error(client, world):
    analysis = invited_and_submitted(world)
    owner = login(client, world.owner_user)
    response = owner.post(f"/demand-analyses/{analysis.pk}/accept/", {})
    assert response.status_code == 400
    assert "请至少选择一个要复制到需求中的部分" in response.content.decode()
    assert (
        login(client, world.team_user)
        .post(f"/demand-analyses/{analysis.pk}/accept/", {"parts": ["indicators"]})
        .status_code
        == 403
    )


def test_declining_keeps_the_need(client, world):
    analysis = invited_and_submitted(world)
    owner = login(client, world.owner_user)
    response = owner.post(f"/demand-analyses/{analysis.pk}/decline/", {"note": "不需要"})
    assert response.status_code == 302
    assert DemandAnalysis.objects.get(pk=analysis.pk).status == AnalysisStatus.DECLINED
    assert Need.objects.get(pk=world.need.pk).pending_changes is None


# --- lists and the order's page -----------------------------------------------------------------


def test_each_side_lists_its_analyses_and_the_order_page_links_to_it(client, world, order):
    analysis = DemandAnalysis.objects.get(order=order)
    owner_list = login(client, world.owner_user).get("/demand-analyses/").content.decode()
    assert analysis.get_absolute_url() in owner_list
    agency = login(client, world.agency_user)
    assert (
        analysis.get_absolute_url() in agency.get("/demand-analyses/?box=analyst").content.decode()
    )
    assert (
        analysis.get_absolute_url()
        not in login(client, world.rival_user).get("/demand-analyses/?box=analyst").content.decode()
    )
    order_page = login(client, world.agency_user).get(order.get_absolute_url()).content.decode()
    assert 'id="order-demand-analysis"' in order_page and analysis.get_absolute_url() in order_page


def test_the_owners_list_offers_an_analysis_for_needs_without_good_matches(client, world):
    html = login(client, world.owner_user).get("/demand-analyses/").content.decode()
    assert f"/demand-analyses/request/{world.need.pk}/" in html
