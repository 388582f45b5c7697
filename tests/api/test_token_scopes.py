"""What an API token may do: reading always; writing, reviewing and webhooks by its scopes;
nothing after it expires."""

from datetime import timedelta

import pytest
from django.utils import timezone

from organizations.models import ApiToken, Organization
from repositories.models import ListingStatus
from tests.factories import (
    HANGZHOU,
    ZHEJIANG,
    NeedFactory,
    OrganizationFactory,
    api_token_for,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

NEED = {
    "title": "锂电池回收中钴镍高效分离",
    "summary": "寻求钴镍分离新方法。",
    "problem": "钴镍回收率低。",
}


@pytest.fixture
def enterprise():
    return OrganizationFactory(region=region(HANGZHOU))


def test_a_read_only_token_reads_but_writes_nothing(client, enterprise, auth):
    _token, key = api_token_for(enterprise, scopes=[])
    assert client.get("/api/v1/needs/", headers=auth(key)).status_code == 200
    response = client.post(
        "/api/v1/needs/", NEED, headers=auth(key), content_type="application/json"
    )
    assert response.status_code == 403
    assert "发布和修改信息" in response.json()["message"]
    assert client.get("/api/v1/webhooks/", headers=auth(key)).status_code == 403


def test_a_writing_token_publishes_but_does_not_manage_webhooks(client, enterprise, auth):
    _token, key = api_token_for(enterprise, scopes=[ApiToken.Scope.WRITE])
    response = client.post(
        "/api/v1/needs/", NEED, headers=auth(key), content_type="application/json"
    )
    assert response.status_code == 201
    response = client.get("/api/v1/webhooks/", headers=auth(key))
    assert response.status_code == 403
    assert "Webhook" in response.json()["message"]


def test_an_office_token_reviews_only_with_the_review_scope(client, auth):
    office = OrganizationFactory(kind=Organization.Kind.CAST_OFFICE, region=region(ZHEJIANG))
    need = NeedFactory(region=region(HANGZHOU), status=ListingStatus.SUBMITTED)
    url = f"/api/v1/needs/{need.pk}/review/"
    _token, writer = api_token_for(office, scopes=[ApiToken.Scope.WRITE])
    response = client.post(
        url, {"decision": "approve"}, headers=auth(writer), content_type="application/json"
    )
    assert response.status_code == 403
    need.refresh_from_db()
    assert need.status == ListingStatus.SUBMITTED
    _token, reviewer = api_token_for(office, scopes=[ApiToken.Scope.REVIEW])
    response = client.post(
        url, {"decision": "approve"}, headers=auth(reviewer), content_type="application/json"
    )
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED


def test_an_expired_token_is_refused_with_the_date(client, enterprise, auth):
    token, key = api_token_for(enterprise)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = client.get("/api/v1/needs/", headers=auth(key))
    assert response.status_code == 401
    expired_on = timezone.localdate() - timedelta(days=1)
    assert expired_on.strftime("%Y-%m-%d") in response.json()["message"]


def test_only_an_office_may_create_a_reviewing_token(enterprise):
    with pytest.raises(Exception, match="科协"):
        api_token_for(enterprise, user=member_of(enterprise), scopes=[ApiToken.Scope.REVIEW])
