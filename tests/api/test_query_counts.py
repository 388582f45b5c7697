"""The list endpoints not covered elsewhere run as many queries for many rows as for few."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from notifications.services import notify
from organizations.selectors import actor_for
from repositories import selectors
from subscriptions.services import subscription_create
from tests.factories import NeedFactory, OrganizationFactory, api_token_for, member_of
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


def queries(client, url, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(captured)


def test_organizations(client):
    OrganizationFactory.create_batch(2)
    few = queries(client, "/api/v1/organizations/")
    OrganizationFactory.create_batch(10)
    assert queries(client, "/api/v1/organizations/") == few


def test_notifications_and_subscriptions(client):
    organization = OrganizationFactory()
    person = member_of(organization)
    client.force_login(person)

    def add(n):
        for i in range(n):
            notify(users=[person], topic=Notification.Topic.MATCH, title=f"匹配 {i}")
            subscription_create(user=person, data={"keywords": f"锂电池回收{i}"})

    add(2)
    few = [queries(client, url) for url in ("/api/v1/notifications/", "/api/v1/subscriptions/")]
    add(8)
    many = [queries(client, url) for url in ("/api/v1/notifications/", "/api/v1/subscriptions/")]
    assert many == few


def test_webhooks_and_their_deliveries(client, auth):
    organization = OrganizationFactory()
    admin = member_of(organization)
    _token, key = api_token_for(organization, user=admin)

    def add(n):
        for i in range(n):
            endpoint = webhook_endpoint_create(
                organization=organization,
                actor=actor_for(user=admin),
                url=f"https://erp.example.cn/hooks/{i}-{WebhookDelivery.objects.count()}",
                events=["match.pushed"],
            )
            WebhookDelivery.objects.create(endpoint=endpoint, event="match.pushed", payload={})

    add(2)
    client.get("/api/v1/webhooks/", headers=auth(key))  # the token's first use is recorded once
    urls = ("/api/v1/webhooks/", "/api/v1/webhook-deliveries/")
    few = [queries(client, url, headers=auth(key)) for url in urls]
    add(6)
    assert [queries(client, url, headers=auth(key)) for url in urls] == few


def test_listings_with_keywords(client, monkeypatch):
    """A keyword query reads its page by primary key from the ranking, whatever the number of
    listings holding the words, and never with SELECT DISTINCT."""
    ranked = []
    monkeypatch.setattr(selectors, "rank_by_keywords", lambda **kwargs: list(ranked))

    def add(n):
        listings = [NeedFactory(title=f"锂电池回收工艺{i}") for i in range(n)]
        ranked[:0] = [listing.pk for listing in reversed(listings)]

    def read():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/needs/", {"q": "锂电池"})
        assert response.status_code == 200
        assert not [q for q in captured if "DISTINCT" in q["sql"].upper()]
        return len(captured), response.json()["count"]

    add(6)
    few, count = read()
    assert count == 6
    add(24)
    many, count = read()
    assert (many, count) == (few, 30)
