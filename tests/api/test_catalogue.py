"""The catalogue's API: reading for everyone, the provider's token writes, the office's token
reviews; bad input is a 400 with field errors, never a 500."""

import pytest
from rest_framework.test import APIClient

from catalogue.models import OfferingStatus
from organizations.models import ApiToken, Organization
from tests.catalogue.conftest import make_offering, world  # noqa: F401
from tests.factories import HANGZHOU, api_token_for

BODY = {
    "category": "patent_search",
    "title": "专利检索与FTO分析",
    "description": "检索国内外相关专利。",
    "deliverables": ["检索报告", "FTO 意见书"],
    "price_kind": "from",
    "price_amount": "12000",
    "lead_time_days": 15,
    "regions": [HANGZHOU],
}


def _client(key=None):
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_provider_token_creates_submits_staff_token_reviews(world):  # noqa: F811
    _token, key = api_token_for(world.agency)
    response = _client(key).post("/api/v1/service-offerings/", BODY, format="json")
    assert response.status_code == 201, response.json()
    offering = response.json()
    assert (offering["status"], offering["regions"], offering["deliverables"]) == (
        "draft",
        [HANGZHOU],
        ["检索报告", "FTO 意见书"],
    )
    assert _client().get(f"/api/v1/service-offerings/{offering['id']}/").status_code == 404
    url = f"/api/v1/service-offerings/{offering['id']}/"
    assert _client(key).post(url + "submit/").json()["status"] == "pending"

    office = Organization.objects.get(name=f"科协{HANGZHOU}")
    _t, read_only = api_token_for(office, scopes=[])
    assert _client(read_only).post(url + "review/", {"approve": True}).status_code == 403
    _t, reviewer = api_token_for(office, scopes=[ApiToken.Scope.REVIEW])
    rejected = _client(reviewer).post(url + "review/", {"approve": False}, format="json")
    assert rejected.status_code == 400 and "note" in rejected.json()["fields"]
    assert _client(reviewer).post(url + "review/", {"approve": True}).json()["status"] == (
        "published"
    )
    listed = _client().get("/api/v1/service-offerings/?region=330000&category=patent_search")
    assert [item["id"] for item in listed.json()["results"]] == [offering["id"]]
    assert _client(key).post(url + "withdraw/").json()["status"] == "withdrawn"


def test_scopes_and_other_organizations(world):  # noqa: F811
    offering = make_offering(world)
    url = f"/api/v1/service-offerings/{offering.pk}/"
    _t, read_only = api_token_for(world.agency, scopes=[])
    assert _client(read_only).post(url + "withdraw/").status_code == 403
    _t, other = api_token_for(world.enterprise)
    assert _client(other).post(url + "withdraw/").status_code == 403
    assert _client(other).patch(url, {"title": "x"}, format="json").status_code == 403
    assert _client().post("/api/v1/service-offerings/", BODY, format="json").status_code == 401
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PUBLISHED


@pytest.mark.parametrize(
    "change, field",
    [
        ({"price_amount": "-1"}, "price_amount"),
        ({"price_amount": "1e400"}, "price_amount"),
        ({"price_amount": "abc"}, "price_amount"),
        ({"price_kind": "on_quote"}, "price_amount"),
        ({"price_kind": "gratis"}, "price_kind"),
        ({"lead_time_days": 0}, "lead_time_days"),
        ({"lead_time_days": 10**30}, "lead_time_days"),
        ({"title": ""}, "title"),
        ({"category": "nope"}, "category"),
        ({"regions": ["999999"]}, "regions"),
        ({"provider": 10**25}, "provider"),
        ({"deliverables": []}, "deliverables"),
    ],
)
def test_bad_input_is_400_on_the_field(world, change, field):  # noqa: F811
    _t, key = api_token_for(world.agency)
    response = _client(key).post("/api/v1/service-offerings/", {**BODY, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_unknown_ids_and_filters(world):  # noqa: F811
    client = _client()
    assert client.get("/api/v1/service-offerings/99999999999999999999/").status_code == 404
    assert client.get("/api/v1/service-offerings/?price_kind=nope").status_code == 400
    assert client.get("/api/v1/service-offerings/?region=zz").json()["results"] == []
    categories = client.get("/api/v1/service-categories/").json()
    assert len(categories) == 15 and categories[0]["code"] == "evaluation"
