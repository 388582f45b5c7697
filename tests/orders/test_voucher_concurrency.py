"""A voucher spent twice at the same moment, on PostgreSQL: two buyers' requests apply 8,000
yuan each of a 10,000-yuan voucher to two orders at once. The voucher's row is locked while one
applies, so the other sees its payment and is refused with the amount named; without the lock
both would pass their balance check and the voucher would pay 16,000."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from orders.models import VoucherRedemption
from orders.services import order_place, voucher_issue
from orders.services import voucher_apply as real_apply
from tests.orders.conftest import act, office_of

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_orders_at_once_do_not_overspend_a_voucher(market, order, monkeypatch):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL"
    voucher = voucher_issue(
        actor=act(market.staff),
        office=office_of(market.staff),
        holder=market.buyer,
        amount=Decimal("10000"),
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    second = order_place(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        offering=market.offering,
        scope="同时下的第二单",
        due_on=timezone.localdate() + timedelta(days=30),
    )
    # Both requests reach the voucher together: each waits at the barrier after locking its
    # own order, then asks for the voucher's row.
    barrier = threading.Barrier(2, timeout=10)
    from orders import services

    original = services.order_party_organization_id

    def party_then_wait(**kwargs):
        own = original(**kwargs)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return own

    monkeypatch.setattr(services, "order_party_organization_id", party_then_wait)
    outcomes = {}

    def pay(target):
        try:
            real_apply(
                actor=act(market.buyer_user),
                order=target,
                voucher=voucher,
                amount=Decimal("8000"),
            )
            outcomes[target.pk] = "paid"
        except ValidationError as error:
            outcomes[target.pk] = error.message_dict
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(target,)) for target in (order, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values(), key=str).count("paid") == 1, outcomes
    refused = next(value for value in outcomes.values() if value != "paid")
    assert "8,000.00" in refused["amount"][0] and "2,000.00" in refused["amount"][0]
    assert VoucherRedemption.objects.count() == 1
    assert VoucherRedemption.objects.get().amount == Decimal("8000")
