"""The credit API: anyone reads a standing with its events; a member's token with the `write`
scope appeals; the region's office token with the `review` scope decides."""

from rest_framework.test import APIClient

from credit.models import CreditAppeal
from organizations.models import ApiToken, Organization
from tests.credit.conftest import log, now, world  # noqa: F401
from tests.factories import HANGZHOU, SHENZHEN, api_token_for


def _client(key=None):
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_anyone_reads_the_standing_and_its_events(world):  # noqa: F811
    body = _client().get(f"/api/v1/credit/{world.provider.pk}/").json()
    assert (body["score"], body["level"], body["event_count"]) == (53.2, "C", 6)
    assert [event["event"] for event in body["events"]][0] == world.events["e6"].pk
    assert world.buyer.name not in str(body)
    partner = _client().get(f"/api/v1/credit/{world.partner.pk}/").json()
    assert (partner["score"], partner["level"]) == (None, "")
    assert _client().get("/api/v1/credit/99999999/").status_code == 404


def test_a_token_appeals_and_the_office_token_decides(world):  # noqa: F811
    event = world.events["e4"].pk
    _t, read_only = api_token_for(world.provider, scopes=[])
    assert (
        _client(read_only)
        .post("/api/v1/credit-appeals/", {"event": event, "statement": "理由"}, format="json")
        .status_code
        == 403
    )
    _t, key = api_token_for(world.provider)
    empty = _client(key).post(
        "/api/v1/credit-appeals/", {"event": event, "statement": ""}, format="json"
    )
    assert empty.status_code == 400 and "statement" in empty.json()["fields"]
    created = _client(key).post(
        "/api/v1/credit-appeals/", {"event": event, "statement": "裁决有误"}, format="json"
    )
    assert created.status_code == 201, created.json()
    appeal = created.json()
    assert (appeal["status"], appeal["event"]) == ("open", event)
    again = _client(key).post(
        "/api/v1/credit-appeals/", {"event": event, "statement": "再次"}, format="json"
    )
    assert again.status_code == 400 and "event" in again.json()["fields"]
    _t, buyer_key = api_token_for(world.buyer)
    url = f"/api/v1/credit-appeals/{appeal['id']}/"
    assert _client(buyer_key).get(url).status_code == 404

    far = Organization.objects.get(name=f"科协{SHENZHEN}")
    _t, far_key = api_token_for(far)
    assert _client(far_key).post(url + "decide/", {"decision": "uphold"}).status_code == 404
    office = Organization.objects.get(name=f"科协{HANGZHOU}")
    _t, no_review = api_token_for(office, scopes=[ApiToken.Scope.WRITE])
    assert _client(no_review).post(url + "decide/", {"decision": "uphold"}).status_code == 403
    _t, reviewer = api_token_for(office)
    decided = _client(reviewer).post(url + "decide/", {"decision": "uphold"}, format="json")
    assert decided.json()["status"] == "upheld"
    assert CreditAppeal.objects.get().status == CreditAppeal.Status.UPHELD
    assert _client().get(f"/api/v1/credit/{world.provider.pk}/").json()["score"] == 67.6
    repeated = _client(reviewer).post(url + "decide/", {"decision": "dismiss", "note": "x"})
    assert repeated.status_code == 409
