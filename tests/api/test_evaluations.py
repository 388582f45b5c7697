"""The API of achievement evaluations, checked against api/openapi.yaml: a whole evaluation
driven by the agency's program alone (and the owner's for completing and appealing), the
conflict rule and the rubric's bounds named by field, the PDF for the parties only, another
agency's token seeing nothing, the webhook the owner's program receives, and a list whose
queries do not grow with its length."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.models import Evaluation
from orders.models import OrderStatus
from orders.services import order_transition
from organizations.selectors import actor_for
from tests.evaluations import conftest as evaluation_fixtures
from tests.evaluations.conftest import (
    EXPERTS,
    SCORES,
    issue,
    place,
    receive_materials,
    score,
    seat_panel,
)
from tests.factories import AchievementFactory, api_token_for
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

market = evaluation_fixtures.market
achievement = evaluation_fixtures.achievement
order = evaluation_fixtures.order

EVALUATIONS = "/api/v1/evaluations/"
ORDERS = "/api/v1/orders/"


def call(client, method, path, key=None, data=None):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    if method == "get":
        return client.get(path, data or {}, **headers)
    return client.post(
        path, {} if data is None else data, content_type="application/json", **headers
    )


def refused(response, field):
    assert response.status_code == 400, response.json()
    body = response.json()
    assert field in body["fields"], body
    return body["fields"][field]


@pytest.fixture
def keys(market):
    return SimpleNamespace(
        buyer=api_token_for(market.buyer, user=market.buyer_user)[1],
        agency=api_token_for(market.agency, user=market.agency_user)[1],
        rival=api_token_for(market.rival, user=market.rival_user)[1],
    )


def test_a_whole_evaluation_through_the_api(client, market, order, achievement, keys):
    webhook_endpoint_create(
        organization=market.buyer,
        actor=actor_for(user=market.buyer_user),
        url="https://erp.buyer.example.cn/hooks",
        events=["evaluation.updated"],
    )
    accepted = call(
        client, "post", f"{ORDERS}{order.pk}/transition/", keys.agency, {"action": "accept"}
    )
    assert accepted.status_code == 200
    [row] = call(client, "get", EVALUATIONS, keys.agency).json()["results"]
    base = f"{EVALUATIONS}{row['id']}/"
    assert (row["status"], row["your_side"], row["achievement"]) == (
        "setup",
        "provider",
        achievement.pk,
    )

    body = call(
        client, "post", f"{base}setup/", keys.agency, {"purpose": "transfer", "scope": "评价范围"}
    ).json()
    assert (body["purpose"], body["scope"]) == ("transfer", "评价范围")
    added = call(client, "post", f"{base}materials/", keys.agency, {"name": "中试报告"})
    assert added.status_code == 201
    for material in added.json()["materials"]:
        response = call(
            client, "post", f"{base}materials/{material['id']}/", keys.agency, {"received": True}
        )
        assert response.status_code == 200
    assert all(m["received"] for m in response.json()["materials"])

    # The conflict rule, by organization id or by the typed affiliation.
    assert refused(
        call(
            client,
            "post",
            f"{base}panel/",
            keys.agency,
            {"name": "甲", "affiliation": "某大学", "organization": market.buyer.pk},
        ),
        "organization",
    ) == [f"{market.buyer.name}是本次评价的当事方：评价专家不得来自任何一方的单位。"]
    assert refused(
        call(
            client,
            "post",
            f"{base}panel/",
            keys.agency,
            {"name": "乙", "affiliation": market.agency.name},
        ),
        "affiliation",
    )
    for name, title, affiliation, field in EXPERTS:
        response = call(
            client,
            "post",
            f"{base}panel/",
            keys.agency,
            {"name": name, "title": title, "affiliation": affiliation, "field": field},
        )
        assert response.status_code == 201
    panel = response.json()["panel"]
    early = call(client, "post", f"{base}panel/confirm/", keys.agency)
    assert early.status_code == 409
    assert "甲" not in early.json()["message"] and EXPERTS[0][0] in early.json()["message"]
    for member in panel:
        call(
            client,
            "post",
            f"{base}panel/{member['id']}/declare/",
            keys.agency,
            {"no_conflict": True, "statement": "无利益关系"},
        )
    confirmed = call(client, "post", f"{base}panel/confirm/", keys.agency)
    assert confirmed.json()["status"] == "scoring"

    assert refused(
        call(
            client,
            "post",
            f"{base}opinions/",
            keys.agency,
            {**SCORES, "maturity": 10, "member": panel[0]["id"], "comment": "x"},
        ),
        "maturity",
    ) == ["成熟度（技术就绪水平）：请填写 1 至 9 之间的整数。"]
    for member, trl in zip(panel, (5, 6, 8), strict=True):
        opinion = call(
            client,
            "post",
            f"{base}opinions/",
            keys.agency,
            {**SCORES, "maturity": trl, "member": member["id"], "comment": "意见"},
        )
        assert opinion.status_code == 201 and opinion.json()["maturity"] == trl

    issued = call(
        client,
        "post",
        f"{base}issue/",
        keys.agency,
        {"conclusion": "国内领先", "public_summary": "转化前景较好"},
    )
    assert issued.status_code == 201
    [report] = issued.json()["reports"]
    assert (report["version"], report["evaluated_maturity"], report["level"]) == (1, 6, 4)
    assert report["pdf_url"] == f"{base}reports/{report['id']}/pdf/"
    deliveries = list(WebhookDelivery.objects.filter(event="evaluation.updated").order_by("id"))
    assert [d.payload["action"] for d in deliveries] == [
        "set_up",
        "panel_confirmed",
        "report_issued",
    ]
    assert {d.endpoint.organization_id for d in deliveries} == {market.buyer.pk}
    assert deliveries[-1].payload["evaluation"]["evaluated_maturity"] == 6
    order_body = call(client, "get", f"{ORDERS}{order.pk}/", keys.buyer).json()
    assert order_body["status"] == OrderStatus.DELIVERED
    assert order_body["deliveries"][0]["files"][0]["name"].endswith("-v1.pdf")

    # The owner's program accepts the delivery: final, and the achievement shows the TRL.
    call(client, "post", f"{ORDERS}{order.pk}/transition/", keys.buyer, {"action": "complete"})
    assert call(client, "get", base, keys.buyer).json()["status"] == "final"
    listed = call(client, "get", f"/api/v1/achievements/{achievement.pk}/").json()
    assert (listed["maturity"], listed["evaluated_maturity"]) == (6, 6)
    assert listed["evaluated_at"]

    # The owner appeals once; the agency upholds.
    appealed = call(client, "post", f"{base}appeal/", keys.buyer, {"statement": "请复核"})
    assert appealed.status_code == 201 and appealed.json()["appeal"]["statement"] == "请复核"
    assert (
        call(client, "post", f"{base}appeal/", keys.agency, {"statement": "x"}).status_code == 403
    )
    decided = call(
        client,
        "post",
        f"{base}appeal/decide/",
        keys.agency,
        {"decision": "uphold", "reasons": "维持"},
    )
    assert decided.json()["appeal"]["decision"] == "uphold"
    assert decided.json()["status"] == "final"
    assert refused(
        call(client, "post", f"{base}appeal/", keys.buyer, {"statement": "再次"}), "statement"
    )


def test_another_agencys_token_sees_nothing(client, market, order, keys):
    call(client, "post", f"{ORDERS}{order.pk}/transition/", keys.agency, {"action": "accept"})
    evaluation = Evaluation.objects.get(order=order)
    assert call(client, "get", EVALUATIONS, keys.rival).json()["count"] == 0
    assert call(client, "get", f"{EVALUATIONS}{evaluation.pk}/", keys.rival).status_code == 404
    response = call(
        client,
        "post",
        f"{EVALUATIONS}{evaluation.pk}/panel/",
        keys.rival,
        {"name": "甲", "affiliation": "甲大学"},
    )
    assert response.status_code == 404
    assert not evaluation.panel.exists()
    # The owner reads it but does not set it up.
    assert (
        call(client, "get", f"{EVALUATIONS}{evaluation.pk}/", keys.buyer).json()["your_side"]
        == "buyer"
    )
    response = call(
        client,
        "post",
        f"{EVALUATIONS}{evaluation.pk}/panel/",
        keys.buyer,
        {"name": "甲", "affiliation": "甲大学"},
    )
    assert response.status_code == 403


def test_the_list_takes_the_same_queries_for_one_or_many(client, market, achievement, keys):
    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            response = call(client, "get", EVALUATIONS, keys.agency)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    place(market, achievement)
    list_queries()  # the token's use is recorded once a minute: not in the count
    one = list_queries()
    for _ in range(4):
        place(market, achievement)
    assert list_queries() == (one[0], 5)


@pytest.mark.openapi_exempt(reason="a streamed file: the validator reads response.content")
def test_the_pdf_is_served_to_the_parties_only(client, market, keys):
    order = place(market, AchievementFactory(organization=market.buyer))
    order_transition(actor=actor_for(user=market.agency_user), order=order, action="accept")
    evaluation = Evaluation.objects.get(order=order)
    members = seat_panel(market, evaluation)
    receive_materials(market, evaluation)
    score(market, evaluation, members)
    report = issue(market, evaluation)
    url = f"{EVALUATIONS}{evaluation.pk}/reports/{report.pk}/pdf/"
    for key in (keys.buyer, keys.agency):
        response = call(client, "get", url, key)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["Cache-Control"] == "private, no-store"
    assert call(client, "get", url, keys.rival).status_code == 404
    assert call(client, "get", url).status_code in (401, 403)
