"""Who may write an analysis, its submission, and the owner's decision: the chosen parts (and
only those) are copied into the need through the repositories' edit, a published need's as a
revision the CAST staff review, after which the need is matched again."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogue.models import ServiceCategory
from demand_analysis import services
from demand_analysis.models import AnalysisSource, AnalysisStatus, DemandAnalysis
from matching import tasks
from notifications.models import Notification
from orders.services import order_place
from outcomes.models import OutcomeEvent
from repositories.models import ListingStatus, Need, PendingStatus
from repositories.services import listing_review
from taxonomy.models import CooperationMode
from tests.demand_analysis.conftest import INDICATORS, act, content
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def staff_request(world, note="请帮我们把需求说清楚。"):
    return services.analysis_request(actor=act(world.owner_user), need=world.need, note=note)


def team_invitation(world):
    return services.analysis_request(actor=act(world.owner_user), need=world.need, team=world.team)


def written(world, analysis, user, **overrides):
    return services.analysis_save(actor=act(user), analysis=analysis, **content(**overrides))


def submitted(world, analysis, user):
    written(world, analysis, user)
    return services.analysis_submit(actor=act(user), analysis=analysis)


# --- who may write ---------------------------------------------------------------------------


def test_the_provider_of_a_demand_analysis_order_writes_it_and_a_rival_cannot(world, order):
    analysis = DemandAnalysis.objects.get(order=order)
    assert analysis.source == AnalysisSource.ORDER
    assert analysis.analyst == world.agency and analysis.need_id == world.need.pk
    assert analysis.status == AnalysisStatus.REQUESTED
    with pytest.raises(PermissionDenied):
        written(world, analysis, world.rival_user)
    with pytest.raises(PermissionDenied):
        written(world, analysis, world.owner_user)
    analysis = written(world, analysis, world.agency_user)
    assert analysis.status == AnalysisStatus.DRAFT
    assert [row.as_line() for row in analysis.indicators.all()] == [
        "回用率: ≥ 85 % (连续 30 天在线计量)",
        "COD: ≤ 50 mg/L (HJ 828-2017 重铬酸盐法)",
    ]
    assert analysis.sub_problems == ["膜污染控制", "浓水处置"]


def test_an_order_not_yet_accepted_or_of_another_category_opens_no_analysis(world):
    placed = order_place(
        actor=act(world.owner_user),
        buyer=world.owner,
        offering=world.offering,
        scope="需求诊断",
        due_on=world.need.published_at.date().replace(year=world.need.published_at.year + 1),
        listing=world.need,
    )
    assert not DemandAnalysis.objects.filter(order=placed).exists()
    placed.category = ServiceCategory.objects.get(code="evaluation")
    assert services.analysis_open_for_order(order=placed) is None


def test_the_staff_of_the_needs_region_write_what_the_owner_asked_and_others_cannot(world):
    analysis = staff_request(world)
    assert analysis.analyst is None and analysis.status == AnalysisStatus.REQUESTED
    for outsider in (world.far_staff, world.team_user, world.agency_user):
        with pytest.raises(PermissionDenied):
            written(world, analysis, outsider)
    analysis = written(world, analysis, world.staff)
    assert analysis.status == AnalysisStatus.DRAFT
    assert (
        analysis.analyst.kind == "cast_office"
        and world.staff.memberships.filter(organization=analysis.analyst).exists()
    )


def test_asking_the_staff_tells_them_once(world):
    staff_request(world)
    assert Notification.objects.filter(user=world.staff).count() == 1
    assert not Notification.objects.filter(user=world.far_staff).exists()
    with pytest.raises(ValidationError) as error:
        staff_request(world)
    assert "team" in error.value.message_dict


def test_an_invited_team_writes_and_another_team_cannot(world):
    endpoint = WebhookEndpoint.objects.create(
        organization=world.team,
        url="https://hooks.example.cn/team",
        secret="s3cret",
        events=["demand_analysis.updated"],
    )
    analysis = team_invitation(world)
    assert Notification.objects.filter(user=world.team_user).count() == 1
    assert WebhookDelivery.objects.get(endpoint=endpoint).payload["action"] == "requested"
    with pytest.raises(PermissionDenied):
        written(world, analysis, world.other_team_user)
    assert written(world, analysis, world.team_user).status == AnalysisStatus.DRAFT


def test_only_a_verified_service_team_is_invited_and_never_twice(world):
    with pytest.raises(ValidationError) as error:
        services.analysis_request(actor=act(world.owner_user), need=world.need, team=world.agency)
    assert "team" in error.value.message_dict
    team_invitation(world)
    with pytest.raises(ValidationError):
        team_invitation(world)


def test_only_the_owner_asks_and_a_team_cannot_start_uninvited(world):
    with pytest.raises(PermissionDenied):
        services.analysis_request(actor=act(world.team_user), need=world.need)
    with pytest.raises(PermissionDenied):
        services.analysis_start(actor=act(world.team_user), need=world.need)
    with pytest.raises(PermissionDenied):
        services.analysis_start(actor=act(world.far_staff), need=world.need)
    started = services.analysis_start(actor=act(world.staff), need=world.need)
    assert started.status == AnalysisStatus.DRAFT and started.source == AnalysisSource.CAST_STAFF


# --- bad input ----------------------------------------------------------------------------------


def test_bad_rows_are_named_by_row_and_field_and_nothing_is_written(world):
    analysis = team_invitation(world)
    rows = [INDICATORS[0], {"name": "COD", "target": "≤ 50", "unit": "", "test_method": ""}]
    with pytest.raises(ValidationError) as error:
        written(world, analysis, world.team_user, indicators=rows, trl_wanted=12)
    errors = error.value.message_dict
    assert errors["trl_wanted"] == ["请选择 1 到 9 级的技术成熟度。"]
    assert len(errors["indicators"]) == 1 and errors["indicators"][0].startswith("第 2 行 · 单位")
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.REQUESTED and not analysis.indicators.exists()


def test_submitting_needs_a_problem_statement_and_an_indicator(world):
    analysis = team_invitation(world)
    written(world, analysis, world.team_user, problem_statement="", indicators=[])
    with pytest.raises(ValidationError) as error:
        services.analysis_submit(actor=act(world.team_user), analysis=analysis)
    assert set(error.value.message_dict) == {"problem_statement", "indicators"}


# --- submission -----------------------------------------------------------------------------


def test_submitting_tells_the_owner_records_the_event_and_emits_the_webhook(world):
    endpoint = WebhookEndpoint.objects.create(
        organization=world.owner,
        url="https://hooks.example.cn/owner",
        secret="s3cret",
        events=["demand_analysis.updated"],
    )
    analysis = submitted(world, team_invitation(world), world.team_user)
    assert analysis.status == AnalysisStatus.SUBMITTED and analysis.submitted_at
    notification = Notification.objects.get(user=world.owner_user)
    assert notification.url == analysis.get_absolute_url()
    event = OutcomeEvent.objects.get(name=OutcomeEvent.Name.DEMAND_ANALYSIS_SUBMITTED)
    assert (event.organization_id, event.counterpart_id) == (world.team.pk, world.owner.pk)
    assert event.data["indicators"] == 2
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event == "demand_analysis.updated"
    assert delivery.payload["demand_analysis"]["status"] == "submitted"
    # Submitted: the analyst can no longer change it.
    with pytest.raises(ValidationError) as error:
        written(world, analysis, world.team_user)
    assert "status" in error.value.message_dict


# --- the owner's decision -------------------------------------------------------------------


def test_accepting_copies_only_the_chosen_parts_into_a_pending_revision(world):
    analysis = submitted(world, team_invitation(world), world.team_user)
    before = Need.objects.get(pk=world.need.pk)
    with mock.patch.object(tasks.index_and_match_listing, "delay") as rematch:
        analysis = services.analysis_accept(
            actor=act(world.owner_user),
            analysis=analysis,
            parts=["problem_statement", "indicators", "trl_wanted"],
        )
    assert analysis.status == AnalysisStatus.ACCEPTED and analysis.need_pending_review
    assert analysis.accepted_parts == ["problem_statement", "indicators", "trl_wanted"]
    need = Need.objects.get(pk=world.need.pk)
    # The published version is unchanged until the CAST staff approve the revision.
    assert (need.problem, need.target_indicators) == (before.problem, before.target_indicators)
    assert need.pending_status == PendingStatus.SUBMITTED
    pending = need.pending_changes
    assert pending["problem"] == content()["problem_statement"]
    assert pending["target_indicators"] == (
        "回用率: ≥ 85 % (连续 30 天在线计量)\n"
        "COD: ≤ 50 mg/L (HJ 828-2017 重铬酸盐法)\n\n"
        "期望技术成熟度：TRL 7 · 实际运行环境系统演示"
    )
    # Not chosen: the background and cooperation modes stay as they were.
    assert pending["background"] == before.background
    assert pending["cooperation_modes"] == []
    rematch.assert_not_called()  # nothing to match until the revision is approved
    event = OutcomeEvent.objects.get(name=OutcomeEvent.Name.DEMAND_ANALYSIS_ACCEPTED)
    assert event.data["parts"] == analysis.accepted_parts and event.data["pending_review"]
    assert Notification.objects.filter(user=world.team_user, title__contains="采纳").exists()


def test_the_approved_revision_is_matched_again_once(world, django_capture_on_commit_callbacks):
    analysis = submitted(world, team_invitation(world), world.team_user)
    services.analysis_accept(
        actor=act(world.owner_user), analysis=analysis, parts=["problem_statement"]
    )
    need = Need.objects.get(pk=world.need.pk)
    with mock.patch.object(tasks.index_and_match_listing, "delay") as rematch:
        with django_capture_on_commit_callbacks(execute=True):
            listing_review(listing=need, actor=act(world.staff), approve=True)
    rematch.assert_called_once_with(need.pk)
    assert Need.objects.get(pk=need.pk).problem == content()["problem_statement"]


def test_a_need_not_yet_published_is_edited_and_matched_again_at_once(
    world, django_capture_on_commit_callbacks
):
    Need.objects.filter(pk=world.need.pk).update(status=ListingStatus.RETURNED)
    analysis = submitted(world, team_invitation(world), world.team_user)
    with mock.patch.object(tasks.index_and_match_listing, "delay") as rematch:
        with django_capture_on_commit_callbacks(execute=True):
            analysis = services.analysis_accept(
                actor=act(world.owner_user),
                analysis=analysis,
                parts=["sub_problems", "routes", "contract_type"],
            )
    rematch.assert_called_once_with(world.need.pk)
    assert not analysis.need_pending_review
    need = Need.objects.get(pk=world.need.pk)
    assert need.problem == "废水回用率低，想提高。\n\n分解的子问题：\n1. 膜污染控制\n2. 浓水处置"
    assert need.background.endswith(
        "需求分析建议的技术路线：\n"
        "1. 双膜法（超滤 + 反渗透） — 工艺成熟，国内已有同规模案例。\n"
        "2. 臭氧催化氧化 + 生化"
    )
    assert need.target_indicators == ""
    assert list(need.cooperation_modes.values_list("code", flat=True)) == [
        "commissioned_development"
    ]
    assert CooperationMode.objects.filter(code="commissioned_development").exists()


def test_the_owner_chooses_at_least_one_part_that_the_analysis_has(world):
    analysis = submitted(world, team_invitation(world), world.team_user)
    for parts in ([], ["price"]):
        with pytest.raises(ValidationError) as error:
            services.analysis_accept(actor=act(world.owner_user), analysis=analysis, parts=parts)
        assert "parts" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.analysis_accept(
            actor=act(world.team_user), analysis=analysis, parts=["problem_statement"]
        )
    assert DemandAnalysis.objects.get(pk=analysis.pk).status == AnalysisStatus.SUBMITTED


def test_declining_keeps_the_need_unchanged_and_tells_the_analyst(world, order):
    analysis = DemandAnalysis.objects.get(order=order)
    analysis = submitted(world, analysis, world.agency_user)
    before = Need.objects.get(pk=world.need.pk)
    analysis = services.analysis_decline(
        actor=act(world.owner_user), analysis=analysis, note="指标与我们的设想不符。"
    )
    assert analysis.status == AnalysisStatus.DECLINED and analysis.decided_at
    after = Need.objects.get(pk=world.need.pk)
    assert (after.problem, after.pending_changes) == (before.problem, before.pending_changes)
    assert Notification.objects.filter(user=world.agency_user, body="指标与我们的设想不符。")
    with pytest.raises(ValidationError):
        services.analysis_accept(
            actor=act(world.owner_user), analysis=analysis, parts=["problem_statement"]
        )
