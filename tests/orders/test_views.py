"""The orders' pages through the Django test client: who sees what (and who gets 404), an order
and a request for quotes walked through by posting the pages' forms, bad input coming back
with its Chinese error and what was typed, the delivered files' permission check, and a
dispute decided by the right region's staff only."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from catalogue.models import PriceKind
from orders.models import DeliveryFile, Dispute, Order, OrderStatus, Quote, QuoteRequest, Review
from orders.services import order_transition, quote_request_create
from organizations.models import Organization
from tests.factories import OrganizationFactory, member_of
from tests.orders.conftest import act, offering_of

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CJK = re.compile(r"[\u4e00-\u9fff]")


def pdf(name="评价报告.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def html(response):
    return response.content.decode()


def field_errors(page, name):
    return re.findall(rf'data-field="{name}">(.*?)</div>', page)


def login(client, user):
    client.force_login(user)
    return client


def post_act(client, order, action, **data):
    return client.post(reverse("orders:act", args=[order.pk]), {"action": action, **data})


@pytest.fixture
def delivered(market, order):
    order_transition(actor=act(market.agency_user), order=order, action="accept")
    return order_transition(
        actor=act(market.agency_user),
        order=order,
        action="deliver",
        note="评价报告初稿",
        files=[pdf()],
    )


# --- who sees what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("buyer_user", 200),
        ("agency_user", 200),
        ("staff", 200),
        ("rival_user", 404),
        ("far_staff", 404),
        ("anonymous", 302),
    ],
)
def test_each_role_sees_the_order_or_nothing(client, market, delivered, role, expected):
    if role != "anonymous":
        login(client, getattr(market, role))
    delivered_file = DeliveryFile.objects.get()
    urls = [
        delivered.get_absolute_url(),
        reverse("orders:file", args=[delivered_file.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == expected, url
    if expected == 302:
        assert response["Location"].startswith(reverse("accounts:login"))
    if role in ("rival_user", "far_staff"):
        # Posting any step is as unknown as reading.
        assert post_act(client, delivered, "complete").status_code == 404
        assert client.post(reverse("orders:review", args=[delivered.pk])).status_code == 404
        assert client.post(reverse("orders:dispute_decide", args=[delivered.pk])).status_code == 404
    if expected == 200:
        page = html(client.get(delivered.get_absolute_url()))
        assert "评价报告初稿" in page
        assert ('id="oversight-note"' in page) == (role == "staff")
        # The buyer alone is offered the delivery's acceptance.
        assert ('id="form-complete"' in page) == (role == "buyer_user")
        download = client.get(reverse("orders:file", args=[delivered_file.pk]))
        assert b"".join(download.streaming_content) == PDF
        assert download["Cache-Control"] == "private, no-store"


def test_the_lists_sort_bought_sold_and_the_staffs_boxes(client, market, order):
    login(client, market.buyer_user)
    assert f'id="order-{order.pk}"' in html(client.get(reverse("orders:list")))
    assert f'id="order-{order.pk}"' not in html(client.get(reverse("orders:list") + "?box=sold"))
    # A member is not staff: the staff's boxes fall back to what it bought.
    assert 'id="tab-disputes"' not in html(client.get(reverse("orders:list") + "?box=disputes"))
    login(client, market.agency_user)
    assert f'id="order-{order.pk}"' in html(client.get(reverse("orders:list") + "?box=sold"))

    order_transition(actor=act(market.agency_user), order=order, action="accept")
    order_transition(
        actor=act(market.buyer_user), order=order, action="open_dispute", note="迟迟不开工"
    )
    for staff, shown in ((market.staff, True), (market.far_staff, False)):
        login(client, staff)
        for box in ("disputes", "oversight"):
            page = html(client.get(reverse("orders:list") + f"?box={box}"))
            assert (f'id="order-{order.pk}"' in page) is shown


# --- ordering from the offering's page -----------------------------------------------------


def test_the_offering_page_offers_an_order_a_quote_or_says_why_not(client, market):
    url = market.offering.get_absolute_url()
    assert 'id="order-box-reason"' in html(client.get(url))  # anonymous: log in first
    login(client, market.agency_user)
    assert 'id="order-box"' not in html(client.get(url))  # its own service
    login(client, market.rival_user)
    page = html(client.get(url))
    assert 'id="order-form"' in page
    assert reverse("orders:place", args=[market.offering.pk]) in page
    on_quote = offering_of(market.agency, market.category, kind=PriceKind.ON_QUOTE)
    page = html(client.get(on_quote.get_absolute_url()))
    assert f"{reverse('orders:quote_request_create')}?offering={on_quote.pk}" in page
    assert 'id="order-form"' not in page
    pending = OrganizationFactory(name="待认证企业", status=Organization.Status.PENDING)
    login(client, member_of(pending, username="pending"))
    page = html(client.get(url))
    assert 'id="order-form"' not in page
    assert "认证" in re.search(r'id="order-box-reason">(.*?)</p>', page, re.S).group(1)


# --- an order walked through the pages -----------------------------------------------------


def test_an_order_walked_through_the_pages(client, market):
    buyer = login(client, market.buyer_user)
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = buyer.post(
        reverse("orders:place", args=[market.offering.pk]),
        {"buyer": market.buyer.pk, "scope": "评价我司膜处理成果", "due_on": due},
    )
    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert order.status == OrderStatus.AWAITING_ACCEPTANCE

    provider = login(client, market.agency_user)
    assert post_act(provider, order, "accept").status_code == 302
    response = provider.post(
        reverse("orders:act", args=[order.pk]),
        {"action": "deliver", "note": "评价报告初稿", "files": [pdf()]},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert DeliveryFile.objects.get().name == "评价报告.pdf"

    buyer = login(client, market.buyer_user)
    post_act(buyer, order, "request_revision", note="请补充专家名单")
    order.refresh_from_db()
    assert order.status == OrderStatus.REVISION_REQUESTED

    provider = login(client, market.agency_user)
    post_act(provider, order, "deliver", note="补充了专家名单")
    buyer = login(client, market.buyer_user)
    post_act(buyer, order, "complete")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert order.deliveries.count() == 2

    buyer.post(reverse("orders:review", args=[order.pk]), {"rating": "5", "comment": "专业"})
    # Double-blind: the provider does not see the buyer's review before writing its own.
    provider = login(client, market.agency_user)
    assert "专业" not in html(provider.get(order.get_absolute_url()))
    provider.post(reverse("orders:review", args=[order.pk]), {"rating": "4", "comment": "配合好"})
    assert Review.objects.filter(order=order).count() == 2
    page = html(provider.get(order.get_absolute_url()))
    assert "专业" in page and "配合好" in page
    assert 'id="review-form"' not in page
    history = list(order.history.values_list("action", flat=True))
    assert history == [
        "place",
        "accept",
        "deliver",
        "request_revision",
        "deliver",
        "complete",
    ]


def test_cancelling_by_agreement_shows_who_agreed(client, market, order):
    order_transition(actor=act(market.agency_user), order=order, action="accept")
    buyer = login(client, market.buyer_user)
    post_act(buyer, order, "cancel", note="需求取消")
    page = html(buyer.get(order.get_absolute_url()))
    agreement = re.search(r'id="cancel-agreement">(.*?)</div>', page, re.S).group(1)
    assert agreement.count("✓") == 1
    provider = login(client, market.agency_user)
    post_act(provider, order, "cancel")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


# --- a request for quotes ------------------------------------------------------------------


def test_a_request_for_quotes_through_the_pages(client, market):
    offering_of(market.rival, market.category, kind=PriceKind.ON_QUOTE)
    outsider = OrganizationFactory(name="未受邀评估所", kind=Organization.Kind.AGENCY)
    outsider_user = member_of(outsider, username="outsider")
    offering_of(outsider, market.category)

    buyer = login(client, market.buyer_user)
    due_at = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = buyer.post(
        reverse("orders:quote_request_create"),
        {
            "buyer": market.buyer.pk,
            "category": market.category.pk,
            "title": "膜处理成果第三方评价",
            "description": "需要出具评价报告",
            "budget": "10000",
            "quotes_due_at": due_at,
            "invited": [market.agency.pk, market.rival.pk],
        },
    )
    request = QuoteRequest.objects.get()
    assert response["Location"] == reverse("orders:quote_request", args=[request.pk])
    assert set(request.invited.all()) == {market.agency, market.rival}

    for user, price in ((market.agency_user, "9000"), (market.rival_user, "7500")):
        provider = login(client, user)
        inbox = html(provider.get(reverse("orders:quote_requests") + "?box=inbox"))
        assert f'id="rfq-{request.pk}"' in inbox
        provider.post(
            reverse("orders:quote_submit", args=[request.pk]),
            {"price": price, "lead_time_days": "20", "note": "组织专家评价"},
        )
    assert Quote.objects.filter(request=request).count() == 2

    stranger = login(client, outsider_user)
    assert f'id="rfq-{request.pk}"' not in html(
        stranger.get(reverse("orders:quote_requests") + "?box=inbox")
    )
    assert stranger.get(reverse("orders:quote_request", args=[request.pk])).status_code == 404
    response = stranger.post(
        reverse("orders:quote_submit", args=[request.pk]),
        {"price": "1", "lead_time_days": "1", "note": "低价"},
    )
    assert response.status_code == 404
    # A provider sees its own quote, never its rival's.
    rival = login(client, market.rival_user)
    page = html(rival.get(reverse("orders:quote_request", args=[request.pk])))
    assert "7,500" in page and "9,000" not in page

    buyer = login(client, market.buyer_user)
    page = html(buyer.get(reverse("orders:quote_request", args=[request.pk])))
    assert "7,500" in page and "9,000" in page
    chosen = Quote.objects.get(provider=market.rival)
    response = buyer.post(reverse("orders:quote_accept", args=[chosen.pk]), {"due_on": ""})
    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert (order.provider, order.status) == (market.rival, OrderStatus.IN_PROGRESS)
    assert Quote.objects.get(provider=market.agency).status == Quote.Status.DECLINED


# --- bad input -----------------------------------------------------------------------------


def test_bad_input_comes_back_with_chinese_errors_and_what_was_typed(client, market, order):
    buyer = login(client, market.buyer_user)
    response = buyer.post(
        reverse("orders:place", args=[market.offering.pk]),
        {"buyer": market.buyer.pk, "scope": "保留这段范围说明", "due_on": "2020-01-01"},
    )
    page = html(response)
    assert response.status_code == 400
    assert "保留这段范围说明" in page
    assert CJK.search(field_errors(page, "due_on")[0])

    response = buyer.post(
        reverse("orders:quote_request_create"),
        {
            "buyer": market.buyer.pk,
            "category": market.category.pk,
            "title": "保留的标题",
            "description": "细节",
            "budget": "一万",
            "quotes_due_at": "2020-01-01T10:00",
        },
    )
    page = html(response)
    assert response.status_code == 400
    assert 'value="保留的标题"' in page
    assert CJK.search(field_errors(page, "budget")[0])

    request = quote_request_create(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        category=market.category,
        title="评价",
        description="细节",
        quotes_due_at=timezone.now() + timedelta(days=3),
        invited=[market.agency],
    )
    provider = login(client, market.agency_user)
    response = provider.post(
        reverse("orders:quote_submit", args=[request.pk]),
        {"price": "-5", "lead_time_days": "0", "note": "保留的方案"},
    )
    page = html(response)
    assert response.status_code == 400
    assert "保留的方案" in page
    assert CJK.search(field_errors(page, "price")[0])
    assert CJK.search(field_errors(page, "lead_time_days")[0])

    post_act(provider, order, "accept")
    response = post_act(provider, order, "deliver", note="")
    page = html(response)
    assert response.status_code == 400
    assert CJK.search(field_errors(page, "note")[0])
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS


# --- disputes ------------------------------------------------------------------------------


def test_a_dispute_is_answered_and_decided_by_the_regions_staff_only(client, market, delivered):
    buyer = login(client, market.buyer_user)
    post_act(buyer, delivered, "open_dispute", note="报告结论与数据不符")
    dispute = Dispute.objects.get()
    assert dispute.statement == "报告结论与数据不符"

    provider = login(client, market.agency_user)
    assert 'id="answer-form"' in html(provider.get(delivered.get_absolute_url()))
    provider.post(
        reverse("orders:dispute_answer", args=[delivered.pk]), {"answer": "数据已核对无误"}
    )
    # A party cannot decide: the page tells it why, nothing changes.
    response = provider.post(
        reverse("orders:dispute_decide", args=[delivered.pk]),
        {"action": "decide_for_provider", "note": "我方有理"},
    )
    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.status == OrderStatus.DISPUTED

    far = login(client, market.far_staff)
    response = far.post(
        reverse("orders:dispute_decide", args=[delivered.pk]),
        {"action": "decide_for_buyer", "note": "越权"},
    )
    assert response.status_code == 404

    staff = login(client, market.staff)
    page = html(staff.get(delivered.get_absolute_url()))
    assert "数据已核对无误" in page and 'id="decision-form"' in page
    # The staff cannot take a party's step.
    assert post_act(staff, delivered, "withdraw_dispute").status_code == 403
    response = staff.post(
        reverse("orders:dispute_decide", args=[delivered.pk]), {"action": "decide_for_buyer"}
    )
    assert response.status_code == 400
    assert CJK.search(field_errors(html(response), "note")[0])
    staff.post(
        reverse("orders:dispute_decide", args=[delivered.pk]),
        {"action": "decide_for_buyer", "note": "报告未按约定方法出具"},
    )
    delivered.refresh_from_db()
    dispute.refresh_from_db()
    assert delivered.status == OrderStatus.CANCELLED
    assert (dispute.decision, dispute.decided_by) == (Dispute.Decision.FOR_BUYER, market.staff)
