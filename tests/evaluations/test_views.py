"""The evaluation's pages through the Django test client: the order page's panel, the whole
evaluation walked through by posting the pages' forms, bad input coming back with its Chinese
error naming the field and what was typed kept, the PDF's permission check, the public summary
(404 to outsiders until final), the achievement showing both TRLs, and the rubric."""

import re

import pytest
from django.urls import reverse

from evaluations.models import Evaluation, EvaluationStatus, PanelMember
from orders.services import order_transition
from tests.evaluations.conftest import EXPERTS, SCORES, act
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def field_errors(page, name):
    return re.findall(rf'data-field="{name}">(.*?)</div>', page)


def login(client, user):
    client.force_login(user)
    return client


def url(name, pk):
    return reverse(f"evaluations:{name}", args=[pk])


def test_the_order_page_shows_the_evaluation_and_the_provider_works_on_it(
    client, market, evaluation
):
    login(client, market.agency_user)
    page = html(client.get(evaluation.order.get_absolute_url()))
    assert 'id="order-evaluation"' in page and "开展评价" in page
    page = html(client.get(evaluation.get_absolute_url()))
    assert 'id="setup-form"' in page and 'id="member-form"' in page
    assert "科技查新报告" in page


def test_the_whole_evaluation_through_the_pages(client, market, evaluation):
    login(client, market.agency_user)
    response = client.post(
        url("setup", evaluation.pk), {"purpose": "financing", "scope": "评价创新性与成熟度。"}
    )
    assert response.status_code == 302
    materials = list(evaluation.materials.values_list("pk", flat=True))
    client.post(url("materials", evaluation.pk), {"received": materials, "new": "中试运行报告"})
    assert evaluation.materials.filter(received=False).get().name == "中试运行报告"
    client.post(
        url("materials", evaluation.pk),
        {"received": list(evaluation.materials.values_list("pk", flat=True))},
    )
    for name, title, affiliation, field in EXPERTS:
        client.post(
            url("member_add", evaluation.pk),
            {
                "name": name,
                "title": title,
                "affiliation": affiliation,
                "field": field,
                "declared_no_conflict": "on",
                "statement": "无利益关系。",
            },
        )
    assert evaluation.panel.count() == 3
    assert client.post(url("panel_confirm", evaluation.pk)).status_code == 302
    for member in evaluation.panel.all():
        response = client.post(url("opinion", member.pk), {**SCORES, "comment": "数据可信。"})
        assert response.status_code == 302
    response = client.post(
        url("issue", evaluation.pk),
        {"conclusion": "国内领先。", "public_summary": "具有较好的转化前景。"},
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.ISSUED
    report = evaluation.reports.get()
    pdf = client.get(report.get_pdf_url())
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    # The owner accepts on the order's page; the achievement shows both TRLs.
    owner = login(client, market.buyer_user)
    owner.post(reverse("orders:act", args=[evaluation.order_id]), {"action": "complete"})
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.FINAL
    page = html(client.get(evaluation.achievement.get_absolute_url()))
    assert 'id="evaluated-maturity"' in page
    assert "TRL 6 · 原型样机演示（中试）" in page
    assert evaluation.get_summary_url() in page

    # Appeal once from the workspace; a second is refused.
    response = client.post(url("appeal", evaluation.pk), {"statement": "请复核成熟度。"})
    assert response.status_code == 302
    login(client, market.agency_user)
    response = client.post(
        url("appeal_decide", evaluation.pk), {"decision": "uphold", "reasons": "维持。"}
    )
    assert response.status_code == 302
    login(client, market.buyer_user)
    page = html(client.get(evaluation.get_absolute_url()))
    assert 'id="appeal-form"' not in page and "维持原报告" in page


def test_bad_input_comes_back_in_chinese_with_what_was_typed(client, market, evaluation):
    login(client, market.agency_user)
    response = client.post(
        url("member_add", evaluation.pk),
        {"name": "钱七", "title": "研究员", "affiliation": market.buyer.name, "field": "膜分离"},
    )
    assert response.status_code == 400
    page = html(response)
    assert field_errors(page, "affiliation") == [
        f"工作单位：{market.buyer.name}是本次评价的当事方：评价专家不得来自任何一方的单位。"
    ]
    assert 'value="钱七"' in page and 'value="膜分离"' in page
    assert not PanelMember.objects.exists()

    response = client.post(url("setup", evaluation.pk), {"purpose": "nonsense", "scope": ""})
    assert response.status_code == 400
    page = html(response)
    assert field_errors(page, "purpose")[0].startswith("评价目的：")
    assert field_errors(page, "scope") == ["评价范围：该字段是必填项。"]


def test_a_bad_score_names_its_criterion_and_keeps_the_opinion(client, market, evaluation):
    login(client, market.agency_user)
    for name, _title, affiliation, _field in EXPERTS:
        client.post(
            url("member_add", evaluation.pk),
            {"name": name, "affiliation": affiliation, "declared_no_conflict": "on"},
        )
    client.post(url("panel_confirm", evaluation.pk))
    member = evaluation.panel.first()
    response = client.post(
        url("opinion", member.pk), {**SCORES, "innovation": "9", "comment": "创新性突出。"}
    )
    assert response.status_code == 400
    page = html(response)
    assert field_errors(page, "innovation")[0].startswith("技术创新性：")
    assert "创新性突出。" in page
    assert not member.opinions.exists()
    # Issuing too early names what is missing.
    response = client.post(
        url("issue", evaluation.pk), {"conclusion": "结论", "public_summary": ""}
    )
    assert response.status_code == 400
    page = html(response)
    assert field_errors(page, "public_summary") == ["公开摘要：该字段是必填项。"]
    assert "结论" in page


def test_an_appeal_refused_shows_why(client, market, final):
    evaluation = final.evaluation
    login(client, market.buyer_user)
    response = client.post(url("appeal", evaluation.pk), {"statement": ""})
    assert response.status_code == 400
    assert field_errors(html(response), "statement") == ["申诉理由：该字段是必填项。"]


@pytest.fixture
def stranger(db):
    organization = OrganizationFactory(name="无关机构")
    return member_of(organization, username="stranger")


def test_who_sees_the_workspace_and_the_pdf(client, market, issued, stranger):
    evaluation, report = issued.evaluation, issued.report
    for user in (market.buyer_user, market.agency_user, market.staff):
        login(client, user)
        assert client.get(evaluation.get_absolute_url()).status_code == 200
        assert client.get(report.get_pdf_url()).status_code == 200
    for user in (market.rival_user, market.far_staff, stranger):
        login(client, user)
        assert client.get(evaluation.get_absolute_url()).status_code == 404
        assert client.get(report.get_pdf_url()).status_code == 404
        # Not final yet: the summary is hidden too.
        assert client.get(evaluation.get_summary_url()).status_code == 404
    client.logout()
    assert client.get(report.get_pdf_url()).status_code == 302  # to the login page
    assert client.get(evaluation.get_summary_url()).status_code == 404


def test_the_staff_oversee_but_do_not_act(client, market, evaluation):
    login(client, market.staff)
    page = html(client.get(evaluation.get_absolute_url()))
    assert 'id="oversight-note"' in page and 'id="member-form"' not in page
    response = client.post(url("member_add", evaluation.pk), {"name": "甲", "affiliation": "甲所"})
    assert response.status_code == 403


def test_the_buyer_trying_the_providers_step_hears_why(client, market, evaluation):
    login(client, market.buyer_user)
    response = client.post(url("panel_confirm", evaluation.pk), follow=True)
    assert "只有承担评价的服务机构可以进行此操作。" in html(response)
    assert Evaluation.objects.get(pk=evaluation.pk).status == EvaluationStatus.SETUP


def test_the_public_summary_once_final(client, market, final, stranger):
    evaluation = final.evaluation
    client.logout()
    page = html(client.get(evaluation.get_summary_url()))
    assert "专家组认为该技术在印染废水处理方面" in page
    assert 'id="summary-not-public"' not in page and 'id="to-work"' not in page
    assert "TRL 6" in page
    # Not for an achievement taken down.
    evaluation.achievement.status = "closed"
    evaluation.achievement.save()
    assert client.get(evaluation.get_summary_url()).status_code == 404
    login(client, market.buyer_user)
    assert 'id="summary-not-public"' in html(client.get(evaluation.get_summary_url()))


def test_unknown_ids_are_not_found(client, market):
    login(client, market.agency_user)
    for name in ("work", "summary", "opinion", "member_declare", "pdf"):
        assert client.get(url(name, 999999)).status_code in (404, 405)
    assert client.post(url("opinion", 999999), {}).status_code == 404
    assert client.post(url("member_remove", 999999)).status_code == 404


def test_the_rubric_is_published(client):
    page = html(client.get(reverse("evaluations:rubric")))
    for label in ("技术创新性", "技术先进性", "成熟度（技术就绪水平）", "知识产权强度", "市场前景"):
        assert label in page
    assert "权重 25%" in page and "国际领先" in page


def test_a_revision_through_the_pages(client, market, issued):
    evaluation = issued.evaluation
    order_transition(
        actor=act(market.buyer_user),
        order=evaluation.order,
        action="request_revision",
        note="请补充对比。",
    )
    login(client, market.agency_user)
    assert 'id="reopen-form"' in html(client.get(evaluation.get_absolute_url()))
    client.post(url("reopen", evaluation.pk))
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.round) == (EvaluationStatus.SCORING, 2)
