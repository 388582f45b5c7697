"""What was delivered goes on the listing the order served: the buyer attaches a delivered file
(an evaluation report on its achievement) once the order is completed."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from orders.models import DeliveryFile
from orders.services import delivery_file_attach, order_place, order_transition
from tests.factories import AchievementFactory
from tests.orders.conftest import act

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def achievement(market):
    return AchievementFactory(organization=market.buyer, title="印染废水膜处理成果")


def delivered_order(market, listing, *, complete=True):
    order = order_place(
        actor=act(market.buyer_user),
        buyer=market.buyer,
        offering=market.offering,
        scope="对成果做第三方评价。",
        due_on=timezone.localdate() + timedelta(days=30),
        listing=listing,
    )
    provider = act(market.agency_user)
    order_transition(actor=provider, order=order, action="accept")
    order_transition(
        actor=provider,
        order=order,
        action="deliver",
        note="评价报告见附件。",
        files=[SimpleUploadedFile("评价报告.pdf", PDF)],
    )
    if complete:
        order_transition(actor=act(market.buyer_user), order=order, action="complete")
    order.refresh_from_db()
    return order, DeliveryFile.objects.get(delivery__order=order)


def test_the_buyer_attaches_the_report_to_its_achievement(market, achievement):
    _order, delivered = delivered_order(market, achievement)
    attachment = delivery_file_attach(actor=act(market.buyer_user), delivered=delivered)
    assert attachment.listing_id == achievement.pk
    assert attachment.is_confidential
    assert attachment.filename == "评价报告.pdf"
    with attachment.file.open("rb") as copy:
        assert copy.read() == PDF
    with pytest.raises(ValidationError):
        delivery_file_attach(actor=act(market.buyer_user), delivered=delivered)


def test_only_the_buyer_and_only_once_the_order_is_completed(market, achievement):
    _order, delivered = delivered_order(market, achievement, complete=False)
    with pytest.raises(ValidationError):
        delivery_file_attach(actor=act(market.buyer_user), delivered=delivered)
    order = delivered.delivery.order
    order_transition(actor=act(market.buyer_user), order=order, action="complete")
    with pytest.raises(PermissionDenied):
        delivery_file_attach(actor=act(market.agency_user), delivered=delivered)
    with pytest.raises(PermissionDenied):
        delivery_file_attach(actor=act(market.rival_user), delivered=delivered)
    assert not achievement.attachments.exists()


def test_an_order_serving_no_listing_has_nothing_to_attach_to(market):
    _order, delivered = delivered_order(market, None)
    with pytest.raises(ValidationError):
        delivery_file_attach(actor=act(market.buyer_user), delivered=delivered)


def test_on_the_web_the_buyer_attaches_it_in_public(client, market, achievement):
    order, delivered = delivered_order(market, achievement)
    client.force_login(market.buyer_user)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert reverse("orders:file_attach", args=[delivered.pk]) in page
    url = reverse("orders:file_attach", args=[delivered.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"visibility": "public"})
    assert response.status_code == 302
    attachment = achievement.attachments.get()
    assert not attachment.is_confidential
    again = client.post(url, {"visibility": "public"}, follow=True)
    assert "已" in again.content.decode() or "already" in again.content.decode()
    assert achievement.attachments.count() == 1


def test_the_provider_is_not_offered_it_and_a_stranger_never_learns_of_it(
    client, market, achievement
):
    order, delivered = delivered_order(market, achievement)
    client.force_login(market.agency_user)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert reverse("orders:file_attach", args=[delivered.pk]) not in page
    assert client.post(reverse("orders:file_attach", args=[delivered.pk])).status_code == 302
    client.force_login(market.rival_user)
    assert client.post(reverse("orders:file_attach", args=[delivered.pk])).status_code == 404
    assert not achievement.attachments.exists()
