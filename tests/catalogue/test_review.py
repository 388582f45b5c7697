"""The review flow and who may do what, through the pages."""

import pytest
from django.core import mail  # noqa: F401

from catalogue.models import OfferingStatus, ServiceOffering
from notifications.models import Notification
from outcomes.models import OutcomeEvent
from tests.catalogue.conftest import make_offering


def test_submit_review_publish_with_notification_and_outcome(world, client):
    offering = make_offering(world, publish=False)
    client.force_login(world.provider)
    response = client.post(f"/services/{offering.pk}/submit/")
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PENDING

    client.force_login(world.far_staff)
    assert offering.title not in client.get("/services/review/").content.decode()
    client.post(f"/services/{offering.pk}/review/", {"decision": "approve"})
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PENDING  # another region's staff cannot

    client.force_login(world.staff)
    assert offering.title in client.get("/services/review/").content.decode()
    client.post(f"/services/{offering.pk}/review/", {"decision": "reject", "note": ""})
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PENDING  # a rejection needs a note
    client.post(f"/services/{offering.pk}/review/", {"decision": "approve"})
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PUBLISHED
    assert offering.reviewed_by == world.staff
    assert Notification.objects.filter(
        user=world.provider, topic=Notification.Topic.SERVICE, url=f"/services/{offering.pk}/"
    ).exists()
    event = OutcomeEvent.objects.get(name=OutcomeEvent.Name.OFFERING_PUBLISHED)
    assert (event.subject_type, event.subject_id, event.organization_id) == (
        "offering",
        offering.pk,
        world.agency.pk,
    )


def test_reject_then_resubmit_and_withdraw(world, client):
    offering = make_offering(world, publish=False)
    client.force_login(world.provider)
    client.post(f"/services/{offering.pk}/submit/")
    client.force_login(world.staff)
    client.post(f"/services/{offering.pk}/review/", {"decision": "reject", "note": "请补充交付物"})
    offering.refresh_from_db()
    assert (offering.status, offering.review_note) == (OfferingStatus.REJECTED, "请补充交付物")
    client.force_login(world.provider)
    assert "请补充交付物" in client.get(f"/services/{offering.pk}/").content.decode()
    client.post(f"/services/{offering.pk}/submit/")
    client.post(f"/services/{offering.pk}/withdraw/")
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.WITHDRAWN


@pytest.mark.parametrize(
    "who, draft, pending, published",
    [
        ("provider", 200, 200, 200),
        ("buyer", 404, 404, 200),
        ("staff", 404, 200, 200),
        ("far_staff", 404, 404, 200),
        ("anonymous", 404, 404, 200),
    ],
)
def test_who_sees_what(world, client, who, draft, pending, published):
    offerings = {
        "draft": make_offering(world, publish=False),
        "pending": make_offering(world, publish=False),
        "published": make_offering(world),
    }
    pending_offering = offerings["pending"]
    ServiceOffering.objects.filter(pk=pending_offering.pk).update(status=OfferingStatus.PENDING)
    if who != "anonymous":
        client.force_login(getattr(world, who))
    for name, expected in (("draft", draft), ("pending", pending), ("published", published)):
        assert client.get(f"/services/{offerings[name].pk}/").status_code == expected, name


def test_others_cannot_edit_or_withdraw(world, client):
    offering = make_offering(world)
    client.force_login(world.buyer)
    assert client.get(f"/services/{offering.pk}/edit/").status_code == 403
    client.post(f"/services/{offering.pk}/withdraw/")
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PUBLISHED
    # An enterprise may offer only the categories that admit it.
    response = client.get("/services/new/")
    assert response.status_code == 200
    response = client.post(
        "/services/new/",
        {
            "provider": world.enterprise.pk,
            "category": offering.category.pk,
            "title": "估值",
            "description": "说明",
            "deliverables": "报告",
            "price_kind": "on_quote",
            "lead_time_days": "10",
        },
    )
    assert response.status_code == 200
    assert "不能提供此类服务" in response.content.decode()
    # The anonymous visitor is sent to log in; the CAST office cannot offer services.
    client.logout()
    assert client.get("/services/new/").status_code == 302
    client.force_login(world.staff)
    assert client.get("/services/new/").status_code == 403


def test_editing_a_published_offering_sends_it_back_to_review(world, client):
    offering = make_offering(world)
    client.force_login(world.provider)
    response = client.post(
        f"/services/{offering.pk}/edit/",
        {
            "category": offering.category.pk,
            "title": "新标题",
            "description": "说明",
            "deliverables": "报告",
            "price_kind": "fixed",
            "price_amount": "8000",
            "lead_time_days": "10",
        },
    )
    assert response.status_code == 302
    offering.refresh_from_db()
    assert (offering.title, offering.status) == ("新标题", OfferingStatus.PENDING)
    assert client.get(f"/services/{offering.pk}/edit/").status_code == 302  # pending: no edit
