"""An evaluation order: the Hangzhou enterprise orders the agency's fixed-price evaluation for
its achievement (TRL 6 self-declared); helpers take it through acceptance, the panel, the
opinions and the report."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from evaluations import services
from evaluations.models import Evaluation
from orders.services import order_place, order_transition
from organizations.selectors import actor_for
from tests.factories import AchievementFactory, OrganizationFactory
from tests.orders import conftest as orders_fixtures

market = orders_fixtures.market

SCORES = {"innovation": 4, "advancement": 4, "maturity": 6, "ip_strength": 3, "market": 4}
EXPERTS = (
    ("李明华", "教授", "浙江大学环境与资源学院", "水处理"),
    ("陈静", "研究员", "中国科学院生态环境研究中心", "膜分离"),
    ("周建国", "教授级高工", "中国环境科学研究院", "工业废水"),
)


def act(user):
    return actor_for(user=user)


@pytest.fixture
def achievement(market):
    return AchievementFactory(
        organization=market.buyer,
        created_by=market.buyer_user,
        title="印染废水膜生物反应器处理技术",
        maturity=6,
    )


def place(market, achievement, **extra):
    return order_place(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        offering=market.offering,
        scope="对“印染废水膜生物反应器处理技术”做第三方评价，用于技术许可谈判。",
        due_on=timezone.localdate() + timedelta(days=30),
        listing=achievement,
        **extra,
    )


@pytest.fixture
def order(market, achievement):
    return place(market, achievement)


@pytest.fixture
def evaluation(market, order) -> Evaluation:
    order_transition(actor=act(market.agency_user), order=order, action="accept")
    return Evaluation.objects.get(order=order)


def seat_panel(market, evaluation, experts=EXPERTS):
    provider = act(market.agency_user)
    members = [
        services.panel_member_add(
            actor=provider,
            evaluation=evaluation,
            name=name,
            title=title,
            affiliation=affiliation,
            field=field,
            declared_no_conflict=True,
            statement="与委托方及评价机构无利益关系。",
        )
        for name, title, affiliation, field in experts
    ]
    return members


def receive_materials(market, evaluation):
    for material in evaluation.materials.all():
        services.material_set_received(
            actor=act(market.agency_user), material=material, received=True
        )


def score(market, evaluation, members, trls=(6, 7, 5)):
    provider = act(market.agency_user)
    services.panel_confirm(actor=provider, evaluation=evaluation)
    for member, trl in zip(members, trls, strict=True):
        services.opinion_record(
            actor=provider,
            member=member,
            comment="技术路线清晰，中试数据可信。",
            **{**SCORES, "maturity": trl},
        )


def issue(market, evaluation):
    return services.report_issue(
        actor=act(market.agency_user),
        evaluation=evaluation,
        conclusion="该成果总体达到国内领先水平，技术成熟度为TRL 6。",
        public_summary="专家组认为该技术在印染废水处理方面具有较好的创新性和应用前景。",
    )


@pytest.fixture
def issued(market, evaluation):
    """The report issued and the order delivered with it."""
    members = seat_panel(market, evaluation)
    receive_materials(market, evaluation)
    score(market, evaluation, members)
    report = issue(market, evaluation)
    evaluation.refresh_from_db()
    return SimpleNamespace(evaluation=evaluation, report=report, members=members)


@pytest.fixture
def final(market, issued):
    order_transition(actor=act(market.buyer_user), order=issued.evaluation.order, action="complete")
    issued.evaluation.refresh_from_db()
    return issued


@pytest.fixture
def outsider(db):
    return OrganizationFactory(name="无关科技有限公司")
