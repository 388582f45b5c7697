"""Orders beyond the table: ordering, requests for quotes and their openness, quotes after the
deadline, the timers run twice, disputes decided by the right staff, double-blind reviews."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalogue.models import PriceKind
from orders.models import Dispute, Order, OrderStatus, Quote, QuoteRequest
from orders.selectors import (
    order_list_visible,
    quote_list_for,
    quote_request_list_visible,
    review_list_visible,
)
from orders.services import (
    dispute_answer,
    order_place,
    order_transition,
    orders_keep_time,
    quote_accept,
    quote_request_create,
    quote_submit,
    review_submit,
)
from orders.transitions import Action
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from tests.factories import OrganizationFactory, member_of
from tests.orders.conftest import act, offering_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def tomorrow(days=1):
    return timezone.localdate() + timedelta(days=days)


@pytest.mark.parametrize(
    "change,field",
    [
        ({"due_on": timezone.localdate()}, "due_on"),
        ({"scope": "  "}, "scope"),
    ],
)
def test_bad_orders_name_the_field(market, change, field):
    values = {"scope": "评价", "due_on": tomorrow(30), **change}
    with pytest.raises(ValidationError) as refused:
        order_place(
            actor=act(market.buyer_user), buyer=market.buyer, offering=market.offering, **values
        )
    assert field in refused.value.message_dict
    assert not Order.objects.exists()


def test_a_price_that_depends_on_the_work_is_quoted_not_ordered(market):
    on_quote = offering_of(market.agency, market.category, kind=PriceKind.ON_QUOTE)
    with pytest.raises(ValidationError) as refused:
        order_place(
            actor=act(market.buyer_user),
            buyer=market.buyer,
            offering=on_quote,
            scope="评价",
            due_on=tomorrow(30),
        )
    assert "offering" in refused.value.message_dict


def test_nobody_orders_its_own_service_and_an_office_orders_nothing(market):
    with pytest.raises(ValidationError):
        order_place(
            actor=act(market.agency_user),
            buyer=market.agency,
            offering=market.offering,
            scope="评价",
            due_on=tomorrow(30),
        )
    office = market.staff.memberships.get().organization
    with pytest.raises(ValidationError) as refused:
        order_place(
            actor=act(market.staff),
            buyer=office,
            offering=market.offering,
            scope="评价",
            due_on=tomorrow(30),
        )
    assert "buyer" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        order_place(
            actor=act(market.rival_user),
            buyer=market.buyer,
            offering=market.offering,
            scope="评价",
            due_on=tomorrow(30),
        )


def test_an_order_is_seen_by_its_parties_and_the_buyers_regions_staff_only(market, order):
    for user in (market.buyer_user, market.agency_user, market.staff):
        assert order_list_visible(actor=act(user)).filter(pk=order.pk).exists()
    for user in (market.rival_user, market.far_staff):
        assert not order_list_visible(actor=act(user)).filter(pk=order.pk).exists()


def _request(market, invited=()):
    return quote_request_create(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        category=market.category,
        title="印染废水处理成果的第三方评价",
        description="请对我司成果做第三方评价并出具报告。",
        quotes_due_at=timezone.now() + timedelta(days=5),
        budget=Decimal("20000"),
        invited=invited,
    )


def test_a_request_open_to_all_reaches_the_categorys_providers_only(market):
    request = _request(market)
    outsider = OrganizationFactory(kind=Organization.Kind.AGENCY)
    outsider_user = member_of(outsider)
    offering_of(market.rival, market.category)
    assert quote_request_list_visible(actor=act(market.agency_user)).filter(pk=request.pk).exists()
    assert quote_request_list_visible(actor=act(market.rival_user)).filter(pk=request.pk).exists()
    assert not quote_request_list_visible(actor=act(outsider_user)).exists()
    with pytest.raises(PermissionDenied):
        quote_submit(
            actor=act(outsider_user),
            request=request,
            provider=outsider,
            price=Decimal("1"),
            lead_time_days=10,
            note="报价",
        )


def test_an_invitation_is_seen_by_the_invited_only_and_quotes_stay_private(market):
    offering_of(market.rival, market.category)
    request = _request(market, invited=[market.agency])
    assert not quote_request_list_visible(actor=act(market.rival_user)).exists()
    quote = quote_submit(
        actor=act(market.agency_user),
        request=request,
        provider=market.agency,
        price=Decimal("18000"),
        lead_time_days=20,
        note="组织5位同行专家评价",
    )
    assert list(quote_list_for(actor=act(market.buyer_user), request=request)) == [quote]
    assert not quote_list_for(actor=act(market.rival_user), request=request).exists()
    with pytest.raises(ValidationError):
        quote_submit(
            actor=act(market.agency_user),
            request=request,
            provider=market.agency,
            price=Decimal("17000"),
            lead_time_days=20,
            note="再报一次",
        )


def test_a_quote_after_the_deadline_is_refused(market):
    request = _request(market, invited=[market.agency])
    QuoteRequest.objects.filter(pk=request.pk).update(
        quotes_due_at=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as refused:
        quote_submit(
            actor=act(market.agency_user),
            request=request,
            provider=market.agency,
            price=Decimal("18000"),
            lead_time_days=20,
            note="迟到的报价",
        )
    assert "request" in refused.value.message_dict
    assert not Quote.objects.exists()


def test_an_accepted_quote_becomes_an_order_under_way(market):
    offering_of(market.rival, market.category)
    request = _request(market)
    chosen = quote_submit(
        actor=act(market.agency_user),
        request=request,
        provider=market.agency,
        price=Decimal("18000"),
        lead_time_days=20,
        note="方案A",
    )
    other = quote_submit(
        actor=act(market.rival_user),
        request=request,
        provider=market.rival,
        price=Decimal("15000"),
        lead_time_days=40,
        note="方案B",
    )
    with pytest.raises(PermissionDenied):
        quote_accept(actor=act(market.agency_user), quote=chosen)
    order = quote_accept(actor=act(market.buyer_user), quote=chosen)
    assert order.status == OrderStatus.IN_PROGRESS and order.price == Decimal("18000")
    assert order.due_on == timezone.localdate() + timedelta(days=20)
    assert Quote.objects.get(pk=other.pk).status == Quote.Status.DECLINED
    assert QuoteRequest.objects.get(pk=request.pk).status == QuoteRequest.Status.AWARDED
    with pytest.raises(ValidationError):
        quote_accept(actor=act(market.buyer_user), quote=other)


def test_the_timers_run_twice_act_once(market, order):
    late = order_place(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        offering=market.offering,
        scope="第二单",
        due_on=tomorrow(30),
    )
    order_transition(actor=act(market.agency_user), order=late, action=Action.ACCEPT)
    unchecked = order_place(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        offering=market.offering,
        scope="第三单",
        due_on=tomorrow(30),
    )
    order_transition(actor=act(market.agency_user), order=unchecked, action=Action.ACCEPT)
    order_transition(
        actor=act(market.agency_user), order=unchecked, action=Action.DELIVER, note="报告已交付"
    )
    past = timezone.now() - timedelta(days=8)
    Order.objects.filter(pk=order.pk).update(accept_by=past)
    Order.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    Order.objects.filter(pk=unchecked.pk).update(delivered_at=past)
    assert orders_keep_time() == {"expired": 1, "late": 1, "completed": 1}
    assert orders_keep_time() == {"expired": 0, "late": 0, "completed": 0}
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
    assert Order.objects.get(pk=late.pk).late_since == timezone.localdate()
    assert Order.objects.get(pk=unchecked.pk).status == OrderStatus.COMPLETED
    assert OutcomeEvent.objects.filter(name="order.late").count() == 1
    assert OutcomeEvent.objects.get(name="order.expired").actor is None


def test_a_delivery_carries_its_files_checked_by_content(market, order):
    order_transition(actor=act(market.agency_user), order=order, action=Action.ACCEPT)
    with pytest.raises(ValidationError) as refused:
        order_transition(
            actor=act(market.agency_user),
            order=order,
            action=Action.DELIVER,
            note="报告",
            files=[SimpleUploadedFile("评价报告.pdf", b"<html>not a pdf</html>")],
        )
    assert "files" in refused.value.message_dict
    assert Order.objects.get(pk=order.pk).status == OrderStatus.IN_PROGRESS
    order_transition(
        actor=act(market.agency_user),
        order=order,
        action=Action.DELIVER,
        note="报告",
        files=[SimpleUploadedFile("评价报告.pdf", PDF)],
    )
    assert order.deliveries.get().files.get().name == "评价报告.pdf"


def test_a_dispute_is_answered_by_the_other_side_and_decided_by_the_buyers_regions_staff(
    market, order
):
    order_transition(actor=act(market.agency_user), order=order, action=Action.ACCEPT)
    with pytest.raises(ValidationError):
        order_transition(actor=act(market.buyer_user), order=order, action=Action.OPEN_DISPUTE)
    order_transition(
        actor=act(market.buyer_user),
        order=order,
        action=Action.OPEN_DISPUTE,
        note="已过约定时间仍未开始评价",
    )
    dispute = Dispute.objects.get(order=order)
    assert dispute.answer_due_on.weekday() < 5
    assert (dispute.answer_due_on - timezone.localdate()).days >= 5
    with pytest.raises(PermissionDenied):
        dispute_answer(actor=act(market.buyer_user), dispute=dispute, answer="自己回答")
    dispute_answer(actor=act(market.agency_user), dispute=dispute, answer="专家已确定，下周开始")
    for user in (market.far_staff, market.agency_user):
        with pytest.raises(PermissionDenied):
            order_transition(
                actor=act(user), order=order, action=Action.DECIDE_FOR_PROVIDER, note="继续履行"
            )
    order_transition(
        actor=act(market.staff),
        order=order,
        action=Action.DECIDE_FOR_BUYER,
        note="服务方未按期开始，支持取消",
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    decided = Dispute.objects.get(pk=dispute.pk)
    assert decided.decision == Dispute.Decision.FOR_BUYER and decided.decided_by == market.staff


def _completed(market, order):
    order_transition(actor=act(market.agency_user), order=order, action=Action.ACCEPT)
    order_transition(actor=act(market.agency_user), order=order, action=Action.DELIVER, note="报告")
    return order_transition(actor=act(market.buyer_user), order=order, action=Action.COMPLETE)


def test_reviews_are_double_blind(market, order):
    with pytest.raises(ValidationError):
        review_submit(actor=act(market.buyer_user), order=order, rating=5)
    order = _completed(market, order)
    first = review_submit(actor=act(market.buyer_user), order=order, rating=5, comment="专业")
    assert review_list_visible(actor=act(market.buyer_user), order=order) == [first]
    assert review_list_visible(actor=act(market.agency_user), order=order) == []
    assert review_list_visible(actor=act(market.staff), order=order) == []
    with pytest.raises(ValidationError):
        review_submit(actor=act(market.buyer_user), order=order, rating=4)
    with pytest.raises(ValidationError) as refused:
        review_submit(actor=act(market.agency_user), order=order, rating=9)
    assert "rating" in refused.value.message_dict
    second = review_submit(actor=act(market.agency_user), order=order, rating=4)
    assert set(review_list_visible(actor=act(market.staff), order=order)) == {first, second}


def test_one_review_shows_once_the_window_closes(market, order):
    order = _completed(market, order)
    first = review_submit(actor=act(market.agency_user), order=order, rating=3)
    Order.objects.filter(pk=order.pk).update(completed_at=timezone.now() - timedelta(days=15))
    order.refresh_from_db()
    assert review_list_visible(actor=act(market.buyer_user), order=order) == [first]
    with pytest.raises(ValidationError):
        review_submit(actor=act(market.buyer_user), order=order, rating=5)
