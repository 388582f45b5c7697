"""The API of an order's milestones and of innovation vouchers, checked against
api/openapi.yaml: a plan and its milestones driven by the parties' programs, out-of-turn steps
refused, the whole delivery blocked until each milestone is accepted; a voucher issued by the
office's program, paid on an order by the buyer's, verified by the office's; a voucher spent
twice; bad input named by field in the request's language; and no program seeing another
organization's vouchers or payments."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from orders.models import Order, OrderMilestone, OrderStatus, Voucher, VoucherRedemption
from orders.services import order_transition, voucher_issue
from organizations.models import ApiToken
from tests.factories import OrganizationFactory, api_token_for, member_of
from tests.orders import conftest as orders_fixtures
from tests.orders.conftest import act, office_of
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

market = orders_fixtures.market
order = orders_fixtures.order

ORDERS = "/api/v1/orders/"
VOUCHERS = "/api/v1/vouchers/"
PAYMENTS = "/api/v1/voucher-redemptions/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def call(client, method, path, key=None, data=None, multipart=False, lang="zh-hans"):
    headers = {"HTTP_ACCEPT_LANGUAGE": lang}
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"
    if method == "get":
        return client.get(path, data or {}, **headers)
    if multipart:
        return client.post(path, data, **headers)
    return getattr(client, method)(
        path, {} if data is None else data, content_type="application/json", **headers
    )


def refused(response, field):
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"], body
    return body["fields"][field][0]


def in_days(days):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def keys(market):
    return SimpleNamespace(
        buyer=api_token_for(market.buyer, user=market.buyer_user)[1],
        agency=api_token_for(market.agency, user=market.agency_user)[1],
        rival=api_token_for(market.rival, user=market.rival_user)[1],
        office=api_token_for(office_of(market.staff))[1],
        office_write_only=api_token_for(office_of(market.staff), scopes=[ApiToken.Scope.WRITE])[1],
        far_office=api_token_for(office_of(market.far_staff))[1],
    )


# --- milestones ----------------------------------------------------------------------------


def test_milestones_through_the_api(client, market, order, keys):
    base = f"{ORDERS}{order.pk}/milestones/"
    first = call(
        client,
        "post",
        base,
        keys.buyer,
        {"title": "现场调研", "due_on": in_days(10), "amount": "3000"},
    )
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == "pending" and first.json()["position"] == 1
    second = call(
        client, "post", base, keys.agency, {"title": "评价报告", "due_on": in_days(25)}
    ).json()
    # The sum of the amounts stays within the price (8,000 yuan), named in Chinese.
    message = refused(
        call(client, "patch", f"{base}{second['id']}/", keys.agency, {"amount": "5000.01"}),
        "amount",
    )
    assert "8,000.00" in message and "元" in message
    # A third party's program does not find the order.
    assert (
        call(client, "post", base, keys.rival, {"title": "x", "due_on": in_days(5)}).status_code
        == 404
    )
    # Not in progress yet: nothing is delivered.
    response = call(
        client, "post", f"{base}{first.json()['id']}/deliver/", keys.agency, {"note": "调研纪要"}
    )
    assert "status" in response.json()["fields"]
    order_transition(actor=act(market.agency_user), order=order, action="accept")

    delivered = call(
        client,
        "post",
        f"{base}{first.json()['id']}/deliver/",
        keys.agency,
        {"note": "调研纪要", "files": [_pdf()]},
        multipart=True,
    )
    assert delivered.status_code == 200, delivered.json()
    assert delivered.json()["status"] == "delivered"
    # Out of turn: the buyer delivers (403), the agency accepts (403), the plan is now fixed.
    assert (
        call(
            client, "post", f"{base}{second['id']}/deliver/", keys.buyer, {"note": "x"}
        ).status_code
        == 403
    )
    assert (
        call(
            client, "post", f"{base}{first.json()['id']}/review/", keys.agency, {"accept": True}
        ).status_code
        == 403
    )
    assert call(client, "delete", f"{base}{second['id']}/", keys.buyer).status_code == 409
    # Sent back without a reason: a field error; with one, sent back.
    refused(
        call(client, "post", f"{base}{first.json()['id']}/review/", keys.buyer, {"accept": False}),
        "note",
    )
    back = call(
        client,
        "post",
        f"{base}{first.json()['id']}/review/",
        keys.buyer,
        {"accept": False, "note": "缺少访谈记录"},
    )
    assert back.json()["status"] == "sent_back"
    assert back.json()["sent_back_note"] == "缺少访谈记录"
    call(client, "post", f"{base}{first.json()['id']}/deliver/", keys.agency, {"note": "补充"})
    accepted = call(
        client, "post", f"{base}{first.json()['id']}/review/", keys.buyer, {"accept": True}
    )
    assert accepted.json()["status"] == "accepted"
    # Accepting twice: a field error on "status".
    assert "已通过验收" in refused(
        call(client, "post", f"{base}{first.json()['id']}/review/", keys.buyer, {"accept": True}),
        "status",
    )
    # The whole order waits for the second milestone.
    message = refused(
        call(
            client,
            "post",
            f"{ORDERS}{order.pk}/transition/",
            keys.agency,
            {"action": "deliver", "note": "全部交付"},
        ),
        "status",
    )
    assert "评价报告" in message
    detail = call(client, "get", f"{ORDERS}{order.pk}/", keys.agency).json()
    assert [m["status"] for m in detail["milestones"]] == ["accepted", "pending"]
    assert detail["milestones"][1]["available_actions"] == ["deliver"]
    assert [d["milestone"] for d in detail["deliveries"]] == [first.json()["id"]] * 2
    assert len(detail["deliveries"][0]["files"]) == 1


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")


def test_the_buyers_program_hears_of_a_delivered_milestone(client, market, order, keys):
    webhook_endpoint_create(
        actor=act(market.buyer_user),
        organization=market.buyer,
        url="https://erp.example.cn/hooks",
        events=["order.milestone_updated"],
    )
    order_transition(actor=act(market.agency_user), order=order, action="accept")
    milestone = OrderMilestone.objects.create(order=order, title="阶段一", due_on=order.due_on)
    call(
        client,
        "post",
        f"{ORDERS}{order.pk}/milestones/{milestone.pk}/deliver/",
        keys.agency,
        {"note": "交付"},
    )
    (hook,) = WebhookDelivery.objects.filter(event="order.milestone_updated")
    assert hook.endpoint.organization == market.buyer
    assert hook.payload["milestone"]["status"] == "delivered"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "due_on": "2030-01-01"}, "title"),
        ({"title": "阶段", "due_on": "明天"}, "due_on"),
        ({"title": "阶段", "due_on": "2020-01-01"}, "due_on"),
        ({"title": "阶段", "due_on": "2099-01-01"}, "due_on"),
        ({"title": "阶段", "due_on": "2030-01-01", "amount": "-1"}, "amount"),
        ({"title": "阶段", "due_on": "2030-01-01", "amount": "一千"}, "amount"),
    ],
)
def test_bad_milestones_are_400_naming_the_field(client, order, keys, data, field):
    if data.get("due_on") == "2030-01-01":
        data = {**data, "due_on": in_days(10)}
    message = refused(
        call(client, "post", f"{ORDERS}{order.pk}/milestones/", keys.buyer, data), field
    )
    assert any("\u4e00" <= char <= "\u9fff" for char in message), message
    assert not OrderMilestone.objects.exists()


# --- vouchers ------------------------------------------------------------------------------


def test_a_voucher_issued_paid_and_verified_by_programs(client, market, order, keys):
    webhook_endpoint_create(
        actor=act(market.agency_user),
        organization=market.agency,
        url="https://agency.example.cn/hooks",
        events=["voucher.redemption_decided"],
    )
    issued = call(
        client,
        "post",
        VOUCHERS,
        keys.office,
        {
            "holder": market.buyer.pk,
            "amount": "10000",
            "valid_until": in_days(180),
            "categories": ["evaluation"],
        },
    )
    assert issued.status_code == 201, issued.json()
    voucher = issued.json()
    assert voucher["balance"] == "10000.00" and voucher["categories"] == ["evaluation"]
    assert voucher["holder"]["id"] == market.buyer.pk
    # The holder's program sees it, with its balance.
    held = call(client, "get", VOUCHERS, keys.buyer, {"role": "held"}).json()
    assert [v["id"] for v in held["results"]] == [voucher["id"]]

    paid = call(
        client,
        "post",
        PAYMENTS,
        keys.buyer,
        {"order": order.pk, "voucher": voucher["id"], "amount": "6000"},
    )
    assert paid.status_code == 201, paid.json()
    assert paid.json()["status"] == "pending"
    assert (
        call(client, "get", f"{VOUCHERS}{voucher['id']}/", keys.buyer).json()["balance"]
        == "4000.00"
    )
    # The order shows what the voucher pays; the provider's program sees the payment.
    detail = call(client, "get", f"{ORDERS}{order.pk}/", keys.agency).json()
    assert [(p["amount"], p["status"]) for p in detail["voucher_payments"]] == [
        ("6000.00", "pending")
    ]
    assert [p["id"] for p in call(client, "get", PAYMENTS, keys.agency).json()["results"]] == [
        paid.json()["id"]
    ]
    decide = f"{PAYMENTS}{paid.json()['id']}/decide/"
    # Not completed yet; then only the issuing office, with the review scope, decides.
    refused(call(client, "post", decide, keys.office, {"verify": True}), "status")
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.COMPLETED, completed_at=timezone.now()
    )
    assert call(client, "post", decide, keys.buyer, {"verify": True}).status_code == 403
    assert call(client, "post", decide, keys.office_write_only, {"verify": True}).status_code == 403
    assert call(client, "post", decide, keys.far_office, {"verify": True}).status_code == 404
    verified = call(client, "post", decide, keys.office, {"verify": True, "note": "材料齐全"})
    assert verified.status_code == 200, verified.json()
    assert verified.json()["status"] == "verified"
    (hook,) = WebhookDelivery.objects.filter(event="voucher.redemption_decided")
    assert hook.payload["redemption"]["amount"] == "6000.00"
    # Deciding twice: a field error on "status".
    refused(call(client, "post", decide, keys.office, {"verify": False, "note": "x"}), "status")


def test_a_voucher_spent_twice_through_the_api(client, market, order, keys):
    voucher = voucher_issue(
        actor=act(market.staff),
        office=office_of(market.staff),
        holder=market.buyer,
        amount=Decimal("10000"),
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    second = orders_fixtures.order_place(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        offering=market.offering,
        scope="第二单",
        due_on=timezone.localdate() + timedelta(days=20),
    )
    first = call(
        client,
        "post",
        PAYMENTS,
        keys.buyer,
        {"order": order.pk, "voucher": voucher.pk, "amount": "8000"},
    )
    assert first.status_code == 201
    message = refused(
        call(
            client,
            "post",
            PAYMENTS,
            keys.buyer,
            {"order": second.pk, "voucher": voucher.pk, "amount": "8000"},
        ),
        "amount",
    )
    assert "8,000.00" in message and "2,000.00" in message
    english = refused(
        call(
            client,
            "post",
            PAYMENTS,
            keys.buyer,
            {"order": second.pk, "voucher": voucher.pk, "amount": "8000"},
            lang="en",
        ),
        "amount",
    )
    assert "more than voucher" in english
    assert list(VoucherRedemption.objects.values_list("order_id", "amount")) == [
        (order.pk, Decimal("8000"))
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"holder": "x"}, "holder"),
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"valid_until": "2020-01-01"}, "valid_until"),
        ({"categories": ["no-such"]}, "categories"),
    ],
)
def test_bad_vouchers_are_400_naming_the_field(client, market, keys, data, field):
    body = {"holder": market.buyer.pk, "amount": "1000", "valid_until": in_days(30), **data}
    message = refused(call(client, "post", VOUCHERS, keys.office, body), field)
    assert any("\u4e00" <= char <= "\u9fff" for char in message), message
    assert not Voucher.objects.exists()


def test_who_issues_and_who_sees(client, market, order, keys):
    body = {"holder": market.buyer.pk, "amount": "1000", "valid_until": in_days(30)}
    assert call(client, "post", VOUCHERS, keys.office_write_only, body).status_code == 403
    assert call(client, "post", VOUCHERS, keys.agency, body).status_code == 403
    # Shenzhen's office may not grant a Hangzhou enterprise.
    refused(call(client, "post", VOUCHERS, keys.far_office, body), "holder")
    voucher = call(client, "post", VOUCHERS, keys.office, body).json()
    paid = call(
        client,
        "post",
        PAYMENTS,
        keys.buyer,
        {"order": order.pk, "voucher": voucher["id"], "amount": "500"},
    ).json()
    # An agency's token sees neither another's vouchers nor payments on others' orders.
    for key in (keys.rival, keys.far_office):
        assert call(client, "get", VOUCHERS, key).json()["results"] == []
        assert call(client, "get", f"{VOUCHERS}{voucher['id']}/", key).status_code == 404
        assert call(client, "get", PAYMENTS, key).json()["results"] == []
        assert call(client, "get", f"{PAYMENTS}{paid['id']}/", key).status_code == 404
    # The provider sees the payment on its order, not the voucher.
    assert call(client, "get", f"{VOUCHERS}{voucher['id']}/", keys.agency).status_code == 404
    assert call(client, "get", f"{PAYMENTS}{paid['id']}/", keys.agency).status_code == 200
    # Only the buyer pays: the provider's program is refused, a stranger's order not found.
    refused(
        call(
            client,
            "post",
            PAYMENTS,
            keys.rival,
            {"order": order.pk, "voucher": voucher["id"], "amount": "1"},
        ),
        "order",
    )
    assert (
        call(
            client,
            "post",
            PAYMENTS,
            keys.agency,
            {"order": order.pk, "voucher": voucher["id"], "amount": "1"},
        ).status_code
        == 400
    )
    assert client.get(VOUCHERS).status_code in (401, 403)


def test_the_office_revokes(client, market, keys):
    neighbour = OrganizationFactory()
    member_of(neighbour)
    voucher = call(
        client,
        "post",
        VOUCHERS,
        keys.office,
        {"holder": neighbour.pk, "amount": "1000", "valid_until": in_days(30), "number": "hz-01"},
    ).json()
    assert voucher["number"] == "HZ-01"
    refused(call(client, "post", f"{VOUCHERS}{voucher['id']}/revoke/", keys.office, {}), "note")
    revoked = call(
        client, "post", f"{VOUCHERS}{voucher['id']}/revoke/", keys.office, {"note": "注销"}
    )
    assert revoked.json()["status"] == "revoked"
    assert (
        call(
            client, "post", f"{VOUCHERS}{voucher['id']}/revoke/", keys.office, {"note": "再"}
        ).status_code
        == 409
    )
