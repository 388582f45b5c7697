"""The technology managers' API: anyone reads the verified managers with their record and
standing (never a certificate's number or scan, never an unverified profile); mandates and the
commissions due are read by the manager and the mandating organization — its members or its
API token — and by no other organization, whatever its token's creator is elsewhere. Bad
query parameters are 400s naming the field; writes are not offered (405)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from managers.models import Commission
from managers.services import mandate_accept
from organizations.models import Membership
from tests.factories import OrganizationFactory, api_token_for, direction, member_of
from tests.managers.test_views import (  # noqa: F401  (the market fixture)
    act,
    deal_about,
    make_manager,
    market,
    offer,
)

pytestmark = pytest.mark.django_db


def _client(key=None, user=None):
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def brokered(market):  # noqa: F811
    """The market's mandate accepted, and a deal about its need registered: a commission."""
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    deal_about(market.need, total="300", equipment="0")
    return market


# --- the directory ------------------------------------------------------------------------------


def test_anyone_reads_the_verified_managers_and_nothing_private(market):  # noqa: F811
    pending = make_manager("待审核经理人", verified=False)
    body = _client().get("/api/v1/managers/").json()
    assert [row["id"] for row in body["results"]] == [market.profile.pk]
    row = body["results"][0]
    assert (row["name"], row["region"], row["certificate_level"]) == (
        market.profile.name,
        market.profile.region.code,
        "中级",
    )
    assert row["fields"] == [direction().parent.code]
    assert row["verified_at"] is not None
    assert "JSJL" not in str(body) and "certificate_file" not in str(body)
    assert _client().get(f"/api/v1/managers/{pending.pk}/").status_code == 404
    assert _client(user=pending.user).get(f"/api/v1/managers/{pending.pk}/").status_code == 404


def test_a_manager_is_read_with_record_and_standing(brokered):
    body = _client().get(f"/api/v1/managers/{brokered.profile.pk}/").json()
    assert body["record"] == {
        "mandates": 1,
        "mandates_in_force": 1,
        "organizations": 1,
        "deals_registered": 1,
    }
    standing = body["standing"]
    # One brokered registration: an event behind it, but not yet enough history for a level.
    assert standing["event_count"] == 1
    assert [event["name"] for event in standing["events"]] == ["commission.due"]
    assert (standing["level"], standing["score"]) == ("", None)
    assert "JSJL" not in str(body)


def test_the_directory_filters_by_keyword_and_field(market):  # noqa: F811
    found = _client().get("/api/v1/managers/", {"q": "新材料"}).json()
    assert [row["id"] for row in found["results"]] == [market.profile.pk]
    assert _client().get("/api/v1/managers/", {"q": "无此关键词"}).json()["count"] == 0
    field = direction().parent
    by_field = _client().get("/api/v1/managers/", {"field": field.code}).json()
    assert by_field["count"] == 1
    assert _client().get("/api/v1/managers/", {"field": "9999"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [({"q": "长" * 101}, "q"), ({"field": "0" * 17}, "field")],
)
def test_bad_directory_parameters_are_field_errors(market, params, field):  # noqa: F811
    response = _client().get("/api/v1/managers/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.openapi_exempt(reason="sends methods the schema does not have, to see 405")
def test_the_directory_is_read_only(market):  # noqa: F811
    response = _client(user=market.manager).post("/api/v1/managers/", {"name": "冒名"})
    assert response.status_code == 405


# --- mandates -----------------------------------------------------------------------------------


def test_mandates_need_a_sign_in(market):  # noqa: F811
    assert _client().get("/api/v1/mandates/").status_code == 401
    assert _client().get(f"/api/v1/mandates/{market.mandate.pk}/").status_code == 401


@pytest.mark.parametrize("who", ["manager", "org_admin", "org_member"])
def test_the_manager_and_the_organizations_members_read_the_mandate(brokered, who):
    body = _client(user=getattr(brokered, who)).get("/api/v1/mandates/").json()
    assert [row["id"] for row in body["results"]] == [brokered.mandate.pk]
    mandate = body["results"][0]
    assert mandate["organization"] == {
        "id": brokered.organization.pk,
        "name": brokered.organization.name,
    }
    assert mandate["manager"] == {"id": brokered.profile.pk, "name": brokered.profile.name}
    assert (mandate["status"], mandate["in_force"], mandate["listings"]) == (
        "active",
        True,
        [brokered.need.pk],
    )
    assert (mandate["base_fee"], mandate["success_share"], mandate["cap"]) == (
        "5000.00",
        "3.00",
        "80000.00",
    )
    commission = Commission.objects.get()
    # 300 万元 × 3 % = 90,000 + 5,000: held to the 80,000 cap.
    assert mandate["commissions"] == [
        {
            "id": commission.pk,
            "deal": commission.deal_id,
            "deal_title": brokered.need.title,
            "technical_amount": "3000000.00",
            "base_fee": "5000.00",
            "share_amount": "90000.00",
            "amount_due": "80000.00",
            "capped": True,
            "computed_at": mandate["commissions"][0]["computed_at"],
        }
    ]
    assert commission.amount_due == Decimal("80000")


def test_a_token_reads_its_organizations_mandates_and_no_other(brokered):
    _token, key = api_token_for(brokered.organization, user=brokered.org_admin)
    own = _client(key).get("/api/v1/mandates/").json()
    assert [row["id"] for row in own["results"]] == [brokered.mandate.pk]
    assert own["results"][0]["commissions"][0]["amount_due"] == "80000.00"
    url = f"/api/v1/mandates/{brokered.mandate.pk}/"
    assert _client(key).get(url).status_code == 200

    rival = OrganizationFactory(name="另一家单位")
    _token, rival_key = api_token_for(rival)
    assert _client(rival_key).get("/api/v1/mandates/").json()["count"] == 0
    assert _client(rival_key).get(url).status_code == 404
    assert _client(user=brokered.rival).get(url).status_code == 404


def test_a_token_never_reads_its_creators_mandates_as_a_manager(brokered):
    """The manager also administers an organization of their own: its token reads that
    organization's mandates, not those the manager holds from others."""
    own_firm = OrganizationFactory(name="周知远技术转移事务所")
    member_of(own_firm)
    Membership.objects.create(user=brokered.manager, organization=own_firm, role="admin")
    _token, key = api_token_for(own_firm, user=brokered.manager)
    assert _client(key).get("/api/v1/mandates/").json()["count"] == 0
    assert _client(key).get(f"/api/v1/mandates/{brokered.mandate.pk}/").status_code == 404
    # Signed in, the manager reads it.
    assert _client(user=brokered.manager).get("/api/v1/mandates/").json()["count"] == 1


def test_mandates_filter_by_status(brokered):
    client = _client(user=brokered.org_admin)
    assert client.get("/api/v1/mandates/", {"status": "active"}).json()["count"] == 1
    assert client.get("/api/v1/mandates/", {"status": "offered"}).json()["count"] == 0
    response = client.get("/api/v1/mandates/", {"status": "granted"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


@pytest.mark.openapi_exempt(reason="sends methods the schema does not have, to see 405")
def test_mandates_are_written_in_the_browser_only(market):  # noqa: F811
    _token, key = api_token_for(market.organization, user=market.org_admin)
    response = _client(key).post("/api/v1/mandates/", {"manager": market.profile.pk}, format="json")
    assert response.status_code == 405
    url = f"/api/v1/mandates/{market.mandate.pk}/"
    assert _client(user=market.manager).patch(url, {"status": "active"}).status_code == 405
