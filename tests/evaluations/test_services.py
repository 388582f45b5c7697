"""The evaluation's services: opening with the order, the panel's conflict rule and minimum,
the rubric's bounds, the result (means, weighted score, median TRL rounded down), issuing and
delivering, the evaluated TRL on completion, the one appeal, and who may do what."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from catalogue.models import ServiceCategory
from conversations.models import Conversation
from deals.models import Deal
from evaluations import services
from evaluations.models import Appeal, Evaluation, EvaluationStatus, Opinion
from evaluations.selectors import evaluation_get, evaluation_list_visible, result_from
from notifications.models import Notification
from orders.models import DeliveryFile, OrderStatus
from orders.services import order_transition
from organizations.selectors import Actor
from outcomes.models import OutcomeEvent
from repositories.models import Achievement
from tests.evaluations.conftest import (
    SCORES,
    act,
    issue,
    place,
    receive_materials,
    score,
    seat_panel,
)
from tests.factories import OrganizationFactory, member_of
from tests.orders.conftest import offering_of

pytestmark = pytest.mark.django_db

S = EvaluationStatus
N = OutcomeEvent.Name


def errors_of(excinfo):
    return excinfo.value.message_dict


def add(market, evaluation, **fields):
    values = {"name": "王专家", "affiliation": "清华大学环境学院", "declared_no_conflict": True}
    return services.panel_member_add(
        actor=act(market.agency_user), evaluation=evaluation, **{**values, **fields}
    )


# --- opening ---------------------------------------------------------------------------------


def test_an_evaluation_order_for_an_achievement_opens_its_evaluation(market, order, achievement):
    evaluation = Evaluation.objects.get(order=order)

    assert evaluation.achievement_id == achievement.pk
    assert evaluation.status == S.SETUP
    assert evaluation.scope == order.scope
    assert [m.name for m in evaluation.materials.all()] == [
        "成果技术总结报告",
        "检测或测试报告",
        "知识产权证明（专利证书等）",
        "科技查新报告",
        "应用证明或用户意见",
    ]


def test_other_orders_open_no_evaluation(market, achievement):
    without_listing = place(market, None)
    category = ServiceCategory.objects.exclude(code="evaluation").first()
    other = offering_of(market.agency, category, user=market.agency_user)
    market.offering = other
    another_kind = place(market, achievement)

    assert not Evaluation.objects.filter(order__in=[without_listing, another_kind]).exists()


# --- the panel ----------------------------------------------------------------------------------


def test_no_expert_from_the_owner_the_provider_or_the_deals_other_party(market, achievement):
    partner = OrganizationFactory(name="绍兴印染集团有限公司")
    conversation = Conversation.objects.create(
        origin="request",
        party_a=market.buyer,
        party_b=partner,
        subject="技术许可",
        listing=achievement,
        region=market.buyer.region,
    )
    deal = Deal.objects.create(
        title="膜处理技术许可",
        origin="conversation",
        demand_party=partner,
        supply_party=market.buyer,
        conversation=conversation,
        region=market.buyer.region,
    )
    order = place(market, achievement, deal=deal)
    order_transition(actor=act(market.agency_user), order=order, action="accept")
    evaluation = Evaluation.objects.get(order=order)

    for party in (market.buyer, market.agency, partner):
        with pytest.raises(ValidationError) as refused:
            add(market, evaluation, organization=party)
        assert errors_of(refused) == {
            "organization": [f"{party.name}是本次评价的当事方：评价专家不得来自任何一方的单位。"]
        }
    # Typed as the affiliation, spaces and all, it is refused too.
    with pytest.raises(ValidationError) as refused:
        add(market, evaluation, affiliation=f" {partner.name[:4]} {partner.name[4:]}")
    assert list(errors_of(refused)) == ["affiliation"]
    assert not evaluation.panel.exists()
    # An unrelated organization is fine.
    member = add(market, evaluation, organization=OrganizationFactory(name="浙江工业大学"))
    assert member.declared_at is not None


def test_a_panel_needs_three_declared_experts(market, evaluation, settings):
    provider = act(market.agency_user)
    seat_panel(market, evaluation, experts=[("甲", "教授", "甲大学", ""), ("乙", "", "乙所", "")])

    with pytest.raises(ValidationError) as refused:
        services.panel_confirm(actor=provider, evaluation=evaluation)
    assert errors_of(refused) == {"panel": ["评价专家组至少需要 3 位专家，目前有 2 位。"]}

    undeclared = add(market, evaluation, name="丙", declared_no_conflict=False)
    with pytest.raises(ValidationError) as refused:
        services.panel_confirm(actor=provider, evaluation=evaluation)
    assert "丙" in errors_of(refused)["panel"][0]

    # A declared conflict needs its statement, and still keeps the expert from scoring.
    with pytest.raises(ValidationError) as refused:
        services.panel_member_declare(actor=provider, member=undeclared, no_conflict=False)
    assert list(errors_of(refused)) == ["statement"]
    services.panel_member_declare(
        actor=provider, member=undeclared, no_conflict=True, statement="无利益关系。"
    )
    services.panel_confirm(actor=provider, evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == S.SCORING
    # The panel is fixed once scoring starts.
    with pytest.raises(ValidationError):
        add(market, evaluation, name="丁")
    with pytest.raises(ValidationError):
        services.panel_member_remove(actor=provider, member=undeclared)

    settings.EVALUATION_PANEL_MIN = 4
    other = place(market, evaluation.achievement)
    order_transition(actor=provider, order=other, action="accept")
    seat_panel(market, other.evaluation)
    with pytest.raises(ValidationError) as refused:
        services.panel_confirm(actor=provider, evaluation=other.evaluation)
    assert "至少需要 4 位" in errors_of(refused)["panel"][0]


def test_a_duplicate_expert_and_bad_input_are_named_by_field(market, evaluation):
    add(market, evaluation)
    with pytest.raises(ValidationError) as refused:
        add(market, evaluation)
    assert list(errors_of(refused)) == ["name"]
    with pytest.raises(ValidationError) as refused:
        add(market, evaluation, name="  ", affiliation="")
    assert errors_of(refused) == {"name": ["请填写此项。"], "affiliation": ["请填写此项。"]}


# --- scoring and the result ---------------------------------------------------------------------


@pytest.fixture
def scoring(market, evaluation):
    members = seat_panel(market, evaluation)
    services.panel_confirm(actor=act(market.agency_user), evaluation=evaluation)
    return members


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("innovation", 6, "技术创新性：请填写 1 至 5 之间的整数。"),
        ("innovation", 0, "技术创新性：请填写 1 至 5 之间的整数。"),
        ("maturity", 10, "成熟度（技术就绪水平）：请填写 1 至 9 之间的整数。"),
        ("market", "4", "市场前景：请填写 1 至 5 之间的整数。"),
    ],
)
def test_scores_outside_the_rubric_are_refused_by_field(market, scoring, key, value, message):
    with pytest.raises(ValidationError) as refused:
        services.opinion_record(
            actor=act(market.agency_user),
            member=scoring[0],
            comment="意见",
            **{**SCORES, key: value},
        )
    assert errors_of(refused) == {key: [message]}
    assert not Opinion.objects.exists()


def test_an_opinion_entered_again_replaces_the_rounds_entry(market, scoring):
    provider = act(market.agency_user)
    services.opinion_record(actor=provider, member=scoring[0], comment="初评", **SCORES)
    services.opinion_record(
        actor=provider, member=scoring[0], comment="复核", **{**SCORES, "innovation": 5}
    )
    opinion = Opinion.objects.get()
    assert (opinion.comment, opinion.innovation, opinion.round) == ("复核", 5, 1)


def _opinions(*trls, **scores):
    return [SimpleNamespace(**{**SCORES, **scores, "maturity": trl}) for trl in trls]


def test_the_result_is_the_mean_per_criterion_and_the_median_trl_rounded_down():
    result = result_from(_opinions(6, 7, 5, 9))
    # The median of 5, 6, 7, 9 is 6.5: rounded down, 6.
    assert result.evaluated_maturity == 6
    assert result_from(_opinions(5, 6)).evaluated_maturity == 5
    assert result_from(_opinions(3, 8, 4)).evaluated_maturity == 4
    assert result.means == {
        "innovation": Decimal("4.00"),
        "advancement": Decimal("4.00"),
        "maturity": Decimal("6.75"),
        "ip_strength": Decimal("3.00"),
        "market": Decimal("4.00"),
    }
    # 80×25% + 80×25% + 75×20% + 60×15% + 80×15% = 76
    assert result.overall == Decimal("76.0")
    assert result.level == 4
    assert result_from([]) is None


# --- issuing ------------------------------------------------------------------------------------


def test_issuing_waits_for_every_opinion_and_every_material(market, evaluation):
    members = seat_panel(market, evaluation)
    services.panel_confirm(actor=act(market.agency_user), evaluation=evaluation)
    services.opinion_record(
        actor=act(market.agency_user), member=members[0], comment="好", **SCORES
    )
    with pytest.raises(ValidationError) as refused:
        issue(market, evaluation)
    errors = errors_of(refused)
    assert set(errors) == {"panel", "materials"}
    assert "陈静" in errors["panel"][0] and "周建国" in errors["panel"][0]
    assert "科技查新报告" in errors["materials"][0]
    assert not evaluation.reports.exists()


def test_issuing_makes_the_pdf_records_it_and_delivers_the_order(market, issued):
    evaluation, report = issued.evaluation, issued.report
    order = evaluation.order
    order.refresh_from_db()

    assert evaluation.status == S.ISSUED
    assert (report.version, report.evaluated_maturity, report.panel_size) == (1, 6, 3)
    assert report.means["maturity"] == "6.00"
    content = report.file.open("rb").read()
    assert content.startswith(b"%PDF") and len(content) > 3000
    assert report.size == len(content)
    assert order.status == OrderStatus.DELIVERED
    delivered = DeliveryFile.objects.get(delivery__order=order)
    assert delivered.name == f"evaluation-report-{evaluation.pk}-v1.pdf"
    assert delivered.file.open("rb").read() == content
    event = OutcomeEvent.objects.get(name=N.EVALUATION_REPORT_ISSUED)
    assert (event.organization_id, event.counterpart_id) == (market.agency.pk, market.buyer.pk)
    assert event.data["evaluated_maturity"] == 6 and event.data["declared_maturity"] == 6
    assert Notification.objects.filter(
        user=market.buyer_user, title__startswith="评价报告已出具"
    ).exists()
    # Not yet on the achievement: the buyer has not accepted the report.
    assert Achievement.objects.get(pk=evaluation.achievement_id).evaluated_maturity is None


def test_completing_the_order_makes_it_final_and_sets_the_evaluated_trl(market, final):
    evaluation = final.evaluation
    achievement = Achievement.objects.get(pk=evaluation.achievement_id)

    assert evaluation.status == S.FINAL and evaluation.final_at is not None
    assert (achievement.maturity, achievement.evaluated_maturity) == (6, 6)
    assert achievement.evaluated_at is not None


def test_a_revision_scores_again_and_delivers_version_two(market, issued):
    evaluation = issued.evaluation
    provider = act(market.agency_user)
    with pytest.raises(ValidationError):
        services.evaluation_reopen(actor=provider, evaluation=evaluation)
    order_transition(
        actor=act(market.buyer_user),
        order=evaluation.order,
        action="request_revision",
        note="请补充竞品对比。",
    )
    services.evaluation_reopen(actor=provider, evaluation=evaluation)
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.round) == (S.SCORING, 2)
    assert Opinion.objects.filter(round=2).count() == 3
    for member in issued.members:
        services.opinion_record(
            actor=provider, member=member, comment="复核后意见", **{**SCORES, "maturity": 7}
        )
    report = issue(market, evaluation)
    assert (report.version, report.evaluated_maturity) == (2, 7)
    evaluation.order.refresh_from_db()
    assert evaluation.order.status == OrderStatus.DELIVERED
    assert evaluation.order.deliveries.count() == 2


# --- the appeal ---------------------------------------------------------------------------------


def appeal(market, evaluation, statement="查新报告已证明主要指标优于国外同类产品。"):
    return services.appeal_file(
        actor=act(market.buyer_user), evaluation=evaluation, statement=statement
    )


def test_the_owner_appeals_once_and_the_provider_upholds(market, final):
    evaluation = final.evaluation
    with pytest.raises(PermissionDenied):
        services.appeal_file(actor=act(market.agency_user), evaluation=evaluation, statement="x")
    appeal(market, evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == S.APPEALED
    assert OutcomeEvent.objects.filter(name=N.EVALUATION_APPEALED).count() == 1

    with pytest.raises(ValidationError) as refused:
        services.appeal_decide(
            actor=act(market.agency_user), evaluation=evaluation, decision="maybe", reasons=""
        )
    assert set(errors_of(refused)) == {"decision", "reasons"}
    services.appeal_decide(
        actor=act(market.agency_user),
        evaluation=evaluation,
        decision=Appeal.Decision.UPHOLD,
        reasons="查新报告未涉及关键指标，维持原评价。",
    )
    evaluation.refresh_from_db()
    assert evaluation.status == S.FINAL
    event = OutcomeEvent.objects.get(name=N.EVALUATION_APPEAL_DECIDED)
    assert event.data["decision"] == "uphold"

    with pytest.raises(ValidationError) as refused:
        appeal(market, evaluation)
    assert errors_of(refused)["statement"][0].startswith("成果评价只能申诉一次")
    assert Appeal.objects.count() == 1


def test_an_appeal_for_reissue_gives_version_two_and_a_new_trl(market, final):
    evaluation = final.evaluation
    provider = act(market.agency_user)
    appeal(market, evaluation)
    services.appeal_decide(
        actor=provider,
        evaluation=evaluation,
        decision=Appeal.Decision.REISSUE,
        reasons="补充材料属实，重新评议。",
    )
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.round) == (S.SCORING, 2)
    for member in final.members:
        services.opinion_record(
            actor=provider, member=member, comment="补充材料后", **{**SCORES, "maturity": 7}
        )
    report = issue(market, evaluation)
    evaluation.refresh_from_db()

    assert (report.version, evaluation.status) == (2, S.FINAL)
    assert Achievement.objects.get(pk=evaluation.achievement_id).evaluated_maturity == 7
    # The completed order is not delivered again.
    assert evaluation.order.deliveries.count() == 1


def test_an_appeal_comes_within_the_window(market, final, settings):
    evaluation = final.evaluation
    Evaluation.objects.filter(pk=evaluation.pk).update(final_at=timezone.now() - timedelta(days=31))
    with pytest.raises(ValidationError) as refused:
        appeal(market, evaluation)
    assert errors_of(refused) == {"statement": ["申诉须在评价生效后 30 天内提出。"]}
    settings.EVALUATION_APPEAL_DAYS = 60
    appeal(market, evaluation)


def test_no_appeal_before_the_evaluation_is_final(market, issued):
    with pytest.raises(ValidationError) as refused:
        appeal(market, issued.evaluation)
    assert list(errors_of(refused)) == ["statement"]


# --- who may do what ----------------------------------------------------------------------------


def test_only_the_provider_works_on_it_and_only_readers_see_it(market, evaluation, outsider):
    member_of(outsider, username="outsider")
    outsider_user = outsider.memberships.get().user
    for user in (market.buyer_user, market.rival_user, outsider_user, market.staff):
        with pytest.raises(PermissionDenied):
            services.panel_member_add(
                actor=act(user), evaluation=evaluation, name="甲", affiliation="甲大学"
            )
    assert not evaluation.panel.exists()

    for user in (market.buyer_user, market.agency_user, market.staff):
        assert evaluation_get(actor=act(user), pk=evaluation.pk) == evaluation
    for user in (market.rival_user, outsider_user, market.far_staff):
        with pytest.raises(Http404):
            evaluation_get(actor=act(user), pk=evaluation.pk)
        assert not evaluation_list_visible(actor=act(user)).exists()
    with pytest.raises(Http404):
        evaluation_get(actor=Actor(user=None), pk=evaluation.pk)


def test_the_work_waits_for_the_provider_to_accept_the_order(market, order):
    evaluation = Evaluation.objects.get(order=order)
    with pytest.raises(ValidationError) as refused:
        add(market, evaluation)
    assert list(errors_of(refused)) == ["status"]


def test_scores_and_materials_in_the_flow(market, evaluation):
    members = seat_panel(market, evaluation)
    receive_materials(market, evaluation)
    score(market, evaluation, members, trls=(4, 5, 9))
    report = issue(market, evaluation)
    assert report.evaluated_maturity == 5
