"""The API of service orders, checked against api/openapi.yaml: a whole order driven by the
buyer's and the agency's programs alone, a request for quotes among invited agencies, a dispute
decided by the CAST office's program, the web's object permissions, bad input named by field,
and the webhook the agency's program receives."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order, OrderStatus, Quote, QuoteRequest, Review
from orders.services import order_place, quote_request_create, quote_submit
from organizations.models import ApiToken, Membership, Organization
from organizations.selectors import actor_for
from tests.conversations.test_messages import PDF, pdf
from tests.factories import OrganizationFactory, api_token_for, member_of
from tests.orders import conftest as orders_fixtures
from tests.orders.conftest import offering_of
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

market = orders_fixtures.market
order = orders_fixtures.order

ORDERS = "/api/v1/orders/"
REQUESTS = "/api/v1/quote-requests/"
A_QUOTE = {"price": "1", "lead_time_days": 1, "note": "x"}


def call(client, method, path, key=None, data=None, multipart=False):
    """One request to the API, with a program's token when `key` is given."""
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    if method == "get":
        return client.get(path, data or {}, **headers)
    if multipart:
        return client.post(path, data, **headers)
    return getattr(client, method)(
        path, {} if data is None else data, content_type="application/json", **headers
    )


def office_of(user):
    return Membership.objects.get(user=user).organization


@pytest.fixture
def keys(market):
    """The buyer's and the agencies' programs (every scope), the Hangzhou office's reviewing
    one and the Shenzhen office's (every scope: review, write, webhooks)."""
    return SimpleNamespace(
        buyer=api_token_for(market.buyer, user=market.buyer_user)[1],
        agency=api_token_for(market.agency, user=market.agency_user)[1],
        rival=api_token_for(market.rival, user=market.rival_user)[1],
        office=api_token_for(office_of(market.staff), scopes=[ApiToken.Scope.REVIEW])[1],
        far_office=api_token_for(office_of(market.far_staff))[1],
    )


def step(client, key, order_id, action, **extra):
    return call(client, "post", f"{ORDERS}{order_id}/transition/", key, {"action": action, **extra})


def refused(response, field):
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"], body
    return body["fields"][field]


