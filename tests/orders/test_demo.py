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
