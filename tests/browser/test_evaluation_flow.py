"""An achievement evaluation (成果评价) in a real browser, with the agency's own system on the
API: the enterprise orders the agency's evaluation for its achievement → the agency's program
accepts it, sets it out, seats a panel that declares no conflicts, enters the experts' scores
and issues the report, which delivers the order → the enterprise accepts the delivery → its
achievement shows the evaluated TRL beside the declared one → both review → the agency's credit
standing changes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from catalogue.models import ServiceCategory
from credit.models import CreditStanding
from credit.selectors import credit_compute
from evaluations.models import Evaluation, EvaluationStatus
from organizations.models import Organization
from repositories.models import Achievement
from tests import factories
from tests.browser.test_deal_flow import act, set_date
from tests.evaluations.conftest import EXPERTS, SCORES
from tests.orders.conftest import offering_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Program:
    """The agency's own system: calls to the API with its organization's token."""

    def __init__(self, key):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Token {key}"}

    def post(self, path, data=None, status=200):
        response = self.client.post(
            f"/api/v1/{path}", data or {}, content_type="application/json", **self.headers
        )
        assert response.status_code == status, response.content.decode()
        return response.json()

    def get(self, path):
        response = self.client.get(f"/api/v1/{path}", **self.headers)
        assert response.status_code == 200, response.content.decode()
        return response.json()


def test_an_enterprise_orders_an_evaluation_and_its_achievement_shows_the_trl(new_browser):
    enterprise = factories.OrganizationFactory(name="杭州澄源环保科技有限公司")
    factories.member_of(enterprise, username="cy_owner", display_name="林总")
    agency = factories.OrganizationFactory(name="浙江省科技评估中心", kind=Organization.Kind.AGENCY)
    evaluator = factories.member_of(agency, username="zj_eval", display_name="评估部")
    offering = offering_of(
        agency, ServiceCategory.objects.get(code="evaluation"), price="9800", user=evaluator
    )
    achievement = factories.AchievementFactory(
        organization=enterprise, title="印染废水膜生物反应器处理技术", maturity=5
    )
    program = Program(factories.api_token_for(agency, user=evaluator)[1])
    assert credit_compute(organization=agency).event_count == 0

    # The enterprise orders the evaluation for its achievement.
    firm = new_browser()
    firm.log_in("cy_owner")
    firm.go(offering.get_absolute_url())
    firm.fill("scope", "对该成果做第三方评价，用于技术许可谈判。", form="#order-form")
    set_date(firm, "#order-form", "due_on", timezone.localdate() + timedelta(days=30))
    firm.click("#order-form details summary")
    firm.select("listing", value=achievement.pk, form="#order-form")
    firm.submit_with("#order-submit")
    evaluation = Evaluation.objects.get(achievement=achievement)
    order = evaluation.order
    firm.wait_for_path(f"/orders/{order.pk}/")
    assert "筹备中" in firm.text("#order-evaluation")

    # The agency's program accepts, sets it out, seats the panel, scores and issues.
    program.post(f"orders/{order.pk}/transition/", {"action": "accept"})
    base = f"evaluations/{evaluation.pk}/"
    body = program.post(f"{base}setup/", {"purpose": "transfer", "scope": "评价五项指标。"})
    for material in body["materials"]:
        program.post(f"{base}materials/{material['id']}/", {"received": True})
    for name, title, affiliation, field in EXPERTS:
        body = program.post(
            f"{base}panel/",
            {
                "name": name,
                "title": title,
                "affiliation": affiliation,
                "field": field,
                "declared_no_conflict": True,
                "statement": "与双方无任职、投资或合作关系。",
            },
            status=201,
        )
    program.post(f"{base}panel/confirm/")
    for member, trl in zip(body["panel"], (6, 7, 6), strict=True):
        program.post(
            f"{base}opinions/",
            {**SCORES, "maturity": trl, "member": member["id"], "comment": "中试数据可信。"},
            status=201,
        )
    issued = program.post(
        f"{base}issue/",
        {"conclusion": "总体达到国内领先水平。", "public_summary": "具有较好的转化前景。"},
        status=201,
    )
    assert issued["reports"][0]["evaluated_maturity"] == 6

    # The enterprise reads the delivered report and accepts the delivery.
    firm.go(order.get_absolute_url())
    assert "报告已出具" in firm.text("#order-evaluation")
    assert "-v1.pdf" in firm.text("#deliveries")
    act(firm, "complete")
    assert firm.find("#order-status").text == "已完成"
    assert Evaluation.objects.get(pk=evaluation.pk).status == EvaluationStatus.FINAL

    # The achievement shows the evaluated TRL beside the declared one, with the summary.
    firm.go(achievement.get_absolute_url())
    assert "TRL 6" in firm.text("#evaluated-maturity")
    details = firm.text("main")
    assert "TRL 5" in details and details.index("TRL 5") < details.index("TRL 6")
    assert Achievement.objects.get(pk=achievement.pk).evaluated_maturity == 6
    firm.click("#evaluation-summary-link")
    firm.wait_for_path(f"/evaluations/{evaluation.pk}/")
    assert "具有较好的转化前景。" in firm.text("#summary-text")

    # Both review: the enterprise on the order's page, the agency's program by the API.
    firm.go(order.get_absolute_url())
    firm.click('#review-form input[name="rating"][value="5"]')
    firm.fill("comment", "专家阵容权威，报告规范。", form="#review-form")
    firm.submit_with("#review-form button[type=submit]")
    program.post(f"orders/{order.pk}/reviews/", {"rating": 5, "comment": "材料齐全。"}, status=201)
    firm.go(order.get_absolute_url())
    assert len(firm.find_elements("css selector", "#reviews .review")) == 2

    # The agency's standing changed: the completion on time and the five stars count.
    standing = credit_compute(organization=agency)
    assert {str(line.label) for line in standing.lines} == {
        "订单按期完成",
        "获评 5 星（满分 5 星）",
    }
    assert standing.good > 0 and standing.bad == 0
    assert CreditStanding.objects.get(organization=agency).event_count == 2