def in_days(days):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_a_whole_order_through_the_api_alone(client, market, keys):
    placed = call(
        client,
        "post",
        ORDERS,
        keys.buyer,
        {"offering": market.offering.pk, "scope": "评价我司的膜处理成果", "due_on": in_days(30)},
    )
    assert placed.status_code == 201, placed.json()
    body = placed.json()
    order_id = body["id"]
    assert (body["status"], body["your_side"], body["price"]) == (
        "awaiting_acceptance",
        "buyer",
        "8000.00",
    )
    assert (body["buyer"]["id"], body["provider"]["id"]) == (market.buyer.pk, market.agency.pk)
    assert body["available_actions"] == ["withdraw"]
    assert body["region"] == market.buyer.region.code

    # The agency's program lists its new orders and accepts.
    new = call(
        client, "get", ORDERS, keys.agency, {"role": "provider", "status": "awaiting_acceptance"}
    ).json()
    assert [row["id"] for row in new["results"]] == [order_id]
    assert new["results"][0]["your_side"] == "provider"
    assert call(client, "get", ORDERS, keys.agency, {"role": "buyer"}).json()["count"] == 0
    seen = call(client, "get", f"{ORDERS}{order_id}/", keys.agency).json()
    assert seen["available_actions"] == ["accept", "decline"]
    assert step(client, keys.agency, order_id, "accept").json()["status"] == "in_progress"

    delivered = call(
        client,
        "post",
        f"{ORDERS}{order_id}/transition/",
        keys.agency,
        {"action": "deliver", "note": "评价报告见附件", "files": [pdf("评价报告.pdf")]},
        multipart=True,
    )
    assert delivered.status_code == 200, delivered.json()
    body = delivered.json()
    assert body["status"] == "delivered"
    [delivery] = body["deliveries"]
    assert delivery["note"] == "评价报告见附件"
    [file] = delivery["files"]
    assert file["name"] == "评价报告.pdf"
    assert file["url"] == f"{ORDERS}{order_id}/files/{file['id']}/"
    buyer_view = call(client, "get", f"{ORDERS}{order_id}/", keys.buyer).json()
    assert buyer_view["available_actions"] == [
        "request_revision",
        "complete",
        "cancel",
        "open_dispute",
    ]
    assert step(client, keys.buyer, order_id, "complete").json()["status"] == "completed"

    # Double-blind: the first review stays hidden from the other side until the second is in.
    first = call(
        client,
        "post",
        f"{ORDERS}{order_id}/reviews/",
        keys.buyer,
        {"rating": 5, "comment": "专业、及时"},
    )
    assert first.status_code == 201, first.json()
    assert (first.json()["reviewer"]["id"], first.json()["reviewee"]["id"]) == (
        market.buyer.pk,
        market.agency.pk,
    )
    assert call(client, "get", f"{ORDERS}{order_id}/", keys.agency).json()["reviews"] == []
    assert len(call(client, "get", f"{ORDERS}{order_id}/", keys.buyer).json()["reviews"]) == 1
    again = call(client, "post", f"{ORDERS}{order_id}/reviews/", keys.buyer, {"rating": 4})
    refused(again, "rating")
    second = call(client, "post", f"{ORDERS}{order_id}/reviews/", keys.agency, {"rating": 4})
    assert second.status_code == 201, second.json()
    both = call(client, "get", f"{ORDERS}{order_id}/", keys.agency).json()["reviews"]
    assert sorted((r["reviewer"]["id"], r["rating"]) for r in both) == sorted(
        [(market.buyer.pk, 5), (market.agency.pk, 4)]
    )

    history = call(client, "get", f"{ORDERS}{order_id}/history/", keys.agency).json()
    assert [row["action"] for row in history["results"]] == [
        "place",
        "accept",
        "deliver",
        "complete",
    ]
    assert history["results"][0]["from_status"] == ""
    assert history["results"][-1]["to_status"] == "completed"
    assert history["results"][1]["organization"]["id"] == market.agency.pk
    done = call(client, "get", ORDERS, keys.buyer, {"status": "completed", "role": "buyer"})
    assert [row["id"] for row in done.json()["results"]] == [order_id]


@pytest.mark.openapi_exempt(reason="a streamed file: the validator reads response.content")
def test_delivered_files_are_downloaded_by_those_who_may_read_the_order(
    client, market, order, keys
):
    step(client, keys.agency, order.pk, "accept")
    delivered = call(
        client,
        "post",
        f"{ORDERS}{order.pk}/transition/",
        keys.agency,
        {"action": "deliver", "note": "报告", "files": [pdf("评价报告.pdf")]},
        multipart=True,
    ).json()
    url = delivered["deliveries"][0]["files"][0]["url"]
    for key in (keys.buyer, keys.agency, keys.office):
        response = call(client, "get", url, key)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Cache-Control"] == "private, no-store"
    for key in (keys.rival, keys.far_office):
        assert call(client, "get", url, key).status_code == 404
    assert call(client, "get", f"{ORDERS}{order.pk}/files/{10**20}/", keys.buyer).status_code == 404


def _outsider():
    """An agency of the category that nobody invited."""
    outsider = OrganizationFactory(name="宁波技术转移中心", kind=Organization.Kind.AGENCY)
    user = member_of(outsider, username="outsider")
    return outsider, user


