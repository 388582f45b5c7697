"""Innovation vouchers (创新券): issued by a CAST office to an enterprise of its region, applied
by the buyer to its own open order within the voucher's balance and the order's price (a voucher
spent twice: the second order is refused and the first kept), verified by the issuing office
only once the order is completed, or rejected (the amount returns to the balance)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalogue.models import ServiceCategory
from notifications.models import Notification
from orders.models import Order, OrderHistory, OrderStatus, Voucher, VoucherRedemption
from orders.selectors import (
    redemption_list_visible,
    voucher_list_visible,
    vouchers_with_balance,
)
from orders.services import (
    order_place,
    order_transition,
    redemption_decide,
    voucher_apply,
    voucher_issue,
    voucher_revoke,
)
from organizations.models import ApiToken, Organization
from organizations.selectors import actor_for
from outcomes.models import OutcomeEvent
from tests.factories import (
    NINGBO,
    SHENZHEN,
    ZHEJIANG,
    OrganizationFactory,
    api_token_for,
    cast_staff,
    member_of,
    region,
)
from tests.orders.conftest import act, office_of
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

R = VoucherRedemption.Status


def day(days):
    return timezone.localdate() + timedelta(days=days)


def issue(market, *, user=None, holder=None, **values):
    user = user or market.staff
    return voucher_issue(
        actor=act(user),
        office=office_of(user),
        holder=holder or market.buyer,
        **{"amount": Decimal("20000"), "valid_until": day(365), **values},
    )


def balance(voucher):
    return vouchers_with_balance(Voucher.objects.filter(pk=voucher.pk)).get().balance


def another_order(market):
    return order_place(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        offering=market.offering,
        scope="第二个订单",
        due_on=day(30),
    )


def complete(order):
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.COMPLETED, completed_at=timezone.now()
    )


# --- issuing -------------------------------------------------------------------------------


def test_the_office_issues_to_an_enterprise_of_its_region(market):
    voucher = issue(market, note="2026年度第一批")
    assert voucher.issued_by == office_of(market.staff)
    assert voucher.number.startswith(f"CXQ-{timezone.localdate():%Y}-330100-")
    assert voucher.valid_from == timezone.localdate()
    assert voucher.status == Voucher.Status.ACTIVE
    event = OutcomeEvent.objects.get(name="voucher.issued")
    assert (event.organization_id, event.counterpart_id, event.amount) == (
        voucher.issued_by_id,
        market.buyer.pk,
        Decimal("20000"),
    )
    told = Notification.objects.get(user=market.buyer_user)
    assert "20,000.00" in told.title and told.url == voucher.get_absolute_url()


def test_a_province_office_issues_to_its_cities_and_no_further(market):
    province = cast_staff(ZHEJIANG)
    ningbo = OrganizationFactory(region=region(NINGBO))
    assert issue(market, user=province).holder == market.buyer
    assert issue(market, user=province, holder=ningbo).holder == ningbo
    # The Hangzhou office does not reach Ningbo, Shenzhen's not Hangzhou.
    for user, holder in ((market.staff, ningbo), (market.far_staff, market.buyer)):
        with pytest.raises(ValidationError) as refused:
            issue(market, user=user, holder=holder)
        assert holder.name in refused.value.message_dict["holder"][0]
    assert Voucher.objects.count() == 2


@pytest.mark.parametrize(
    "holder",
    [
        lambda m: m.agency,
        lambda m: OrganizationFactory(status=Organization.Status.PENDING),
        lambda m: office_of(m.staff),
    ],
    ids=["agency", "unverified", "office"],
)
def test_vouchers_go_to_verified_enterprises(market, holder):
    with pytest.raises(ValidationError) as refused:
        issue(market, holder=holder(market))
    assert "holder" in refused.value.message_dict
    assert not Voucher.objects.exists()


@pytest.mark.parametrize(
    "user", ["buyer_user", "agency_user", "rival_user"], ids=["buyer", "agency", "rival"]
)
def test_only_an_offices_members_issue(market, user):
    with pytest.raises(PermissionDenied):
        voucher_issue(
            actor=act(getattr(market, user)),
            office=office_of(market.staff),
            holder=market.buyer,
            amount=Decimal("1000"),
            valid_until=day(30),
        )
    assert not Voucher.objects.exists()


def test_an_office_token_issues_with_the_review_scope_only(market):
    office = office_of(market.staff)
    token, _raw = api_token_for(office, scopes=[ApiToken.Scope.WRITE])
    with pytest.raises(PermissionDenied):
        voucher_issue(
            actor=actor_for(user=token.created_by, token=token),
            office=office,
            holder=market.buyer,
            amount=Decimal("1000"),
            valid_until=day(30),
        )
    token, _raw = api_token_for(office)
    voucher = voucher_issue(
        actor=actor_for(user=token.created_by, token=token),
        office=office,
        holder=market.buyer,
        amount=Decimal("1000"),
        valid_until=day(30),
    )
    assert voucher.issued_by == office


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("1000000.01")}, "amount"),
        ({"valid_until": -1}, "valid_until"),
        ({"valid_from": 10, "valid_until": 5}, "valid_until"),
        ({"valid_until": 731}, "valid_until"),
    ],
)
def test_bad_vouchers_name_the_field(market, values, field):
    # Dates as days from today, turned into dates when the test runs: collected before
    # midnight (Beijing time) and run after it, fixed dates would shift by a day.
    values = {
        name: day(value) if name.startswith("valid_") else value for name, value in values.items()
    }
    with pytest.raises(ValidationError) as refused:
        issue(market, **values)
    assert field in refused.value.message_dict
    assert not Voucher.objects.exists()


def test_a_number_is_used_once(market):
    issue(market, number="hz-2026-001")
    with pytest.raises(ValidationError) as refused:
        issue(market, number="HZ-2026-001")
    assert "HZ-2026-001" in refused.value.message_dict["number"][0]


# --- paying with one -----------------------------------------------------------------------


def test_the_buyer_pays_part_of_its_order(market, order, voucher):
    paid = voucher_apply(
        actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("5000")
    )
    assert paid.status == R.PENDING
    assert balance(voucher) == Decimal("15000")
    event = OutcomeEvent.objects.get(name="voucher.applied")
    assert event.amount == Decimal("5000") and event.data["order"] == order.pk
    assert OrderHistory.objects.filter(order=order, action="voucher_applied").exists()
    # The provider and the issuing office are told.
    assert Notification.objects.filter(user=market.agency_user, title__contains=voucher.number)
    assert Notification.objects.filter(user=market.staff, title__contains=voucher.number)


@pytest.mark.parametrize("user", ["agency_user", "rival_user", "staff", "far_staff"])
def test_only_the_buyer_pays_with_its_voucher(market, order, voucher, user):
    with pytest.raises(PermissionDenied):
        voucher_apply(
            actor=act(getattr(market, user)), order=order, voucher=voucher, amount=Decimal("1")
        )
    assert not VoucherRedemption.objects.exists()


def test_a_voucher_spent_twice(market, order):
    """10,000 yuan; two orders of 8,000 each: the second is refused, naming the amounts, and the
    first keeps its payment."""
    voucher = issue(market, amount=Decimal("10000"))
    first = voucher_apply(
        actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("8000")
    )
    second_order = another_order(market)
    with pytest.raises(ValidationError) as refused:
        voucher_apply(
            actor=act(market.buyer_user),
            order=second_order,
            voucher=voucher,
            amount=Decimal("8000"),
        )
    message = refused.value.message_dict["amount"][0]
    assert "8,000.00" in message and "2,000.00" in message and voucher.number in message
    first.refresh_from_db()
    assert first.status == R.PENDING and first.amount == Decimal("8000")
    assert list(VoucherRedemption.objects.values_list("order_id", flat=True)) == [order.pk]
    assert balance(voucher) == Decimal("2000")
    # What is left can still be spent.
    voucher_apply(
        actor=act(market.buyer_user), order=second_order, voucher=voucher, amount=Decimal("2000")
    )
    assert balance(voucher) == 0


def test_the_vouchers_on_an_order_stay_within_its_price(market, order, voucher):
    other = issue(market, amount=Decimal("5000"))
    voucher_apply(
        actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("6000")
    )
    with pytest.raises(ValidationError) as refused:
        voucher_apply(
            actor=act(market.buyer_user), order=order, voucher=other, amount=Decimal("2500")
        )
    message = refused.value.message_dict["amount"][0]
    assert "8,500.00" in message and "2,000.00" in message
    with pytest.raises(ValidationError) as refused:
        voucher_apply(
            actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("1")
        )
    assert "voucher" in refused.value.message_dict  # one payment per voucher and order
    assert VoucherRedemption.objects.count() == 1


def test_expired_revoked_and_not_yet_valid_vouchers_pay_nothing(market, order, voucher):
    later = issue(market, valid_from=day(10), valid_until=day(40))
    with pytest.raises(ValidationError) as refused:
        voucher_apply(actor=act(market.buyer_user), order=order, voucher=later, amount=Decimal("1"))
    assert day(10).isoformat() in refused.value.message_dict["voucher"][0]
    Voucher.objects.filter(pk=voucher.pk).update(valid_from=day(-40), valid_until=day(-1))
    with pytest.raises(ValidationError) as refused:
        voucher_apply(
            actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("1")
        )
    assert day(-1).isoformat() in refused.value.message_dict["voucher"][0]
    revoked = voucher_revoke(actor=act(market.staff), voucher=issue(market), note="企业已注销")
    with pytest.raises(ValidationError) as refused:
        voucher_apply(
            actor=act(market.buyer_user), order=order, voucher=revoked, amount=Decimal("1")
        )
    assert revoked.number in refused.value.message_dict["voucher"][0]
    assert not VoucherRedemption.objects.exists()


def test_a_voucher_pays_only_for_its_categories(market, order):
    patents = ServiceCategory.objects.exclude(pk=market.category.pk).first()
    voucher = issue(market, categories=[patents])
    with pytest.raises(ValidationError) as refused:
        voucher_apply(
            actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("100")
        )
    assert str(patents) in refused.value.message_dict["voucher"][0]
    fits = issue(market, categories=[patents, market.category])
    assert (
        voucher_apply(
            actor=act(market.buyer_user), order=order, voucher=fits, amount=Decimal("100")
        ).voucher
        == fits
    )


def test_a_voucher_pays_only_its_holders_orders(market, order):
    neighbour = OrganizationFactory()
    member_of(neighbour)
    theirs = issue(market, holder=neighbour)
    with pytest.raises(ValidationError) as refused:
        voucher_apply(
            actor=act(market.buyer_user), order=order, voucher=theirs, amount=Decimal("100")
        )
    assert "voucher" in refused.value.message_dict


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), None])
def test_an_amount_above_zero(market, order, voucher, amount):
    with pytest.raises(ValidationError) as refused:
        voucher_apply(actor=act(market.buyer_user), order=order, voucher=voucher, amount=amount)
    assert "amount" in refused.value.message_dict


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.COMPLETED])
def test_a_closed_order_takes_no_voucher(market, order, voucher, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(ValidationError) as refused:
        voucher_apply(
            actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("100")
        )
    assert "voucher" in refused.value.message_dict


# --- the office decides --------------------------------------------------------------------


@pytest.fixture
def paid(market, order, voucher):
    return voucher_apply(
        actor=act(market.buyer_user), order=order, voucher=voucher, amount=Decimal("5000")
    )


def test_verified_once_the_order_is_completed(market, order, paid):
    endpoints = [
        WebhookEndpoint.objects.create(
            organization=organization,
            url=f"https://hooks{organization.pk}.example.cn/",
            secret="s",
            events=[WebhookEvent.VOUCHER_REDEMPTION_DECIDED],
        )
        for organization in (market.buyer, market.agency)
    ]
    with pytest.raises(ValidationError) as refused:
        redemption_decide(actor=act(market.staff), redemption=paid, verify=True)
    assert "status" in refused.value.message_dict
    complete(order)
    verified = redemption_decide(actor=act(market.staff), redemption=paid, verify=True)
    assert verified.status == R.VERIFIED and verified.decided_by == market.staff
    assert balance(paid.voucher) == Decimal("15000")
    assert OutcomeEvent.objects.filter(name="voucher.redemption_verified").count() == 1
    for endpoint in endpoints:
        (hook,) = WebhookDelivery.objects.filter(endpoint=endpoint)
        assert hook.event == "voucher.redemption_decided"
        assert hook.payload["redemption"]["status"] == "verified"
    with pytest.raises(ValidationError) as refused:
        redemption_decide(actor=act(market.staff), redemption=paid, verify=False, note="再议")
    assert "status" in refused.value.message_dict


def test_a_rejected_payment_frees_the_amount(market, order, paid):
    with pytest.raises(ValidationError) as refused:
        redemption_decide(actor=act(market.staff), redemption=paid, verify=False)
    assert "note" in refused.value.message_dict
    rejected = redemption_decide(
        actor=act(market.staff), redemption=paid, verify=False, note="订单未按约定范围执行"
    )
    assert rejected.status == R.REJECTED
    assert balance(paid.voucher) == Decimal("20000")
    assert OutcomeEvent.objects.filter(name="voucher.redemption_rejected").count() == 1
    # The same voucher may pay that order again.
    voucher_apply(
        actor=act(market.buyer_user), order=order, voucher=paid.voucher, amount=Decimal("8000")
    )


@pytest.mark.parametrize("action, user", [("withdraw", "buyer_user"), ("decline", "agency_user")])
def test_an_order_ending_uncompleted_returns_its_pending_payments(
    market, order, paid, action, user
):
    assert balance(paid.voucher) == Decimal("15000")
    order_transition(actor=act(getattr(market, user)), order=order, action=action, note="不做了")
    paid.refresh_from_db()
    order.refresh_from_db()
    assert paid.status == R.REJECTED
    assert paid.decision_note == f"订单已“{order.get_status_display()}”，金额退回创新券。"
    assert balance(paid.voucher) == Decimal("20000")
    released = OutcomeEvent.objects.get(name="voucher.redemption_rejected")
    assert released.data["released"] == order.status
    assert Notification.objects.filter(
        user=market.staff, topic=Notification.Topic.VOUCHER, title__contains=paid.voucher.number
    ).exists()


def test_a_completed_order_keeps_its_payment_for_the_office(market, order, paid):
    complete(order)
    paid.refresh_from_db()
    assert paid.status == R.PENDING
    assert balance(paid.voucher) == Decimal("15000")


@pytest.mark.parametrize("user", ["buyer_user", "agency_user", "rival_user", "far_staff"])
def test_only_the_issuing_office_decides(market, order, paid, user):
    complete(order)
    with pytest.raises(PermissionDenied):
        redemption_decide(actor=act(getattr(market, user)), redemption=paid, verify=True)
    paid.refresh_from_db()
    assert paid.status == R.PENDING


def test_another_office_of_the_same_region_does_not_decide(market, order, paid):
    complete(order)
    # A second verified office in Hangzhou, which reviews the region but did not issue it.
    colleague = member_of(
        OrganizationFactory(name="杭州高新区科协", kind=Organization.Kind.CAST_OFFICE)
    )
    assert act(colleague).can_review_region(order.region_id)
    with pytest.raises(PermissionDenied):
        redemption_decide(actor=act(colleague), redemption=paid, verify=True)


def test_who_sees_which_vouchers(market, order, paid):
    def seen(user):
        return set(voucher_list_visible(actor=act(user)).values_list("pk", flat=True))

    assert seen(market.buyer_user) == seen(market.staff) == {paid.voucher_id}
    for user in (market.agency_user, market.rival_user, market.far_staff):
        assert seen(user) == set()
    # The provider sees the payment on its order, not the voucher itself.
    assert list(redemption_list_visible(actor=act(market.agency_user))) == [paid]
    assert not redemption_list_visible(actor=act(market.rival_user)).exists()
    assert not redemption_list_visible(actor=act(market.far_staff)).exists()


def test_revoking_is_the_issuers(market, voucher):
    with pytest.raises(PermissionDenied):
        voucher_revoke(actor=act(market.far_staff), voucher=voucher, note="x")
    with pytest.raises(ValidationError) as refused:
        voucher_revoke(actor=act(market.staff), voucher=voucher, note=" ")
    assert "note" in refused.value.message_dict
    revoked = voucher_revoke(actor=act(market.staff), voucher=voucher, note="企业已注销")
    assert revoked.status == Voucher.Status.REVOKED
    with pytest.raises(ValidationError):
        voucher_revoke(actor=act(market.staff), voucher=voucher, note="再次")


def test_shenzhen_holder_is_reached_by_shenzhen(market):
    shenzhen = OrganizationFactory(region=region(SHENZHEN))
    assert issue(market, user=market.far_staff, holder=shenzhen).issued_by == office_of(
        market.far_staff
    )
