"""The demo's orders (`manage.py load_demo_orders`, run by `make run`): every status, through the
services, loaded once."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalogue.models import PriceKind, ServiceCategory
from orders.models import Order, OrderStatus, QuoteRequest, Review
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from tests.factories import OrganizationFactory, member_of
from tests.orders.conftest import offering_of

pytestmark = pytest.mark.django_db


def test_demo_orders_reach_every_status_once(settings):
    settings.DEBUG = True
    evaluation = ServiceCategory.objects.get(code="evaluation")
    for number in range(3):
        agency = OrganizationFactory(kind=Organization.Kind.AGENCY)
        member_of(agency)
        offering_of(agency, evaluation, price=f"{5000 + 1000 * number}")
        offering_of(agency, evaluation, kind=PriceKind.FROM, price="20000")
    for _number in range(6):
        member_of(OrganizationFactory())
    call_command("load_demo_orders")
    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses == set(OrderStatus.values)
    assert Order.objects.exclude(late_since=None).exists()
    assert Review.objects.count() == 4
    assert QuoteRequest.objects.filter(status=QuoteRequest.Status.OPEN).count() == 1
    # The awarded request's order came from its accepted quote.
    awarded = QuoteRequest.objects.get(status=QuoteRequest.Status.AWARDED)
    assert Order.objects.get(quote__request=awarded).status == OrderStatus.IN_PROGRESS
    assert not OutcomeEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
    count = Order.objects.count()
    call_command("load_demo_orders")
    assert Order.objects.count() == count


def test_demo_orders_show_milestones_in_every_state_and_vouchers_paid(settings):
    from orders.models import OrderMilestone, Voucher, VoucherRedemption
    from tests.factories import ZHEJIANG, cast_staff

    settings.DEBUG = True
    evaluation = ServiceCategory.objects.get(code="evaluation")
    for number in range(3):
        agency = OrganizationFactory(kind=Organization.Kind.AGENCY)
        member_of(agency)
        offering_of(agency, evaluation, price=f"{5000 + 1000 * number}")
    for _number in range(6):
        member_of(OrganizationFactory())
    cast_staff(ZHEJIANG)  # the province's office covers the Hangzhou buyers
    call_command("load_demo_orders")
    assert set(OrderMilestone.objects.values_list("status", flat=True)) == set(
        OrderMilestone.Status.values
    )
    worked = Order.objects.filter(milestones__isnull=False).distinct()
    assert set(worked.values_list("status", flat=True)) == {
        OrderStatus.IN_PROGRESS,
        OrderStatus.COMPLETED,
    }
    assert Voucher.objects.filter(issued_by__kind=Organization.Kind.CAST_OFFICE).exists()
    assert set(VoucherRedemption.objects.values_list("status", flat=True)) == set(
        VoucherRedemption.Status.values
    )
    verified = VoucherRedemption.objects.get(status=VoucherRedemption.Status.VERIFIED)
    assert verified.order.status == OrderStatus.COMPLETED
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    assert not OutcomeEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
    vouchers = Voucher.objects.count()
    call_command("load_demo_orders")
    assert Voucher.objects.count() == vouchers