def test_a_request_for_quotes_among_invited_agencies(client, market, keys):
    outsider, outsider_user = _outsider()
    offering_of(outsider, market.category, user=outsider_user)
    outsider_key = api_token_for(outsider, user=outsider_user)[1]
    due = (timezone.now() + timedelta(days=3)).isoformat()
    created = call(
        client,
        "post",
        REQUESTS,
        keys.buyer,
        {
            "category": market.category.code,
            "title": "膜处理成果第三方评价",
            "description": "需要出具评价报告，用于申报。",
            "budget": "12000",
            "wanted_by": in_days(40),
            "quotes_due_at": due,
            "invited": [market.agency.pk, market.rival.pk],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    request_id = body["id"]
    assert (body["status"], body["your_side"], body["open_to_all"]) == ("open", "buyer", False)
    assert sorted(org["id"] for org in body["invited"]) == sorted(
        [market.agency.pk, market.rival.pk]
    )

    # Each invited agency sees the request (and only itself among the invited) and quotes.
    quote_ids = {}
    for key, organization, price in (
        (keys.agency, market.agency, "9000"),
        (keys.rival, market.rival, "7500.5"),
    ):
        listed = call(client, "get", REQUESTS, key, {"role": "provider"}).json()
        assert [row["id"] for row in listed["results"]] == [request_id]
        assert [org["id"] for org in listed["results"][0]["invited"]] == [organization.pk]
        quoted = call(
            client,
            "post",
            f"{REQUESTS}{request_id}/quotes/",
            key,
            {"price": price, "lead_time_days": 20, "note": "组织五位同行专家评价"},
        )
        assert quoted.status_code == 201, quoted.json()
        assert quoted.json()["provider"]["id"] == organization.pk
        quote_ids[organization.pk] = quoted.json()["id"]
    # A provider sees only its own quote; the buyer sees them all, the cheapest first.
    rival_view = call(client, "get", f"{REQUESTS}{request_id}/", keys.rival).json()
    assert [q["id"] for q in rival_view["quotes"]] == [quote_ids[market.rival.pk]]
    buyer_view = call(client, "get", f"{REQUESTS}{request_id}/", keys.buyer).json()
    assert [q["price"] for q in buyer_view["quotes"]] == ["7500.50", "9000.00"]

    # The agency nobody invited sees nothing of it, and cannot quote or accept.
    assert call(client, "get", REQUESTS, outsider_key).json()["count"] == 0
    for method, path, data in (
        ("get", f"{REQUESTS}{request_id}/", None),
        (
            "post",
            f"{REQUESTS}{request_id}/quotes/",
            {"price": "1", "lead_time_days": 1, "note": "x"},
        ),
        ("post", f"{REQUESTS}{request_id}/quotes/{quote_ids[market.agency.pk]}/withdraw/", {}),
        ("post", f"{REQUESTS}{request_id}/quotes/{quote_ids[market.agency.pk]}/accept/", {}),
    ):
        response = call(client, method, path, outsider_key, data)
        assert response.status_code == 404, (method, path, response.json())
    # A provider neither accepts a quote nor reaches another's.
    other = quote_ids[market.agency.pk]
    assert (
        call(
            client, "post", f"{REQUESTS}{request_id}/quotes/{other}/withdraw/", keys.rival
        ).status_code
        == 404
    )
    own = quote_ids[market.rival.pk]
    assert (
        call(client, "post", f"{REQUESTS}{request_id}/quotes/{own}/accept/", keys.rival).status_code
        == 403
    )

    accepted = call(
        client, "post", f"{REQUESTS}{request_id}/quotes/{other}/accept/", keys.buyer, {}
    )
    assert accepted.status_code == 201, accepted.json()
    order = accepted.json()
    assert (order["status"], order["quote"], order["price"]) == ("in_progress", other, "9000.00")
    assert order["provider"]["id"] == market.agency.pk
    assert order["due_on"] == in_days(20)
    assert QuoteRequest.objects.get(pk=request_id).status == QuoteRequest.Status.AWARDED
    assert Quote.objects.get(pk=own).status == Quote.Status.DECLINED
    agency_orders = call(client, "get", ORDERS, keys.agency, {"status": "in_progress"}).json()
    assert [row["id"] for row in agency_orders["results"]] == [order["id"]]
    assert call(client, "get", ORDERS, keys.rival).json()["count"] == 0
    assert call(client, "get", f"{ORDERS}{order['id']}/", keys.rival).status_code == 404
    # The request is awarded: no other quote is accepted.
    refused(
        call(client, "post", f"{REQUESTS}{request_id}/quotes/{own}/accept/", keys.buyer, {}),
        "request",
    )


def test_a_quote_withdrawn_and_a_quote_after_the_deadline(client, market, keys):
    created = call(
        client,
        "post",
        REQUESTS,
        keys.buyer,
        {
            "category": market.category.code,
            "title": "价值评估",
            "description": "评估专利组合价值。",
            "quotes_due_at": (timezone.now() + timedelta(hours=2)).isoformat(),
        },
    ).json()
    request_id = created["id"]
    assert created["open_to_all"] is True and created["invited"] == []
    # Open to every provider of the category: the agency sees it, the rival (no offering) not.
    assert call(client, "get", REQUESTS, keys.agency).json()["count"] == 1
    assert call(client, "get", REQUESTS, keys.rival).json()["count"] == 0
    quote = {"price": "5000", "lead_time_days": 10, "note": "收益法评估"}
    first = call(client, "post", f"{REQUESTS}{request_id}/quotes/", keys.agency, quote).json()
    refused(call(client, "post", f"{REQUESTS}{request_id}/quotes/", keys.agency, quote), "request")
    withdrawn = call(
        client, "post", f"{REQUESTS}{request_id}/quotes/{first['id']}/withdraw/", keys.agency
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = call(
        client, "post", f"{REQUESTS}{request_id}/quotes/{first['id']}/withdraw/", keys.agency
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    QuoteRequest.objects.filter(pk=request_id).update(
        quotes_due_at=timezone.now() - timedelta(minutes=1)
    )
    messages = refused(
        call(client, "post", f"{REQUESTS}{request_id}/quotes/", keys.agency, quote), "request"
    )
    assert messages[0].startswith("报价截止于 ") and "不再接受报价" in messages[0], messages
    assert Quote.objects.filter(request_id=request_id).count() == 1


def test_a_dispute_opened_answered_and_decided_by_the_office(client, market, order, keys):
    step(client, keys.agency, order.pk, "accept")
    refused(step(client, keys.buyer, order.pk, "open_dispute"), "note")
    opened = step(client, keys.buyer, order.pk, "open_dispute", note="迟迟没有开始评价")
    assert opened.status_code == 200, opened.json()
    assert opened.json()["status"] == "disputed"
    [dispute] = opened.json()["disputes"]
    assert (dispute["opened_by"]["id"], dispute["decision"]) == (market.buyer.pk, "")
    assert opened.json()["available_actions"] == ["withdraw_dispute"]
    assert (
        call(client, "get", f"{ORDERS}{order.pk}/", keys.agency).json()["available_actions"] == []
    )

    answer = f"{ORDERS}{order.pk}/dispute/answer/"
    assert call(client, "post", answer, keys.buyer, {"answer": "x"}).status_code == 403
    answered = call(client, "post", answer, keys.agency, {"answer": "专家已邀请，下周开评审会"})
    assert answered.status_code == 200, answered.json()
    assert answered.json()["disputes"][0]["answer"] == "专家已邀请，下周开评审会"
    refused(call(client, "post", answer, keys.agency, {"answer": "补充"}), "answer")

    # Another region's office does not know the order; a party cannot decide.
    assert call(client, "get", f"{ORDERS}{order.pk}/", keys.far_office).status_code == 404
    far = step(client, keys.far_office, order.pk, "decide_for_provider", note="x")
    assert far.status_code == 404
    assert step(client, keys.buyer, order.pk, "decide_for_buyer", note="x").status_code == 403
    # The Hangzhou office's token without `review` oversees nothing.
    writer = api_token_for(office_of(market.staff), scopes=[ApiToken.Scope.WRITE])[1]
    assert call(client, "get", f"{ORDERS}{order.pk}/", writer).status_code == 404

    office_view = call(client, "get", f"{ORDERS}{order.pk}/", keys.office).json()
    assert office_view["your_side"] is None
    assert office_view["available_actions"] == ["decide_for_buyer", "decide_for_provider"]
    listed = call(client, "get", ORDERS, keys.office, {"status": "disputed"}).json()
    assert [row["id"] for row in listed["results"]] == [order.pk]
    refused(step(client, keys.office, order.pk, "decide_for_provider"), "note")
    decided = step(client, keys.office, order.pk, "decide_for_provider", note="服务方已按约推进")
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "completed"
    assert decided.json()["disputes"][0]["decision"] == "for_provider"
    # A party's step is not the office's.
    assert call(client, "post", answer, keys.office, {"answer": "x"}).status_code == 403


def _every_endpoint(order_id, request_id, quote_id):
    """(method, path, body) of every operation on one order and one request for quotes."""
    return [
        ("get", f"{ORDERS}{order_id}/", None),
        ("get", f"{ORDERS}{order_id}/history/", None),
        ("post", f"{ORDERS}{order_id}/transition/", {"action": "accept"}),
        ("post", f"{ORDERS}{order_id}/dispute/answer/", {"answer": "x"}),
        ("post", f"{ORDERS}{order_id}/reviews/", {"rating": 5}),
        ("get", f"{ORDERS}{order_id}/files/1/", None),
        ("get", f"{REQUESTS}{request_id}/", None),
        (
            "post",
            f"{REQUESTS}{request_id}/quotes/",
            {"price": "1", "lead_time_days": 1, "note": "x"},
        ),
        ("post", f"{REQUESTS}{request_id}/quotes/{quote_id}/withdraw/", {}),
        ("post", f"{REQUESTS}{request_id}/quotes/{quote_id}/accept/", {}),
    ]


def _invited_request(market):
    request = quote_request_create(
        actor=actor_for(user=market.buyer_user),
        buyer=market.buyer,
        category=market.category,
        title="成果评价",
        description="需要评价报告",
        quotes_due_at=timezone.now() + timedelta(days=2),
        invited=[market.agency],
    )
    quote = quote_submit(
        actor=actor_for(user=market.agency_user),
        request=request,
        provider=market.agency,
        price=6000,
        lead_time_days=15,
        note="专家评审",
    )
    return request, quote


def test_a_third_party_and_other_staff_get_404_everywhere(client, market, order, keys):
    request, quote = _invited_request(market)
    endpoints = _every_endpoint(order.pk, request.pk, quote.pk)
    for who in (
        {"key": keys.rival},
        {"key": keys.far_office},
        {"user": market.rival_user},
        {"user": market.far_staff},
    ):
        client.logout()
        if "user" in who:
            client.force_login(who["user"])
        key = who.get("key")
        for method, path, body in endpoints:
            response = call(client, method, path, key, body)
            assert response.status_code == 404, (who, method, path, response.json())
        assert call(client, "get", ORDERS, key).json()["count"] == 0
        assert call(client, "get", REQUESTS, key).json()["count"] == 0
    client.logout()
    for method, path, body in endpoints:
        assert call(client, method, path, None, body).status_code == 401
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_ACCEPTANCE
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.SUBMITTED


def test_a_read_only_token_reads_but_writes_nothing(client, market, order):
    request, quote = _invited_request(market)
    reader = api_token_for(market.agency, user=market.agency_user, scopes=[])[1]
    assert call(client, "get", f"{ORDERS}{order.pk}/", reader).json()["your_side"] == "provider"
    assert call(client, "get", f"{REQUESTS}{request.pk}/", reader).status_code == 200
    for method, path, body in _every_endpoint(order.pk, request.pk, quote.pk):
        if method == "post":
            response = call(client, method, path, reader, body)
            assert response.status_code == 403, (method, path, response.json())
    buyer_reader = api_token_for(market.buyer, user=market.buyer_user, scopes=[])[1]
    placed = call(
        client,
        "post",
        ORDERS,
        buyer_reader,
        {"offering": market.offering.pk, "scope": "x", "due_on": in_days(9)},
    )
    assert placed.status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_ACCEPTANCE
    assert Order.objects.count() == 1
    # A writing token without `review` cannot take the staff's step, whatever it may see.
    order.status = OrderStatus.DISPUTED
    order.save()
    assert (
        step(
            client, api_token_for(market.agency)[1], order.pk, "decide_for_provider", note="x"
        ).status_code
        == 403
    )


def test_the_staff_oversee_but_take_no_party_step(client, market, order):
    client.force_login(market.staff)
    seen = call(client, "get", f"{ORDERS}{order.pk}/")
    assert seen.status_code == 200
    assert (seen.json()["your_side"], seen.json()["available_actions"]) == (None, [])
    assert step(client, None, order.pk, "accept").status_code == 403
    placed = call(
        client,
        "post",
        ORDERS,
        data={"offering": market.offering.pk, "scope": "x", "due_on": in_days(9)},
    )
    assert placed.status_code == 400 and "buyer" in placed.json()["fields"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_ACCEPTANCE


def test_bad_input_is_400_naming_the_field(client, market, order, keys):
    def place(**values):
        body = {"offering": market.offering.pk, "scope": "评价", "due_on": in_days(9), **values}
        return call(client, "post", ORDERS, keys.buyer, body)

    refused(place(due_on="2026-02-30"), "due_on")
    refused(place(due_on="明天"), "due_on")
    refused(place(due_on=in_days(0)), "due_on")
    refused(place(offering=10**20), "offering")
    refused(place(offering="abc"), "offering")
    refused(place(offering=market.offering.pk + 1000), "offering")
    refused(place(scope=""), "scope")
    refused(place(buyer=market.agency.pk), "buyer")
    refused(place(listing=10**20), "listing")
    refused(place(deal=123456), "deal")
    on_quote = offering_of(market.agency, market.category, kind="on_quote", user=market.agency_user)
    refused(place(offering=on_quote.pk), "offering")
    agency_own = call(
        client,
        "post",
        ORDERS,
        keys.agency,
        {"offering": market.offering.pk, "scope": "x", "due_on": in_days(9)},
    )
    refused(agency_own, "offering")

    def ask(**values):
        body = {
            "category": market.category.code,
            "title": "评价",
            "description": "评价报告",
            "quotes_due_at": (timezone.now() + timedelta(days=1)).isoformat(),
            **values,
        }
        return call(client, "post", REQUESTS, keys.buyer, body)

    refused(ask(budget="-1"), "budget")
    refused(ask(budget="abc"), "budget")
    refused(ask(budget="1e20"), "budget")
    refused(ask(category="astrology"), "category")
    refused(ask(quotes_due_at="2026-13-01T00:00"), "quotes_due_at")
    refused(ask(quotes_due_at=(timezone.now() - timedelta(hours=1)).isoformat()), "quotes_due_at")
    refused(ask(wanted_by="2026-02-30"), "wanted_by")
    refused(ask(invited=[10**20]), "invited")
    refused(ask(invited=[987654321]), "invited")
    refused(ask(invited=[market.buyer.pk]), "invited")
    refused(ask(invited="all"), "invited")
    assert QuoteRequest.objects.count() == 0

    request, _quote = _invited_request(market)
    quotes = f"{REQUESTS}{request.pk}/quotes/"
    good = {"price": "100", "lead_time_days": 5, "note": "x"}
    refused(call(client, "post", quotes, keys.agency, {**good, "price": "-5"}), "price")
    refused(call(client, "post", quotes, keys.agency, {**good, "price": "NaN"}), "price")
    refused(
        call(client, "post", quotes, keys.agency, {**good, "lead_time_days": 0}), "lead_time_days"
    )
    refused(call(client, "post", quotes, keys.agency, {**good, "offering": 10**20}), "offering")
    assert call(client, "post", f"{quotes}{10**20}/accept/", keys.buyer).status_code == 404

    refused(step(client, keys.agency, order.pk, "fly"), "action")
    assert refused(step(client, keys.buyer, order.pk, "complete"), "status") == [
        "订单处于“待接单”时不能“验收并完成”。"
    ]
    refused(step(client, keys.agency, order.pk, "deliver", note="x"), "status")
    refused(step(client, keys.agency, order.pk, "decline"), "note")
    # The system's step is no one's to take; the other side's step is refused.
    assert step(client, keys.agency, order.pk, "expire").status_code == 403
    assert step(client, keys.buyer, order.pk, "accept").status_code == 403
    step(client, keys.agency, order.pk, "accept")
    refused(step(client, keys.agency, order.pk, "deliver"), "note")
    refused(step(client, keys.agency, order.pk, "deliver", note="x", files="a"), "files")
    html = pdf("报告.pdf", b"<html><body>not a pdf</body></html>")
    refused(
        call(
            client,
            "post",
            f"{ORDERS}{order.pk}/transition/",
            keys.agency,
            {"action": "deliver", "note": "x", "files": [html]},
            multipart=True,
        ),
        "files",
    )
    refused(
        call(client, "post", f"{ORDERS}{order.pk}/dispute/answer/", keys.agency, {"answer": "x"}),
        "answer",
    )
    refused(
        call(client, "post", f"{ORDERS}{order.pk}/reviews/", keys.buyer, {"rating": 6}), "rating"
    )
    refused(
        call(client, "post", f"{ORDERS}{order.pk}/reviews/", keys.buyer, {"rating": 5}), "rating"
    )
    refused(call(client, "get", ORDERS, keys.buyer, {"status": "lost"}), "status")
    refused(call(client, "get", ORDERS, keys.buyer, {"role": "seller"}), "role")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.IN_PROGRESS
    assert Review.objects.count() == 0


def test_late_orders_are_found(client, market, order, keys):
    step(client, keys.agency, order.pk, "accept")
    assert call(client, "get", ORDERS, keys.buyer, {"late": "true"}).json()["count"] == 0
    Order.objects.filter(pk=order.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    late = call(client, "get", ORDERS, keys.buyer, {"late": "true"}).json()
    assert [row["id"] for row in late["results"]] == [order.pk]
    assert late["results"][0]["late"] is True
    assert call(client, "get", ORDERS, keys.buyer, {"late": "false"}).json()["count"] == 0


def test_the_agencys_program_hears_of_a_new_order(client, market, keys):
    endpoint = webhook_endpoint_create(
        organization=market.agency,
        actor=actor_for(user=market.agency_user),
        url="https://erp.agency.example.cn/hooks",
        events=["order.placed"],
    )
    webhook_endpoint_create(
        organization=market.buyer,
        actor=actor_for(user=market.buyer_user),
        url="https://erp.buyer.example.cn/hooks",
        events=["order.placed", "order.updated"],
    )
    placed = call(
        client,
        "post",
        ORDERS,
        keys.buyer,
        {"offering": market.offering.pk, "scope": "评价", "due_on": in_days(30)},
    )
    assert placed.status_code == 201
    order_id = placed.json()["id"]
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.endpoint, delivery.event) == (endpoint, "order.placed")
    payload = delivery.payload["order"]
    assert (payload["id"], payload["status"], payload["price"]) == (
        order_id,
        "awaiting_acceptance",
        "8000.00",
    )
    assert (payload["buyer"], payload["provider"]) == (market.buyer.pk, market.agency.pk)
    assert payload["url"].endswith(f"/orders/{order_id}/")
    # The agency's acceptance reaches the buyer's program as order.updated, and nothing more.
    step(client, keys.agency, order_id, "accept")
    updated = WebhookDelivery.objects.get(event="order.updated")
    assert updated.endpoint.organization_id == market.buyer.pk
    assert updated.payload["order"]["status"] == "in_progress"
    assert (updated.payload["action"], updated.payload["from_status"]) == (
        "accept",
        "awaiting_acceptance",
    )
    assert WebhookDelivery.objects.count() == 2


def test_the_list_takes_the_same_queries_for_one_order_or_many(client, market, order, keys):
    def list_queries(path):
        with CaptureQueriesContext(connection) as queries:
            response = call(client, "get", path, keys.agency)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    _invited_request(market)
    list_queries(ORDERS)  # the token's use is recorded once a minute: not in the count
    one_order, count = list_queries(ORDERS)
    one_request, _count = list_queries(REQUESTS)
    assert count == 1
    for _ in range(4):
        order_place(
            actor=actor_for(user=market.buyer_user),
            buyer=market.buyer,
            offering=market.offering,
            scope="再评一次",
            due_on=timezone.localdate() + timedelta(days=10),
        )
        _invited_request(market)
    assert list_queries(ORDERS) == (one_order, 5)
    assert list_queries(REQUESTS) == (one_request, 5)


def test_the_programs_hear_of_quotes_and_disputes(client, market, keys):
    outsider, outsider_user = _outsider()
    offering_of(outsider, market.category, user=outsider_user)
    every = ["quote.requested", "quote.submitted", "quote.accepted", "order.updated"]
    every += ["dispute.opened", "dispute.answered", "dispute.decided"]
    endpoints = {
        organization.pk: webhook_endpoint_create(
            organization=organization,
            actor=actor_for(user=user),
            url=f"https://erp{organization.pk}.example.cn/hooks",
            events=every,
        )
        for organization, user in (
            (market.buyer, market.buyer_user),
            (market.agency, market.agency_user),
            (market.rival, market.rival_user),
            (outsider, outsider_user),
        )
    }

    def heard(event):
        rows = WebhookDelivery.objects.filter(event=event).select_related("endpoint")
        return sorted(row.endpoint.organization_id for row in rows)

    request, quote = _invited_request(market)
    # Invited: the agency alone hears of the request (not the outsider, who offers the same).
    assert heard("quote.requested") == [market.agency.pk]
    assert heard("quote.submitted") == [market.buyer.pk]
    submitted = WebhookDelivery.objects.get(event="quote.submitted").payload
    assert (submitted["request"]["id"], submitted["quote"]["id"]) == (request.pk, quote.pk)
    accepted = call(
        client, "post", f"{REQUESTS}{request.pk}/quotes/{quote.pk}/accept/", keys.buyer, {}
    )
    assert accepted.status_code == 201
    assert heard("quote.accepted") == [market.agency.pk]
    assert (
        WebhookDelivery.objects.get(event="quote.accepted").payload["order"]["id"]
        == (accepted.json()["id"])
    )
    # Open to all: every provider of the category but the buyer hears of it.
    call(
        client,
        "post",
        REQUESTS,
        keys.buyer,
        {
            "category": market.category.code,
            "title": "价值评估",
            "description": "评估",
            "quotes_due_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert heard("quote.requested") == sorted([market.agency.pk, market.agency.pk, outsider.pk])

    order_id = accepted.json()["id"]
    step(client, keys.buyer, order_id, "open_dispute", note="进度太慢")
    assert heard("dispute.opened") == sorted([market.buyer.pk, market.agency.pk])
    assert heard("order.updated") == [market.agency.pk]
    call(client, "post", f"{ORDERS}{order_id}/dispute/answer/", keys.agency, {"answer": "在做"})
    assert heard("dispute.answered") == sorted([market.buyer.pk, market.agency.pk])
    step(client, keys.office, order_id, "decide_for_buyer", note="逾期未开始")
    decided = WebhookDelivery.objects.filter(event="dispute.decided")
    assert heard("dispute.decided") == sorted([market.buyer.pk, market.agency.pk])
    assert {row.payload["dispute"]["decision"] for row in decided} == {"for_buyer"}
    assert {row.payload["order"]["status"] for row in decided} == {"cancelled"}
    # The staff's decision moves the order for both parties.
    assert heard("order.updated") == sorted([market.agency.pk, market.buyer.pk, market.agency.pk])
    assert endpoints[market.rival.pk].deliveries.count() == 0
